/*
 * rules_hooks.c - the registry of rule hooks, and the type check of a
 * rule's result against its hook's declaration.
 *
 * tw_rule_hook_add() validates a declaration completely (names, types,
 * choices) before storing it, so the check never meets a malformed one.
 * The declaration is the plugin's static data and is kept by pointer;
 * the declaring plugin's name is copied.  Written only while a host is
 * open, at start-up; read without a lock afterwards (registry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "name.h"
#include "registry_private.h"
#include "rules_hooks.h"
#include "tradewind/log.h"

/* How much of a wrong value an error message quotes. */
#define TW_RULE_QUOTE_MAX 40

typedef struct tw_rule_decl {
    const tw_rule_hook_t *hook; /* the plugin's */
    char *plugin;               /* ours */
} tw_rule_decl_t;

static tw_rule_decl_t *tw_rule_decls;
static size_t tw_rule_decl_count;


bool
tw_rule_name_valid(const char *name, size_t len)
{
    return name != NULL &&
           tw_name_valid(name, len, TW_RULE_NAME_MAX, TW_NAME_LOWER,
                         TW_NAME_LOWER TW_NAME_DIGITS "_");
}


static bool
tw_rule_name_ok(const char *name)
{
    return name != NULL && tw_rule_name_valid(name, strlen(name));
}


const tw_rule_hook_t *
tw_rule_hook_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < tw_rule_decl_count; i++) {
        if (strcmp(tw_rule_decls[i].hook->name, name) == 0) {
            return tw_rule_decls[i].hook;
        }
    }
    return NULL;
}


size_t
tw_rule_hook_count(void)
{
    return tw_rule_decl_count;
}


const tw_rule_hook_t *
tw_rule_hook_at(size_t i)
{
    return i < tw_rule_decl_count ? tw_rule_decls[i].hook : NULL;
}


const char *
tw_rule_hook_plugin(size_t i)
{
    return i < tw_rule_decl_count ? tw_rule_decls[i].plugin : NULL;
}


static bool
tw_rule_type_known(tw_rule_type_t type)
{
    return (unsigned) type <= (unsigned) TW_RULE_TABLE;
}


const char *
tw_rule_type_name(tw_rule_type_t type)
{
    static const char *const names[] = {
        "integer", "string", "boolean", "table"
    };

    return tw_rule_type_known(type) ? names[type] : "unknown";
}


/* What a value of `type` must be, for "must be ..., got ...". */
static const char *
tw_rule_type_expected(tw_rule_type_t type)
{
    static const char *const expected[] = {
        "an integer (fen)", "a string", "a boolean", "a table"
    };

    return tw_rule_type_known(type) ? expected[type] : "unknown";
}


/* A field needs a valid name unique in its hook, a known type, and
 * choices only when it is a string (then at least one). */
static bool
tw_rule_field_valid(const tw_rule_hook_t *hook, size_t index)
{
    const tw_rule_field_t *field = &hook->fields[index];

    if (!tw_rule_name_ok(field->name) || !tw_rule_type_known(field->type)) {
        return false;
    }
    for (size_t i = 0; i < index; i++) {
        if (strcmp(hook->fields[i].name, field->name) == 0) {
            return false;
        }
    }
    if (field->choices == NULL) {
        return true;
    }
    return field->type == TW_RULE_STRING && field->choices[0] != NULL;
}


static bool
tw_rule_hook_valid(const tw_rule_hook_t *hook)
{
    if (hook == NULL || !tw_rule_name_ok(hook->name) ||
        hook->fields == NULL) {
        return false;
    }
    for (size_t i = 0; hook->fields[i].name != NULL; i++) {
        if (!tw_rule_field_valid(hook, i)) {
            return false;
        }
    }
    return true;
}


tw_rc_t
tw_rule_hook_add(tw_host_t *host, const tw_rule_hook_t *hook)
{
    tw_rc_t rc = tw_host_check(host, "rule hook");

    if (rc != TW_OK) {
        return rc;
    }
    if (!tw_rule_hook_valid(hook)) {
        tw_log_warn("invalid rule hook refused", "plugin=%s hook=%s",
                    host->plugin, hook != NULL && hook->name != NULL
                                      ? hook->name : "-");
        return TW_ERR_INVALID;
    }
    if (tw_rule_hook_find(hook->name) != NULL) {
        tw_log_warn("rule hook taken", "plugin=%s hook=%s", host->plugin,
                    hook->name);
        return TW_ERR_CONFLICT;
    }

    tw_rule_decl_t decl = {hook, strdup(host->plugin)};
    tw_rule_decl_t *all = NULL;
    if (decl.plugin != NULL) {
        all = tw_array_grow(tw_rule_decls, tw_rule_decl_count, sizeof *all);
    }
    if (all == NULL) {
        free(decl.plugin);
        return TW_ERR_NOMEM;
    }
    tw_rule_decls = all;
    all[tw_rule_decl_count++] = decl;
    return TW_OK;
}


void
tw_rule_hooks_clear(void)
{
    for (size_t i = 0; i < tw_rule_decl_count; i++) {
        free(tw_rule_decls[i].plugin);
    }
    free(tw_rule_decls);
    tw_rule_decls = NULL;
    tw_rule_decl_count = 0;
}


/* Writes a real so that it reads as one: 12.5, 12.0, 1e+20. */
static void
tw_rule_describe_real(double value, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%.15g", value);

    if (n > 0 && (size_t) n + 2 < size && strpbrk(buf, ".eni") == NULL) {
        memcpy(buf + n, ".0", 3);
    }
}


/* Describes `value` the way a rule writer sees it, for "got ...". */
static void
tw_rule_describe(const json_t *value, char *buf, size_t size)
{
    switch (json_typeof(value)) {
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(value));
        break;
    case JSON_REAL:
        tw_rule_describe_real(json_real_value(value), buf, size);
        break;
    case JSON_STRING:
        snprintf(buf, size, "'%.*s%s'", TW_RULE_QUOTE_MAX,
                 json_string_value(value),
                 json_string_length(value) > TW_RULE_QUOTE_MAX ? "..." : "");
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        snprintf(buf, size, "%s", json_is_true(value) ? "true" : "false");
        break;
    case JSON_OBJECT:
    case JSON_ARRAY:
        snprintf(buf, size, "a table");
        break;
    case JSON_NULL:
        snprintf(buf, size, "nil");
        break;
    }
}


static bool
tw_rule_is_choice(const tw_rule_field_t *field, const char *text)
{
    for (size_t i = 0; field->choices[i] != NULL; i++) {
        if (strcmp(field->choices[i], text) == 0) {
            return true;
        }
    }
    return false;
}


/* "'approve', 'refuse' or 'review'" */
static void
tw_rule_choice_list(const tw_rule_field_t *field, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; field->choices[i] != NULL && len < size; i++) {
        const char *sep = i == 0 ? "" : field->choices[i + 1] == NULL
                                            ? " or " : ", ";
        int n = snprintf(buf + len, size - len, "%s'%s'", sep,
                         field->choices[i]);
        len += n > 0 ? (size_t) n : 0;
    }
}


static bool
tw_rule_type_matches(tw_rule_type_t type, const json_t *value)
{
    switch (type) {
    case TW_RULE_INTEGER:
        return json_is_integer(value);
    case TW_RULE_STRING:
        return json_is_string(value);
    case TW_RULE_BOOLEAN:
        return json_is_boolean(value);
    case TW_RULE_TABLE:
        return json_is_object(value) || json_is_array(value);
    }
    return false;
}


/* What is wrong with `value` for `field` (into why), or false when
 * nothing is. */
static bool
tw_rule_field_problem(const tw_rule_field_t *field, const json_t *value,
                      char *why, size_t size)
{
    char got[TW_RULE_QUOTE_MAX + 16];
    char choices[256];
    bool typed = tw_rule_type_matches(field->type, value);

    if (typed && (field->choices == NULL ||
                  tw_rule_is_choice(field, json_string_value(value)))) {
        return false;
    }

    tw_rule_describe(value, got, sizeof got);
    if (!typed) {
        snprintf(why, size, "must be %s, got %s",
                 tw_rule_type_expected(field->type), got);
    } else {
        tw_rule_choice_list(field, choices, sizeof choices);
        snprintf(why, size, "must be one of %s, got %s", choices, got);
    }
    return true;
}


tw_rc_t
tw_rule_hook_check(const tw_rule_hook_t *hook, const char *script,
                   const json_t *result, char *err, size_t err_size)
{
    char why[512];

    if (!json_is_object(result)) {
        snprintf(err, err_size, "%s: the result must be a table of named "
                 "fields", script);
        return TW_ERR_INVALID;
    }

    for (const tw_rule_field_t *f = hook->fields; f->name != NULL; f++) {
        const json_t *value = json_object_get(result, f->name);

        if (value == NULL || json_is_null(value)) {
            if (f->optional) {
                continue;
            }
            snprintf(err, err_size, "%s: result field '%s' is missing",
                     script, f->name);
            return TW_ERR_INVALID;
        }
        if (tw_rule_field_problem(f, value, why, sizeof why)) {
            snprintf(err, err_size, "%s: result field '%s' %s", script,
                     f->name, why);
            return TW_ERR_INVALID;
        }
    }
    return TW_OK;
}
