/*
 * dispatch.h - the life of one HTTP request, from received to answered.
 *
 * The server hands over a fully received request; the dispatcher matches
 * the route, parses the body, runs the handler inside one transaction
 * with the caller's identity and branch isolation, queues the answer,
 * counts it and writes the access-log line.  It runs on the libmicrohttpd
 * worker thread that received the request; the tw_dispatch_t it reads is
 * shared by all workers and never written after start.
 */
#ifndef TW_DISPATCH_H
#define TW_DISPATCH_H

#include <microhttpd.h>
#include <stddef.h>
#include <time.h>

#include "metrics.h"
#include "router.h"
#include "tradewind/db.h"

/* What every request needs; owned by the server. */
typedef struct tw_dispatch {
    const tw_router_t *router;
    tw_metrics_t *metrics;
    tw_pool_t *pool; /* may be NULL: every database route answers 503 */
} tw_dispatch_t;

/* One request as received by the server. */
typedef struct tw_call {
    struct MHD_Connection *conn;
    const char *method;
    const char *uri;       /* path and query as sent, still encoded */
    const char *body;      /* body_len bytes, not NUL-terminated */
    size_t body_len;
    struct timespec start; /* CLOCK_MONOTONIC when the request began */
} tw_call_t;

/* Answers `call`; returns libmicrohttpd's result of queuing the answer
 * (MHD_NO closes the connection). */
enum MHD_Result tw_dispatch_run(const tw_dispatch_t *dispatch,
                                const tw_call_t *call);

/* Answers 413 "body_too_large" without running any handler. */
enum MHD_Result tw_dispatch_too_large(const tw_dispatch_t *dispatch,
                                      const tw_call_t *call, size_t limit);

#endif
