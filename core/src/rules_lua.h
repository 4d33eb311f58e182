/*
 * rules_lua.h - one sandboxed Lua 5.4 state that runs rule scripts.
 *
 * A state is used by one thread at a time (the engine keeps a pool of
 * them, so evaluations run in parallel).  It offers only the safe base
 * functions and the string, table, math and utf8 libraries, plus the rule
 * vocabulary (money and date helpers, import).  Every script runs in its
 * own environment table, so scripts cannot change each other's globals or
 * the shared libraries.
 *
 * Limits: each call may execute at most `instruction_budget` VM
 * instructions, and the state may hold at most `memory_limit` bytes.  A
 * rule that exceeds either is stopped with an error; pcall inside the rule
 * cannot swallow it.  After such an error tw_lua_spent() is true and the
 * engine replaces the state.
 */
#ifndef TW_RULES_LUA_H
#define TW_RULES_LUA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tradewind/result.h"

typedef struct tw_lua tw_lua_t;

typedef struct tw_lua_limits {
    long long instruction_budget; /* per call, e.g. 1000000 */
    size_t memory_limit;          /* per state in bytes, e.g. 32 MiB */
} tw_lua_limits_t;

/* Finds the text of library module `name` (scripts/lib/<name>.lua) for
 * import().  Returns TW_OK with *source (malloc'd, caller frees), *len
 * and `chunkname` (at most 256 bytes, e.g. "lib/money.lua") filled, or
 * TW_ERR_NOT_FOUND. */
typedef tw_rc_t (*tw_lua_import_fn)(void *ctx, const char *name,
                                    char **source, size_t *len,
                                    char *chunkname);

/* A new state; NULL when out of memory.  `importer` may be NULL (then
 * import() always fails). */
tw_lua_t *tw_lua_new(const tw_lua_limits_t *limits, tw_lua_import_fn importer,
                     void *importer_ctx);
void tw_lua_free(tw_lua_t *lua);

/* Compiles `source` (text only: binary chunks are refused) as
 * `chunkname` ("default/commission.lua"), runs its top level under the
 * limits in a fresh environment, and keeps its global function rule()
 * under `key` (the script's hash).  A script that defines no function
 * rule is an error.  Errors read "chunkname:line: message". */
tw_rc_t tw_lua_load(tw_lua_t *lua, const char *key, const char *chunkname,
                    const char *source, size_t len, char *err,
                    size_t err_size);

/* True when a script was loaded under `key`. */
bool tw_lua_has(const tw_lua_t *lua, const char *key);

/* Forgets every loaded script but `keep` (may be NULL), so a state does
 * not accumulate old versions of edited scripts. */
void tw_lua_forget_others(tw_lua_t *lua, const char *const *keep,
                          size_t keep_count);

/* Calls rule(input) of the script under `key`.  `input` (a JSON object)
 * becomes a Lua table: integers stay integers, reals become floats.  The
 * rule returns a table and, optionally, a breakdown: a list whose items
 * are strings (reasons) or tables {label = "...", amount_fen = N}.  On
 * success *result is a JSON object (Lua integers as JSON integers) and
 * *breakdown a JSON array (empty when none).  TW_ERR_INVALID with
 * "chunkname:line: message" in err when the rule raised an error (of any
 * type), exceeded a limit, or returned something other than a table. */
tw_rc_t tw_lua_call(tw_lua_t *lua, const char *key, json_t *input,
                    json_t **result, json_t **breakdown, char *err,
                    size_t err_size);

/* True once the state hit a limit and should be replaced. */
bool tw_lua_spent(const tw_lua_t *lua);

/* Compiles `source` without running it (for `rules check` and before
 * activating an edited file); TW_OK or TW_ERR_INVALID with
 * "chunkname:line: message". */
tw_rc_t tw_lua_check(const char *chunkname, const char *source, size_t len,
                     char *err, size_t err_size);

#endif
