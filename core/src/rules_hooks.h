/*
 * rules_hooks.h - the rule hooks plugins declare, and the check of a
 * rule's result against its hook's declaration (core only).
 *
 * Declarations are written only while a host is open (single-threaded,
 * at start-up) and read without a lock afterwards, like the rest of the
 * registry.  The declarations themselves belong to the plugins (static
 * data); the registry keeps pointers to them and a copy of each
 * declaring plugin's name.
 */
#ifndef TW_RULES_HOOKS_H
#define TW_RULES_HOOKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tradewind/rules.h"

/* The longest hook name, so that "branches/<code>/<hook>.lua" fits. */
#define TW_RULE_NAME_MAX 64

/* True for ^[a-z][a-z0-9_]*$ of at most TW_RULE_NAME_MAX bytes: hook
 * and library names. */
bool tw_rule_name_valid(const char *name, size_t len);

/* The declaration of hook `name`, or NULL when no plugin declared it. */
const tw_rule_hook_t *tw_rule_hook_find(const char *name);

/* The declarations in the order they were made, and who made them. */
size_t tw_rule_hook_count(void);
const tw_rule_hook_t *tw_rule_hook_at(size_t i);
const char *tw_rule_hook_plugin(size_t i);

/* Checks `result` (what script `script` returned) against `hook`: an
 * object holding every non-optional field, each of its declared type.
 * TW_OK, or TW_ERR_INVALID with "script: result field 'x' ..." in err. */
tw_rc_t tw_rule_hook_check(const tw_rule_hook_t *hook, const char *script,
                           const json_t *result, char *err, size_t err_size);

/* The name of a field type for people ("integer"). */
const char *tw_rule_type_name(tw_rule_type_t type);

/* Forgets every declaration (tw_registry_clear calls it). */
void tw_rule_hooks_clear(void);

#endif
