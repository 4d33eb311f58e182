/*
 * registry_private.h - what the parts of the registry share (core only).
 *
 * The registry is split by job: registry.c (routes, migrations, commands
 * and clearing), permissions.c (permissions and roles) and host.c (hosts
 * and services).  Same rules as registry.h: written only while a host is
 * open at start-up, read-only afterwards, no lock.
 */
#ifndef TW_REGISTRY_PRIVATE_H
#define TW_REGISTRY_PRIVATE_H

#include "registry.h"

/* TW_OK when `host` is open; else logs a warning naming the plugin and
 * `what` it tried to register, and returns TW_ERR_STATE. */
tw_rc_t tw_host_check(const tw_host_t *host, const char *what);

/* Free what permissions.c and host.c hold (tw_registry_clear calls them). */
void tw_permissions_clear(void);
void tw_services_clear(void);

#endif
