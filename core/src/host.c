/*
 * host.c - the host handle a plugin registers through, and services.
 *
 * A host is open only during its plugin's init; registration through a
 * closed host fails with TW_ERR_STATE.  A closed host still answers
 * tw_host_plugin_name and tw_host_config, so a plugin may keep the
 * pointer for its request handlers: the loader keeps each host alive
 * until the plugins are stopped.
 *
 * Services are written at start-up only and read without a lock after.
 * The registry owns the copied names; the API tables belong to plugins.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "registry_private.h"
#include "tradewind/log.h"

typedef struct tw_service {
    char *plugin;
    char *name;
    const void *api;
} tw_service_t;

static tw_service_t *tw_services;
static size_t tw_service_count;


void
tw_host_open(tw_host_t *host, const char *plugin, const tw_config_t *cfg,
             const tw_config_key_t *keys)
{
    host->plugin = plugin;
    host->cfg = cfg;
    host->keys = keys;
    host->open = true;
}


void
tw_host_close(tw_host_t *host)
{
    host->open = false;
}


tw_rc_t
tw_host_check(const tw_host_t *host, const char *what)
{
    if (host != NULL && host->open) {
        return TW_OK;
    }

    tw_log_warn("registration outside init refused", "plugin=%s what=%s",
                host != NULL && host->plugin != NULL ? host->plugin : "-",
                what);
    return TW_ERR_STATE;
}


const char *
tw_host_plugin_name(const tw_host_t *host)
{
    return host != NULL ? host->plugin : NULL;
}


const char *
tw_host_config(const tw_host_t *host, const char *key)
{
    if (host == NULL || key == NULL) {
        return NULL;
    }

    const char *value = tw_config_plugin_value(host->cfg, host->plugin, key);
    if (value != NULL) {
        return value;
    }

    for (size_t i = 0; host->keys != NULL && host->keys[i].name != NULL;
         i++) {
        if (strcmp(host->keys[i].name, key) == 0) {
            return host->keys[i].default_value;
        }
    }
    return NULL;
}


static const tw_service_t *
tw_service_lookup(const char *name)
{
    for (size_t i = 0; i < tw_service_count; i++) {
        if (strcmp(tw_services[i].name, name) == 0) {
            return &tw_services[i];
        }
    }
    return NULL;
}


tw_rc_t
tw_service_register(tw_host_t *host, const char *name, const void *api)
{
    tw_rc_t rc = tw_host_check(host, "service");

    if (rc != TW_OK) {
        return rc;
    }
    if (name == NULL || name[0] == '\0' || api == NULL) {
        return TW_ERR_INVALID;
    }

    const tw_service_t *taken = tw_service_lookup(name);
    if (taken != NULL) {
        tw_log_warn("service name taken", "plugin=%s service=%s owner=%s",
                    host->plugin, name, taken->plugin);
        return TW_ERR_CONFLICT;
    }

    tw_service_t service = {strdup(host->plugin), strdup(name), api};
    tw_service_t *all = NULL;
    if (service.plugin != NULL && service.name != NULL) {
        all = tw_array_grow(tw_services, tw_service_count, sizeof *all);
    }
    if (all == NULL) {
        free(service.plugin);
        free(service.name);
        return TW_ERR_NOMEM;
    }
    tw_services = all;
    tw_services[tw_service_count++] = service;
    return TW_OK;
}


const void *
tw_service_find(const char *name)
{
    const tw_service_t *service = name != NULL ? tw_service_lookup(name)
                                               : NULL;

    return service != NULL ? service->api : NULL;
}


void
tw_services_clear(void)
{
    for (size_t i = 0; i < tw_service_count; i++) {
        free(tw_services[i].plugin);
        free(tw_services[i].name);
    }
    free(tw_services);
    tw_services = NULL;
    tw_service_count = 0;
}
