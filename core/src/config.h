/*
 * config.h - the INI configuration (inih), read once at start.
 *
 * tw_config_load() reads the file, rejects unknown sections and keys and
 * malformed values with a message naming file:line, and keeps plugin
 * sections raw until the plugins' declared keys are known
 * (tw_config_check_plugin).  The result is immutable after loading.
 */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "tradewind/plugin.h"

typedef struct tw_module_setting {
    char *name;
    bool on;
    int line;
} tw_module_setting_t;

typedef struct tw_plugin_setting {
    char *section; /* the plugin's name */
    char *key;
    char *value;
    int line;
} tw_plugin_setting_t;

typedef struct tw_config {
    char *path;

    /* [server] */
    char *listen;                /* "127.0.0.1" */
    unsigned port;               /* 8080 */
    unsigned threads;            /* worker threads, 4 */
    unsigned max_connections;    /* 512 */
    unsigned per_ip_connections; /* 64 */
    size_t body_limit;           /* bytes, 1 MiB; "64k", "1m" accepted */
    unsigned timeout_s;          /* idle connection timeout, 30 */
    char *plugin_dir;            /* "build/release/plugins" */

    /* [database] */
    char *db_url;                  /* TRADEWIND_DATABASE_URL overrides */
    unsigned pool_size;            /* 8 */
    unsigned statement_timeout_ms; /* 5000 */
    bool auto_migrate;             /* off */

    /* [auth] */
    unsigned session_ttl_s; /* 28800 (8 hours) */

    /* [rules] */
    char *rules_dir;                   /* "scripts" */
    unsigned rules_instruction_budget; /* VM instructions per call, 1e6 */
    size_t rules_memory_limit;         /* bytes per Lua state, 32 MiB */
    unsigned rules_reload_ms;          /* how often files are checked, 500 */

    /* [log] */
    int log_level; /* tw_log_level_t, info */

    /* [modules] */
    tw_module_setting_t *modules;
    size_t module_count;

    /* [<plugin>] sections, checked later by tw_config_check_plugin() */
    tw_plugin_setting_t *plugin_settings;
    size_t plugin_setting_count;
} tw_config_t;

/* Reads and validates `path`.  Returns NULL on failure with "file:line:
 * what is wrong" (or "file: ..." when no line applies) in err. */
tw_config_t *tw_config_load(const char *path, char *err, size_t err_size);

/* A configuration with every default and no modules (for tests/tools). */
tw_config_t *tw_config_defaults(void);

void tw_config_free(tw_config_t *cfg);

/* The [modules] entry for `name`, or NULL when it is not listed. */
const tw_module_setting_t *tw_config_module(const tw_config_t *cfg,
                                            const char *name);

/* Checks the keys of section [plugin] against `keys` (may be NULL).
 * Returns false with "file:line: unknown key ..." in err. */
bool tw_config_check_plugin(const tw_config_t *cfg, const char *plugin,
                            const tw_config_key_t *keys, char *err,
                            size_t err_size);

/* Checks that every plugin section names a module listed in [modules].
 * Returns false with "file:line: unknown section ..." in err. */
bool tw_config_check_sections(const tw_config_t *cfg, char *err,
                              size_t err_size);

/* The raw value of `key` in section [plugin]; NULL when absent. */
const char *tw_config_plugin_value(const tw_config_t *cfg, const char *plugin,
                                   const char *key);

#endif
