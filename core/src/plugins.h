/*
 * plugins.h - loading, starting and stopping plugins (dlopen).
 *
 * For each module switched on in [modules] the loader opens
 * <plugin_dir>/<name>.so with RTLD_NOW | RTLD_LOCAL, checks the
 * descriptor's size, ABI version and name, checks its requirements and its
 * INI section, and orders the plugins so each starts after what it
 * requires.  It never crashes on a bad plugin: it refuses it by name.
 */
#ifndef TW_PLUGINS_H
#define TW_PLUGINS_H

#include <stddef.h>

#include "config.h"
#include "tradewind/plugin.h"

typedef struct tw_plugins tw_plugins_t;

/* Exit-code-like results of loading and starting. */
#define TW_PLUGINS_OK 0
#define TW_PLUGINS_REFUSED 1 /* bad plugin: ABI, missing requirement, init */
#define TW_PLUGINS_BAD_CONFIG 2 /* needs a configuration change */

/* Opens and checks every enabled module.  On failure returns
 * TW_PLUGINS_REFUSED or TW_PLUGINS_BAD_CONFIG with the reason in err
 * (configuration problems as "file:line: ..."); *out is NULL then. */
int tw_plugins_load(const tw_config_t *cfg, tw_plugins_t **out, char *err,
                    size_t err_size);

/* Calls each plugin's init in dependency order through its own host.
 * Returns TW_PLUGINS_OK or TW_PLUGINS_REFUSED (err names the plugin). */
int tw_plugins_start(tw_plugins_t *plugins, char *err, size_t err_size);

/* Calls shutdown in reverse start order, unloads and frees. */
void tw_plugins_stop(tw_plugins_t *plugins);

size_t tw_plugins_count(const tw_plugins_t *plugins);
const tw_plugin_t *tw_plugins_get(const tw_plugins_t *plugins, size_t i);

#endif
