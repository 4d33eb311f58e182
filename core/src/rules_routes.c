/*
 * rules_routes.c - GET /api/v1/rules: the declared hooks and the state
 * of every rule script, for analysts and administrators.
 *
 * The route reads memory only (a snapshot of the engine's store and the
 * hook registry) but is an ordinary database route, so that the
 * dispatcher authenticates the caller and checks core.rules.read.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "registry.h"
#include "rules_engine.h"
#include "rules_hooks.h"
#include "tradewind/auth.h"
#include "tradewind/http.h"

#define TW_RULES_PERMISSION "core.rules.read"


/* `t` as RFC 3339 UTC ("2026-03-01T08:00:00Z"), or JSON null for 0. */
static json_t *
tw_rule_routes_time(time_t t)
{
    struct tm tm;
    char text[32];

    if (t == 0 || gmtime_r(&t, &tm) == NULL) {
        return json_null();
    }
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(text);
}


/* {"path","hash","loaded_at","error"} of one file; hash and loaded_at
 * are null for a file that never compiled. */
static json_t *
tw_rule_routes_status(const tw_rule_file_t *file)
{
    const tw_rule_version_t *v = file->version;
    json_t *error = json_null();

    if (file->error != NULL) {
        error = json_pack("{s:s,s:o}", "message", file->error, "at",
                          tw_rule_routes_time(file->error_at));
    }
    return json_pack("{s:s,s:o,s:o,s:o}", "path", file->path,
                     "hash", v != NULL ? json_string(v->hash) : json_null(),
                     "loaded_at", tw_rule_routes_time(v != NULL
                                                      ? v->loaded_at : 0),
                     "error", error);
}


static json_t *
tw_rule_routes_choices(const tw_rule_field_t *field)
{
    json_t *choices = json_array();

    for (size_t i = 0; field->choices[i] != NULL; i++) {
        json_array_append_new(choices, json_string(field->choices[i]));
    }
    return choices;
}


static json_t *
tw_rule_routes_fields(const tw_rule_hook_t *hook)
{
    json_t *fields = json_array();

    for (const tw_rule_field_t *f = hook->fields; f->name != NULL; f++) {
        json_array_append_new(fields, json_pack(
            "{s:s,s:s,s:b,s:o,s:s}", "name", f->name,
            "type", tw_rule_type_name(f->type), "optional", f->optional,
            "choices", f->choices != NULL ? tw_rule_routes_choices(f)
                                          : json_null(),
            "help", f->help != NULL ? f->help : ""));
    }
    return fields;
}


/* One declared hook with its default script and its branches' own. */
static json_t *
tw_rule_routes_hook(const tw_rule_hook_t *hook, const char *plugin,
                    const tw_rule_file_t *files, size_t count)
{
    json_t *fallback = json_null();
    json_t *branches = json_array();

    for (size_t i = 0; i < count; i++) {
        const tw_rule_file_t *f = &files[i];

        if (f->kind == TW_RULE_KIND_LIB || strcmp(f->name, hook->name) != 0) {
            continue;
        }
        json_t *status = tw_rule_routes_status(f);
        if (f->kind == TW_RULE_KIND_DEFAULT) {
            json_decref(fallback);
            fallback = status;
        } else {
            json_object_set_new(status, "branch", json_string(f->code));
            json_array_append_new(branches, status);
        }
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "name", hook->name,
                     "plugin", plugin,
                     "description", hook->description != NULL
                                        ? hook->description : "",
                     "input", hook->input != NULL ? hook->input : "",
                     "fields", tw_rule_routes_fields(hook),
                     "default", fallback, "branches", branches);
}


/* The body: every declared hook, the libraries, and the scripts whose
 * hook no plugin declared. */
static json_t *
tw_rule_routes_body(const tw_rule_file_t *files, size_t count)
{
    json_t *hooks = json_array();
    json_t *libraries = json_array();
    json_t *undeclared = json_array();

    for (size_t i = 0; i < tw_rule_hook_count(); i++) {
        json_array_append_new(hooks, tw_rule_routes_hook(
            tw_rule_hook_at(i), tw_rule_hook_plugin(i), files, count));
    }
    for (size_t i = 0; i < count; i++) {
        const tw_rule_file_t *f = &files[i];
        json_t *status = NULL;

        if (f->kind == TW_RULE_KIND_LIB) {
            json_array_append_new(libraries, tw_rule_routes_status(f));
        } else if (tw_rule_hook_find(f->name) == NULL) {
            status = tw_rule_routes_status(f);
            json_object_set_new(status, "hook", json_string(f->name));
            json_object_set_new(status, "branch", f->code[0] != '\0'
                                ? json_string(f->code) : json_null());
            json_array_append_new(undeclared, status);
        }
    }
    return json_pack("{s:o,s:o,s:o}", "hooks", hooks, "libraries", libraries,
                     "undeclared", undeclared);
}


/* GET /api/v1/rules. */
static void
tw_rule_routes_list(tw_req_t *req, void *ctx)
{
    tw_rule_store_t *store = tw_rule_engine_store();
    tw_rule_file_t *files = NULL;

    (void) ctx;
    if (store == NULL) {
        tw_reply_error(req, 503, "rules_unavailable", NULL,
                       "the rules engine is not running");
        return;
    }

    size_t count = tw_rule_store_snapshot(store, &files);
    json_t *body = tw_rule_routes_body(files, count);

    tw_rule_store_snapshot_free(files, count);
    if (body == NULL) {
        tw_reply_error(req, 500, "internal", NULL, "out of memory");
        return;
    }
    tw_reply_json(req, 200, body);
}


tw_rc_t
tw_rule_routes_register(tw_host_t *core_host)
{
    static const char *const readers[] = {"analyst", NULL};
    tw_rc_t rc = tw_permission_add(core_host, TW_RULES_PERMISSION,
                                   "read the rule hooks and the state of "
                                   "the rule scripts", readers);

    if (rc == TW_OK) {
        rc = tw_route_add(core_host, "GET", "/api/v1/rules",
                          TW_RULES_PERMISSION, tw_rule_routes_list, NULL);
    }
    return rc;
}
