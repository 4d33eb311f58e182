/*
 * plugins.c - loading, checking, ordering, starting and stopping plugins.
 *
 * Loading opens every module switched on in [modules], in file order,
 * and checks its descriptor (ABI version, size, name), its requirements
 * and its INI section before anything runs; then it orders the plugins
 * so that each starts after what it requires.  A bad plugin is refused by
 * name with a message; it never brings the process down.
 *
 * Ownership: a tw_plugins_t owns its entries and their hosts.  Each
 * plugin may keep its host pointer for its request handlers, so the
 * hosts live until tw_plugins_stop.  The configuration is borrowed and
 * must outlive the plugins.  Single-threaded: start-up and exit only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugins.h"
#include "registry.h"
#include "tradewind/log.h"

typedef const tw_plugin_t *(*tw_plugins_descriptor_fn)(void);

typedef struct tw_plugins_entry {
    const char *name; /* the [modules] key (owned by the configuration) */
    int line;         /* of that key */
    void *handle;
    const tw_plugin_t *desc;
    tw_host_t host;
    bool placed; /* already in the start order while sorting */
} tw_plugins_entry_t;

struct tw_plugins {
    const tw_config_t *cfg;
    tw_plugins_entry_t *entries; /* in [modules] order */
    size_t count;
    size_t *order;  /* start order: indexes into entries */
    size_t started; /* how many of order[] are started */
    bool ran_init;  /* some init ran: the code must stay mapped */
};


static int tw_plugins_fail(char *err, size_t err_size, int rc,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));


/* Writes the reason into err and returns `rc`, so callers can return
 * the call. */
static int
tw_plugins_fail(char *err, size_t err_size, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return rc;
}


/* Refuses a descriptor built for another ABI or not matching its file.
 * `size` and `abi_version` come first in every ABI, so they are read
 * before anything else. */
static int
tw_plugins_check_descriptor(const char *name, const tw_plugin_t *d,
                            char *err, size_t err_size)
{
    const int refused = TW_PLUGINS_REFUSED;

    if (d == NULL) {
        return tw_plugins_fail(err, err_size, refused, "plugin '%s': %s "
                               "returned NULL", name, TW_PLUGIN_SYMBOL);
    }
    if (d->abi_version != TW_ABI_VERSION) {
        return tw_plugins_fail(err, err_size, refused, "plugin '%s': ABI "
                               "version %u does not match the core's %u",
                               name, (unsigned) d->abi_version,
                               (unsigned) TW_ABI_VERSION);
    }
    if (d->size < sizeof(tw_plugin_t)) {
        return tw_plugins_fail(err, err_size, refused, "plugin '%s': "
                               "descriptor size %zu is smaller than the "
                               "core's %zu", name, d->size,
                               sizeof(tw_plugin_t));
    }
    if (d->name == NULL || strcmp(d->name, name) != 0) {
        return tw_plugins_fail(err, err_size, refused, "plugin '%s': its "
                               "descriptor is named '%s'", name,
                               d->name != NULL ? d->name : "(null)");
    }
    if (d->version == NULL || d->init == NULL) {
        return tw_plugins_fail(err, err_size, refused, "plugin '%s': its "
                               "descriptor lacks a version or an init "
                               "function", name);
    }
    return TW_PLUGINS_OK;
}


/* Opens <plugin_dir>/<name>.so and checks its descriptor. */
static int
tw_plugins_open(const tw_plugins_t *plugins, tw_plugins_entry_t *e,
                char *err, size_t err_size)
{
    const tw_config_t *cfg = plugins->cfg;
    char path[PATH_MAX];
    struct stat st;

    int n = snprintf(path, sizeof path, "%s/%s.so", cfg->plugin_dir, e->name);
    if (n < 0 || (size_t) n >= sizeof path) {
        return tw_plugins_fail(err, err_size, TW_PLUGINS_BAD_CONFIG,
                               "%s:%d: plugin_dir is too long for module "
                               "'%s'", cfg->path, e->line, e->name);
    }
    if (stat(path, &st) != 0 && errno == ENOENT) {
        return tw_plugins_fail(err, err_size, TW_PLUGINS_BAD_CONFIG,
                               "%s:%d: module '%s' is on but %s does not "
                               "exist", cfg->path, e->line, e->name, path);
    }

    e->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (e->handle == NULL) {
        return tw_plugins_fail(err, err_size, TW_PLUGINS_REFUSED,
                               "plugin '%s': cannot load: %s", e->name,
                               dlerror());
    }

    void *sym = dlsym(e->handle, TW_PLUGIN_SYMBOL);
    if (sym == NULL) {
        return tw_plugins_fail(err, err_size, TW_PLUGINS_REFUSED,
                               "plugin '%s': %s does not export %s",
                               e->name, path, TW_PLUGIN_SYMBOL);
    }

    /* POSIX guarantees a function address survives the trip as void * */
    tw_plugins_descriptor_fn descriptor = (tw_plugins_descriptor_fn) sym;
    e->desc = descriptor();
    return tw_plugins_check_descriptor(e->name, e->desc, err, err_size);
}


static tw_plugins_entry_t *
tw_plugins_find(tw_plugins_t *plugins, const char *name)
{
    for (size_t i = 0; i < plugins->count; i++) {
        if (strcmp(plugins->entries[i].name, name) == 0) {
            return &plugins->entries[i];
        }
    }
    return NULL;
}


/* A requirement switched off is a configuration problem; one that is
 * not listed at all is a missing plugin. */
static int
tw_plugins_check_requires(tw_plugins_t *plugins, const tw_plugins_entry_t *e,
                          char *err, size_t err_size)
{
    const char *const *req = e->desc->requires;

    for (size_t i = 0; req != NULL && req[i] != NULL; i++) {
        if (tw_plugins_find(plugins, req[i]) != NULL) {
            continue;
        }

        const tw_module_setting_t *m = tw_config_module(plugins->cfg, req[i]);
        if (m != NULL && !m->on) {
            return tw_plugins_fail(err, err_size, TW_PLUGINS_BAD_CONFIG,
                                   "%s:%d: module '%s' requires '%s', which "
                                   "is off", plugins->cfg->path, e->line,
                                   e->name, req[i]);
        }
        return tw_plugins_fail(err, err_size, TW_PLUGINS_REFUSED,
                               "plugin '%s' requires '%s', which is not "
                               "installed", e->name, req[i]);
    }
    return TW_PLUGINS_OK;
}


/* True when everything `e` requires is already in the start order. */
static bool
tw_plugins_ready(tw_plugins_t *plugins, const tw_plugins_entry_t *e)
{
    const char *const *req = e->desc->requires;

    for (size_t i = 0; req != NULL && req[i] != NULL; i++) {
        if (!tw_plugins_find(plugins, req[i])->placed) {
            return false;
        }
    }
    return true;
}


/* Orders the plugins so each follows what it requires, otherwise keeping
 * the [modules] order.  Requirements must have been checked. */
static int
tw_plugins_sort(tw_plugins_t *plugins, char *err, size_t err_size)
{
    for (size_t n = 0; n < plugins->count; n++) {
        size_t next = plugins->count;
        for (size_t i = 0; i < plugins->count && next == plugins->count;
             i++) {
            tw_plugins_entry_t *e = &plugins->entries[i];
            if (!e->placed && tw_plugins_ready(plugins, e)) {
                next = i;
            }
        }

        if (next == plugins->count) {
            size_t i = 0;
            while (plugins->entries[i].placed) {
                i++;
            }
            return tw_plugins_fail(err, err_size, TW_PLUGINS_REFUSED,
                                   "plugin '%s' is part of a dependency "
                                   "cycle", plugins->entries[i].name);
        }
        plugins->entries[next].placed = true;
        plugins->order[n] = next;
    }
    return TW_PLUGINS_OK;
}


/* Runs every check of a load, in the order a user would fix them. */
static int
tw_plugins_check_all(tw_plugins_t *plugins, char *err, size_t err_size)
{
    int rc = TW_PLUGINS_OK;

    for (size_t i = 0; i < plugins->count && rc == TW_PLUGINS_OK; i++) {
        rc = tw_plugins_open(plugins, &plugins->entries[i], err, err_size);
    }
    for (size_t i = 0; i < plugins->count && rc == TW_PLUGINS_OK; i++) {
        rc = tw_plugins_check_requires(plugins, &plugins->entries[i], err,
                                       err_size);
    }
    for (size_t i = 0; i < plugins->count && rc == TW_PLUGINS_OK; i++) {
        const tw_plugins_entry_t *e = &plugins->entries[i];
        if (!tw_config_check_plugin(plugins->cfg, e->name,
                                    e->desc->config_keys, err, err_size)) {
            rc = TW_PLUGINS_BAD_CONFIG;
        }
    }
    return rc == TW_PLUGINS_OK ? tw_plugins_sort(plugins, err, err_size) : rc;
}


/* Frees everything; unmaps the plugins only if none of their code ran.
 * After an init, the registry and the plugin's static data may still
 * point into the mapping, and LeakSanitizer could no longer symbolise
 * allocations made by unloaded code; the process is about to exit. */
static void
tw_plugins_free(tw_plugins_t *plugins)
{
    for (size_t i = 0; i < plugins->count; i++) {
        void *handle = plugins->entries[i].handle;
        if (handle != NULL && !plugins->ran_init) {
            dlclose(handle);
        }
    }
    free(plugins->entries);
    free(plugins->order);
    free(plugins);
}


/* An empty set with one entry per module switched on. */
static tw_plugins_t *
tw_plugins_new(const tw_config_t *cfg)
{
    tw_plugins_t *plugins = calloc(1, sizeof *plugins);
    size_t n = cfg->module_count;

    if (plugins == NULL) {
        return NULL;
    }
    plugins->cfg = cfg;
    plugins->entries = calloc(n + 1, sizeof *plugins->entries);
    plugins->order = calloc(n + 1, sizeof *plugins->order);
    if (plugins->entries == NULL || plugins->order == NULL) {
        tw_plugins_free(plugins);
        return NULL;
    }

    for (size_t i = 0; i < n; i++) {
        const tw_module_setting_t *m = &cfg->modules[i];
        if (m->on) {
            tw_plugins_entry_t *e = &plugins->entries[plugins->count++];
            e->name = m->name;
            e->line = m->line;
        }
    }
    return plugins;
}


int
tw_plugins_load(const tw_config_t *cfg, tw_plugins_t **out, char *err,
                size_t err_size)
{
    *out = NULL;

    if (!tw_config_check_sections(cfg, err, err_size)) {
        return TW_PLUGINS_BAD_CONFIG;
    }

    tw_plugins_t *plugins = tw_plugins_new(cfg);
    if (plugins == NULL) {
        return tw_plugins_fail(err, err_size, TW_PLUGINS_REFUSED,
                               "out of memory loading plugins");
    }

    int rc = tw_plugins_check_all(plugins, err, err_size);
    if (rc != TW_PLUGINS_OK) {
        tw_plugins_free(plugins);
        return rc;
    }
    *out = plugins;
    return TW_PLUGINS_OK;
}


/* Calls shutdown of every started plugin, last started first. */
static void
tw_plugins_shutdown(tw_plugins_t *plugins)
{
    while (plugins->started > 0) {
        size_t i = plugins->order[--plugins->started];
        const tw_plugin_t *d = plugins->entries[i].desc;
        if (d->shutdown != NULL) {
            d->shutdown();
        }
    }
}


/* Runs one plugin's init through its own host. */
static int
tw_plugins_init(tw_plugins_t *plugins, tw_plugins_entry_t *e, char *err,
                size_t err_size)
{
    char reason[512] = "";

    tw_host_open(&e->host, e->name, plugins->cfg, e->desc->config_keys);
    plugins->ran_init = true;
    tw_rc_t rc = e->desc->init(&e->host, reason, sizeof reason);
    tw_host_close(&e->host);

    /* the plugin may have filled the buffer without terminating it */
    reason[sizeof reason - 1] = '\0';
    if (rc != TW_OK) {
        return tw_plugins_fail(err, err_size, TW_PLUGINS_REFUSED,
                               "plugin '%s' failed to start: %s", e->name,
                               reason[0] != '\0' ? reason : "no reason given");
    }
    tw_log_info("plugin started", "plugin=%s version=%s", e->name,
                e->desc->version);
    return TW_PLUGINS_OK;
}


int
tw_plugins_start(tw_plugins_t *plugins, char *err, size_t err_size)
{
    while (plugins->started < plugins->count) {
        size_t i = plugins->order[plugins->started];
        int rc = tw_plugins_init(plugins, &plugins->entries[i], err,
                                 err_size);
        if (rc != TW_PLUGINS_OK) {
            tw_plugins_shutdown(plugins);
            return rc;
        }
        plugins->started++;
    }
    return TW_PLUGINS_OK;
}


void
tw_plugins_stop(tw_plugins_t *plugins)
{
    if (plugins == NULL) {
        return;
    }

    tw_plugins_shutdown(plugins);
    tw_plugins_free(plugins);
}


size_t
tw_plugins_count(const tw_plugins_t *plugins)
{
    return plugins != NULL ? plugins->count : 0;
}


const tw_plugin_t *
tw_plugins_get(const tw_plugins_t *plugins, size_t i)
{
    if (plugins == NULL || i >= plugins->count) {
        return NULL;
    }
    return plugins->entries[plugins->order[i]].desc;
}
