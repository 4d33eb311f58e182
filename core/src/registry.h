/*
 * registry.h - what the core and plugins registered during init.
 *
 * Routes, permissions, migrations, CLI commands and services live in one
 * process-wide registry.  It is written only while a host is open (during
 * a plugin's init, single-threaded at start-up) and read-only afterwards,
 * so readers take no lock.
 */
#ifndef TW_REGISTRY_H
#define TW_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "tradewind/cli.h"
#include "tradewind/http.h"
#include "tradewind/plugin.h"

/* The handle passed to a plugin's init; the core uses one named "core". */
struct tw_host {
    const char *plugin;
    const tw_config_t *cfg;
    const tw_config_key_t *keys;
    bool open;
};

void tw_host_open(tw_host_t *host, const char *plugin, const tw_config_t *cfg,
                  const tw_config_key_t *keys);
void tw_host_close(tw_host_t *host);

/* Route flags for the core's own routes. */
#define TW_ROUTE_NO_DB 1u /* no transaction (probes, metrics) */
#define TW_ROUTE_OWNER 2u /* runs as the table owner: login, sessions */

typedef struct tw_route {
    const char *plugin;
    const char *method;
    const char *pattern;
    const char *permission; /* NULL public, "" any user */
    tw_handler_fn handler;
    void *ctx;
    unsigned flags;
} tw_route_t;

tw_rc_t tw_route_add_flags(tw_host_t *host, const char *method,
                           const char *pattern, const char *permission,
                           tw_handler_fn handler, void *ctx, unsigned flags);
size_t tw_registry_route_count(void);
const tw_route_t *tw_registry_route(size_t i);

typedef struct tw_migration {
    const char *plugin; /* also the schema */
    int version;
    const char *name;
    const char *sql;
} tw_migration_t;

/* In registration order: the core's first, then plugins in start order. */
size_t tw_registry_migration_count(void);
const tw_migration_t *tw_registry_migration(size_t i);

typedef struct tw_command {
    const char *plugin;
    const char *name;
    const char *summary;
    tw_command_fn fn;
} tw_command_t;

size_t tw_registry_command_count(void);
const tw_command_t *tw_registry_command(size_t i);
const tw_command_t *tw_registry_command_find(const char *name);

typedef struct tw_demo_gen {
    const char *plugin;
    tw_demo_fn fn;
} tw_demo_gen_t;

/* Demo data generators, in plugin start order. */
size_t tw_registry_demo_count(void);
const tw_demo_gen_t *tw_registry_demo(size_t i);

/* True when `role` holds `permission` ("admin" holds all). */
bool tw_registry_role_holds(const char *role, const char *permission);

/* True for "admin" and every role named in a permission declaration. */
bool tw_registry_role_known(const char *role);

/* Frees everything registered (at exit and between tests). */
void tw_registry_clear(void);

#endif
