/*
 * server.h - the HTTP server (libmicrohttpd) and its built-in routes.
 */
#ifndef TW_SERVER_H
#define TW_SERVER_H

#include "config.h"
#include "tradewind/db.h"
#include "tradewind/plugin.h"

typedef struct tw_server tw_server_t;

/* Registers /healthz, /readyz and /metrics on the core host. */
tw_rc_t tw_server_register_probes(tw_host_t *core_host);

/* Starts listening with the [server] limits; routes come from the
 * registry.  Returns NULL (and logs why) when it cannot listen. */
tw_server_t *tw_server_start(const tw_config_t *cfg, tw_pool_t *pool);

/* Stops accepting, waits for requests in flight, frees. */
void tw_server_stop(tw_server_t *server);

#endif
