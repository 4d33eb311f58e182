/*
 * rules_engine.h - the process-wide rules engine: a store of scripts and
 * a pool of sandboxed Lua states that evaluate them (core only; plugins
 * use tradewind/rules.h, which this implements).
 *
 * The engine is started once (serve: with the watcher; the CLI: without)
 * before any evaluation and stopped after the last one; start and stop
 * are not thread-safe, evaluations are.  A Lua state is checked out of
 * the pool under a mutex for one evaluation and back in afterwards, so
 * evaluations run in parallel on as many states as there are.
 */
#ifndef TW_RULES_ENGINE_H
#define TW_RULES_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "rules_lua.h"
#include "rules_store.h"
#include "tradewind/plugin.h"
#include "tradewind/rules.h"

typedef struct tw_rule_engine_options {
    const char *dir;        /* the rules folder */
    tw_lua_limits_t limits; /* per call and per state */
    unsigned reload_ms;     /* how often the watcher scans */
    bool watch;             /* start the watcher thread */
    bool quiet;             /* no log line per activation (the CLI) */
} tw_rule_engine_options_t;

/* Options from the [rules] keys of `cfg`: its folder and limits, no
 * watcher, not quiet. */
void tw_rule_engine_options_from(tw_rule_engine_options_t *opts,
                                 const tw_config_t *cfg);

/* Starts the engine: scans the folder and, if asked, starts watching
 * it.  TW_ERR_STATE when it runs already; TW_ERR_NOMEM when out of
 * memory or threads. */
tw_rc_t tw_rule_engine_start(const tw_rule_engine_options_t *opts);

/* Stops the watcher, frees every state and the store.  Nothing may be
 * evaluating.  Does nothing when the engine is not running. */
void tw_rule_engine_stop(void);

/* The running engine's store, or NULL. */
tw_rule_store_t *tw_rule_engine_store(void);

/* Evaluates the script at `path` ("branches/GD/commission.lua") as it
 * is, without branch resolution; checks the result against `hook` when
 * it is not NULL.  Results and errors as tw_rule_eval_chain(). */
tw_rc_t tw_rule_engine_run(const char *path, const tw_rule_hook_t *hook,
                           json_t *input, tw_rule_result_t *out, char *err,
                           size_t err_size);

/* Reads the codes of branch `branch_id` and its ancestors, nearest
 * first, into *chain (NULL-terminated; free with tw_rule_chain_free).
 * TW_ERR_NOT_FOUND when there is no such branch, or a database error;
 * the reason in err. */
tw_rc_t tw_rule_chain_read(tw_db_t *db, int64_t branch_id, char ***chain,
                           char *err, size_t err_size);
void tw_rule_chain_free(char **chain);

/* Registers the permission core.rules.read and GET /api/v1/rules on the
 * core's host (rules_routes.c). */
tw_rc_t tw_rule_routes_register(tw_host_t *core_host);

#endif
