/*
 * rules.h - business rules in Lua that analysts write per branch.
 *
 * A plugin declares a hook ("commission") with what its input holds and
 * what a rule must return, then evaluates it for a branch with a JSON
 * object as input.  The engine picks the branch's own script
 * (scripts/branches/<code>/<hook>.lua), else the nearest ancestor's, else
 * scripts/default/<hook>.lua, runs it in a sandbox with an instruction
 * budget and a memory cap, and checks the result against the declaration.
 *
 * A failed rule is an ordinary error for the caller, who decides what it
 * means (refuse, or a declared fallback); it never crashes the process
 * and never touches the database.
 */
#ifndef TRADEWIND_RULES_H
#define TRADEWIND_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tradewind/db.h"
#include "tradewind/result.h"
#include "tradewind/visibility.h"

typedef struct tw_host tw_host_t;

typedef enum tw_rule_type {
    TW_RULE_INTEGER, /* a Lua integer (money in fen, counts) */
    TW_RULE_STRING,  /* a string, optionally one of `choices` */
    TW_RULE_BOOLEAN,
    TW_RULE_TABLE /* any table (a list or a record) */
} tw_rule_type_t;

/* One field a rule's result table must (or may) have. */
typedef struct tw_rule_field {
    const char *name;
    tw_rule_type_t type;
    bool optional;
    const char *const *choices; /* TW_RULE_STRING: NULL-terminated, or NULL */
    const char *help;           /* one line for the analysts' manual */
} tw_rule_field_t;

typedef struct tw_rule_hook {
    const char *name;        /* [a-z][a-z0-9_]*, also the script's name */
    const char *description; /* one line */
    const char *input;       /* what the input table holds, in prose */
    const tw_rule_field_t *fields; /* the result; ends with {NULL} */
} tw_rule_hook_t;

/* Declares a hook; `hook` and what it points to must outlive the
 * process (declare them static).  TW_ERR_CONFLICT if the name is taken,
 * TW_ERR_STATE outside init. */
TW_API tw_rc_t tw_rule_hook_add(tw_host_t *host, const tw_rule_hook_t *hook);

typedef struct tw_rule_result {
    json_t *result;    /* the checked result object (owned) */
    json_t *breakdown; /* array of {"label","amount_fen"} or strings */
    char hash[65];     /* SHA-256 (hex) of the script that ran */
    char script[256];  /* its path relative to the rules folder */
} tw_rule_result_t;

/* Evaluates `hook` for the branch with id `branch_id` (its ancestors are
 * read through `db`) with `input` (a JSON object, borrowed).  On success
 * fills `out` (free with tw_rule_result_free).  On failure returns
 * TW_ERR_INVALID (the rule failed or returned a bad result),
 * TW_ERR_NOT_FOUND (no such hook or no script) or a database error, with
 * "script:line: message" in err. */
TW_API tw_rc_t tw_rule_eval(tw_db_t *db, const char *hook, int64_t branch_id,
                            json_t *input, tw_rule_result_t *out, char *err,
                            size_t err_size);

/* The same for a branch given by its chain of codes, nearest first
 * ({"GD_SZ", "GD", "HQ", NULL}); no database needed. */
TW_API tw_rc_t tw_rule_eval_chain(const char *hook,
                                  const char *const *branch_chain,
                                  json_t *input, tw_rule_result_t *out,
                                  char *err, size_t err_size);

TW_API void tw_rule_result_free(tw_rule_result_t *out);

#endif
