/*
 * plugin.h - the contract between the core and a domain plugin.
 *
 * A plugin is one shared object that exports one function,
 * tw_plugin_descriptor(), returning a static tw_plugin_t.  The loader
 * compares `size` and `abi_version` with its own and refuses a plugin
 * built for another ABI, one whose required plugins are missing or
 * switched off, and one whose init fails.
 *
 * init() receives a host handle through which the plugin registers its
 * routes, permissions, migrations, CLI commands and services.
 * Registration is only possible during init(); afterwards every
 * registration function fails with TW_ERR_STATE.
 */
#ifndef TRADEWIND_PLUGIN_H
#define TRADEWIND_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "tradewind/result.h"
#include "tradewind/visibility.h"

/* Raised whenever tw_plugin_t or a public function changes incompatibly. */
#define TW_ABI_VERSION 1u

/* The name of the one symbol a plugin exports. */
#define TW_PLUGIN_SYMBOL "tw_plugin_descriptor"

typedef struct tw_host tw_host_t;

/* One key a plugin accepts in its own INI section ([<plugin name>]). */
typedef struct tw_config_key {
    const char *name;
    const char *default_value; /* used when the key is absent; may be NULL */
    const char *help;          /* one line, shown by `tradewind plugins` */
} tw_config_key_t;

typedef struct tw_plugin {
    size_t size;          /* sizeof(tw_plugin_t) when the plugin was built */
    uint32_t abi_version; /* TW_ABI_VERSION when the plugin was built */
    const char *name;     /* also its schema, INI section and module key */
    const char *version;
    const char *const *requires;        /* NULL-terminated names, or NULL */
    const tw_config_key_t *config_keys; /* ends with {NULL}, or NULL */

    /* Registers everything; returns TW_OK, or an error with a message
     * written to err (at most err_size bytes, NUL-terminated). */
    tw_rc_t (*init)(tw_host_t *host, char *err, size_t err_size);

    /* Called in reverse start order at exit; may be NULL. */
    void (*shutdown)(void);
} tw_plugin_t;

/* Declares the exported descriptor function of a plugin. */
#define TW_PLUGIN_DEFINE(descriptor)                                      \
    TW_PLUGIN_EXPORT const tw_plugin_t *tw_plugin_descriptor(void);       \
    const tw_plugin_t *tw_plugin_descriptor(void) { return &(descriptor); }

/* The name of the plugin being initialised through `host`. */
TW_API const char *tw_host_plugin_name(const tw_host_t *host);

/* The value of `key` in the plugin's INI section, else its declared
 * default; NULL when neither exists. */
TW_API const char *tw_host_config(const tw_host_t *host, const char *key);

/* Registers a named service: a table of function pointers other plugins
 * may call.  `api` must outlive the process.  Fails with TW_ERR_CONFLICT
 * when the name is taken. */
TW_API tw_rc_t tw_service_register(tw_host_t *host, const char *name,
                                   const void *api);

/* Finds a service registered by any started plugin; NULL if none. */
TW_API const void *tw_service_find(const char *name);

#endif
