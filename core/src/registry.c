/*
 * registry.c - the routes, migrations and CLI commands plugins register.
 *
 * Every registration checks that its host is open (only during init),
 * validates its arguments, refuses a duplicate with TW_ERR_CONFLICT and
 * copies every string, so a plugin may pass stack buffers.  Refusals are
 * logged with the plugin's name, since the plugin's own error message may
 * not say what was refused.
 *
 * Written single-threaded at start-up, read without a lock afterwards.
 * tw_registry_clear() frees everything, including permissions, services
 * and rule hooks (permissions.c, host.c, rules_hooks.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "name.h"
#include "registry_private.h"
#include "rules_hooks.h"
#include "tradewind/log.h"

typedef struct tw_registry {
    tw_route_t *routes;
    size_t route_count;
    tw_migration_t *migrations;
    size_t migration_count;
    tw_command_t *commands;
    size_t command_count;
    tw_demo_gen_t *demos;
    size_t demo_count;
} tw_registry_t;

static tw_registry_t tw_registry;

static const char *const tw_registry_methods[] = {
    "GET", "POST", "PUT", "PATCH", "DELETE", NULL
};


/* Frees a string the registry copied (its records hold const char *). */
static void
tw_registry_free_text(const char *text)
{
    free((char *) text);
}


/* Copies `text` (NULL stays NULL) into *dst; false when out of memory. */
static bool
tw_registry_copy(const char **dst, const char *text)
{
    *dst = text != NULL ? strdup(text) : NULL;
    return text == NULL || *dst != NULL;
}


static bool
tw_registry_is_method(const char *method)
{
    for (size_t i = 0; method != NULL && tw_registry_methods[i] != NULL;
         i++) {
        if (strcmp(method, tw_registry_methods[i]) == 0) {
            return true;
        }
    }
    return false;
}


static bool
tw_registry_is_param_name(const char *name, size_t len)
{
    return tw_name_valid(name, len, SIZE_MAX, TW_NAME_LOWER "_",
                         TW_NAME_LOWER TW_NAME_DIGITS "_");
}


/* A segment is a literal without braces, '?', '#' or blanks, or {name}. */
static bool
tw_registry_segment_valid(const char *seg, size_t len)
{
    if (len == 0) {
        return false;
    }
    if (seg[0] == '{') {
        return len >= 2 && seg[len - 1] == '}' &&
               tw_registry_is_param_name(seg + 1, len - 2);
    }
    for (size_t i = 0; i < len; i++) {
        if (strchr("{}?# \t", seg[i]) != NULL) {
            return false;
        }
    }
    return true;
}


/* "/" alone, or '/' followed by valid segments separated by single '/'. */
static bool
tw_registry_pattern_valid(const char *pattern)
{
    if (pattern == NULL || pattern[0] != '/') {
        return false;
    }
    if (pattern[1] == '\0') {
        return true;
    }

    for (const char *seg = pattern + 1;; ) {
        size_t len = strcspn(seg, "/");
        if (!tw_registry_segment_valid(seg, len)) {
            return false;
        }
        if (seg[len] == '\0') {
            return true;
        }
        seg += len + 1;
    }
}


/* True when both patterns match the same paths: equal literals, and a
 * {param} wherever the other has one ("/a/{x}" is "/a/{y}"). */
static bool
tw_registry_same_shape(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        size_t alen = strcspn(a, "/");
        size_t blen = strcspn(b, "/");
        bool aparam = a[0] == '{';
        bool bparam = b[0] == '{';

        if (aparam != bparam ||
            (!aparam && (alen != blen || memcmp(a, b, alen) != 0))) {
            return false;
        }
        a += alen + (a[alen] == '/');
        b += blen + (b[blen] == '/');
    }
    return *a == '\0' && *b == '\0';
}


static const tw_route_t *
tw_registry_route_find(const char *method, const char *pattern)
{
    for (size_t i = 0; i < tw_registry.route_count; i++) {
        const tw_route_t *r = &tw_registry.routes[i];
        if (strcmp(r->method, method) == 0 &&
            tw_registry_same_shape(r->pattern, pattern)) {
            return r;
        }
    }
    return NULL;
}


static void
tw_registry_route_free(tw_route_t *route)
{
    tw_registry_free_text(route->plugin);
    tw_registry_free_text(route->method);
    tw_registry_free_text(route->pattern);
    tw_registry_free_text(route->permission);
}


/* Appends a copy of `route`. */
static tw_rc_t
tw_registry_route_store(const tw_route_t *route)
{
    tw_route_t copy = {NULL, NULL, NULL, NULL, route->handler, route->ctx,
                       route->flags};
    tw_route_t *all = NULL;

    if (tw_registry_copy(&copy.plugin, route->plugin) &&
        tw_registry_copy(&copy.method, route->method) &&
        tw_registry_copy(&copy.pattern, route->pattern) &&
        tw_registry_copy(&copy.permission, route->permission)) {
        all = tw_array_grow(tw_registry.routes, tw_registry.route_count,
                            sizeof *all);
    }
    if (all == NULL) {
        tw_registry_route_free(&copy);
        return TW_ERR_NOMEM;
    }
    tw_registry.routes = all;
    all[tw_registry.route_count++] = copy;
    return TW_OK;
}


tw_rc_t
tw_route_add_flags(tw_host_t *host, const char *method, const char *pattern,
                   const char *permission, tw_handler_fn handler, void *ctx,
                   unsigned flags)
{
    tw_rc_t rc = tw_host_check(host, "route");

    if (rc != TW_OK) {
        return rc;
    }
    if (!tw_registry_is_method(method) || !tw_registry_pattern_valid(pattern) ||
        handler == NULL) {
        tw_log_warn("invalid route refused", "plugin=%s method=%s pattern=%s",
                    host->plugin, method != NULL ? method : "-",
                    pattern != NULL ? pattern : "-");
        return TW_ERR_INVALID;
    }

    const tw_route_t *taken = tw_registry_route_find(method, pattern);
    if (taken != NULL) {
        tw_log_warn("route taken", "plugin=%s method=%s pattern=%s owner=%s "
                    "existing=%s", host->plugin, method, pattern,
                    taken->plugin, taken->pattern);
        return TW_ERR_CONFLICT;
    }

    tw_route_t route = {host->plugin, method, pattern, permission, handler,
                        ctx, flags};
    return tw_registry_route_store(&route);
}


tw_rc_t
tw_route_add(tw_host_t *host, const char *method, const char *pattern,
             const char *permission, tw_handler_fn handler, void *ctx)
{
    return tw_route_add_flags(host, method, pattern, permission, handler, ctx,
                              0);
}


tw_rc_t
tw_route_add_table(tw_host_t *host, const tw_route_spec_t *routes)
{
    tw_rc_t rc = TW_OK;

    for (const tw_route_spec_t *r = routes; rc == TW_OK && r->method; r++) {
        rc = tw_route_add(host, r->method, r->pattern, r->permission,
                          r->handler, NULL);
    }
    return rc;
}


size_t
tw_registry_route_count(void)
{
    return tw_registry.route_count;
}


const tw_route_t *
tw_registry_route(size_t i)
{
    return i < tw_registry.route_count ? &tw_registry.routes[i] : NULL;
}


/* The version the plugin's next migration must have: 1 + its count. */
static int
tw_registry_next_version(const char *plugin)
{
    int next = 1;

    for (size_t i = 0; i < tw_registry.migration_count; i++) {
        if (strcmp(tw_registry.migrations[i].plugin, plugin) == 0) {
            next++;
        }
    }
    return next;
}


static void
tw_registry_migration_free(tw_migration_t *m)
{
    tw_registry_free_text(m->plugin);
    tw_registry_free_text(m->name);
    tw_registry_free_text(m->sql);
}


tw_rc_t
tw_migration_add(tw_host_t *host, int version, const char *name,
                 const char *sql)
{
    tw_rc_t rc = tw_host_check(host, "migration");

    if (rc != TW_OK) {
        return rc;
    }

    if (name == NULL || name[0] == '\0' || sql == NULL || sql[0] == '\0') {
        tw_log_warn("migration without name or sql refused",
                    "plugin=%s version=%d", host->plugin, version);
        return TW_ERR_INVALID;
    }

    int expected = tw_registry_next_version(host->plugin);
    if (version != expected) {
        tw_log_warn("migration out of order refused", "plugin=%s version=%d "
                    "expected=%d", host->plugin, version, expected);
        return TW_ERR_INVALID;
    }

    tw_migration_t m = {NULL, version, NULL, NULL};
    tw_migration_t *all = NULL;
    if (tw_registry_copy(&m.plugin, host->plugin) &&
        tw_registry_copy(&m.name, name) && tw_registry_copy(&m.sql, sql)) {
        all = tw_array_grow(tw_registry.migrations,
                            tw_registry.migration_count, sizeof *all);
    }
    if (all == NULL) {
        tw_registry_migration_free(&m);
        return TW_ERR_NOMEM;
    }
    tw_registry.migrations = all;
    all[tw_registry.migration_count++] = m;
    return TW_OK;
}


size_t
tw_registry_migration_count(void)
{
    return tw_registry.migration_count;
}


const tw_migration_t *
tw_registry_migration(size_t i)
{
    return i < tw_registry.migration_count ? &tw_registry.migrations[i]
                                           : NULL;
}


/* A command word: [a-z][a-z0-9-]*, as typed after `tradewind`. */
static bool
tw_registry_is_command_name(const char *name)
{
    return name != NULL &&
           tw_name_valid(name, strlen(name), SIZE_MAX, TW_NAME_LOWER,
                         TW_NAME_LOWER TW_NAME_DIGITS "-");
}


static void
tw_registry_command_free(tw_command_t *cmd)
{
    tw_registry_free_text(cmd->plugin);
    tw_registry_free_text(cmd->name);
    tw_registry_free_text(cmd->summary);
}


tw_rc_t
tw_command_add(tw_host_t *host, const char *name, const char *summary,
               tw_command_fn fn)
{
    tw_rc_t rc = tw_host_check(host, "command");

    if (rc != TW_OK) {
        return rc;
    }
    if (!tw_registry_is_command_name(name) || fn == NULL) {
        tw_log_warn("invalid command refused", "plugin=%s command=%s",
                    host->plugin, name != NULL ? name : "-");
        return TW_ERR_INVALID;
    }

    const tw_command_t *taken = tw_registry_command_find(name);
    if (taken != NULL) {
        tw_log_warn("command name taken", "plugin=%s command=%s owner=%s",
                    host->plugin, name, taken->plugin);
        return TW_ERR_CONFLICT;
    }

    tw_command_t cmd = {NULL, NULL, NULL, fn};
    tw_command_t *all = NULL;
    if (tw_registry_copy(&cmd.plugin, host->plugin) &&
        tw_registry_copy(&cmd.name, name) &&
        tw_registry_copy(&cmd.summary, summary != NULL ? summary : "")) {
        all = tw_array_grow(tw_registry.commands, tw_registry.command_count,
                            sizeof *all);
    }
    if (all == NULL) {
        tw_registry_command_free(&cmd);
        return TW_ERR_NOMEM;
    }
    tw_registry.commands = all;
    all[tw_registry.command_count++] = cmd;
    return TW_OK;
}


size_t
tw_registry_command_count(void)
{
    return tw_registry.command_count;
}


const tw_command_t *
tw_registry_command(size_t i)
{
    return i < tw_registry.command_count ? &tw_registry.commands[i] : NULL;
}


const tw_command_t *
tw_registry_command_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < tw_registry.command_count; i++) {
        if (strcmp(tw_registry.commands[i].name, name) == 0) {
            return &tw_registry.commands[i];
        }
    }
    return NULL;
}


tw_rc_t
tw_demo_add(tw_host_t *host, tw_demo_fn fn)
{
    tw_rc_t rc = tw_host_check(host, "demo data generator");

    if (rc != TW_OK) {
        return rc;
    }
    if (fn == NULL) {
        return TW_ERR_INVALID;
    }
    for (size_t i = 0; i < tw_registry.demo_count; i++) {
        if (strcmp(tw_registry.demos[i].plugin, host->plugin) == 0) {
            tw_log_warn("second demo data generator refused", "plugin=%s",
                        host->plugin);
            return TW_ERR_CONFLICT;
        }
    }

    tw_demo_gen_t gen = {NULL, fn};
    tw_demo_gen_t *all = NULL;
    if (tw_registry_copy(&gen.plugin, host->plugin)) {
        all = tw_array_grow(tw_registry.demos, tw_registry.demo_count,
                            sizeof *all);
    }
    if (all == NULL) {
        tw_registry_free_text(gen.plugin);
        return TW_ERR_NOMEM;
    }
    tw_registry.demos = all;
    all[tw_registry.demo_count++] = gen;
    return TW_OK;
}


size_t
tw_registry_demo_count(void)
{
    return tw_registry.demo_count;
}


const tw_demo_gen_t *
tw_registry_demo(size_t i)
{
    return i < tw_registry.demo_count ? &tw_registry.demos[i] : NULL;
}


void
tw_registry_clear(void)
{
    for (size_t i = 0; i < tw_registry.route_count; i++) {
        tw_registry_route_free(&tw_registry.routes[i]);
    }
    free(tw_registry.routes);

    for (size_t i = 0; i < tw_registry.migration_count; i++) {
        tw_registry_migration_free(&tw_registry.migrations[i]);
    }
    free(tw_registry.migrations);

    for (size_t i = 0; i < tw_registry.command_count; i++) {
        tw_registry_command_free(&tw_registry.commands[i]);
    }
    free(tw_registry.commands);

    for (size_t i = 0; i < tw_registry.demo_count; i++) {
        tw_registry_free_text(tw_registry.demos[i].plugin);
    }
    free(tw_registry.demos);

    memset(&tw_registry, 0, sizeof tw_registry);
    tw_permissions_clear();
    tw_services_clear();
    tw_rule_hooks_clear();
}
