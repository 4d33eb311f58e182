/*
 * rules_engine.c - the process-wide rules engine: branch resolution, the
 * pool of Lua states, and tw_rule_eval / tw_rule_eval_chain.
 *
 * Locking: `lock` guards only the list of free states; a state checked
 * out belongs to one thread until it is checked back in, and the
 * evaluation itself runs with no lock held.  Scripts come from the store
 * by reference (rules_store.h), so an edit never pulls a script from
 * under a running evaluation.
 *
 * A state loads each script version lazily, under the key "<path>@<hash>"
 * (the path names errors right when two files have the same bytes).
 * When the store's generation moved since a state last tidied, the state
 * forgets every version that is no longer active; when a library
 * changed, the state is replaced, since it may hold the old module.  A
 * state that hit a limit is replaced too (rules_lua.h).  Before an
 * edited script becomes active, the store has the engine load it in a
 * scratch state, so a script that fails at load or defines no rule()
 * never replaces a working one.
 *
 * Evaluations log nothing but failures, at debug level: this is the hot
 * path, and the caller decides what a failed rule means.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules_engine.h"
#include "rules_hooks.h"
#include "tradewind/log.h"

/* "<path>@<hash>" with its NUL. */
#define TW_RULE_KEY_MAX (TW_RULE_PATH_MAX + 66)

typedef struct tw_rule_state {
    tw_lua_t *lua;                /* NULL until used, or after a limit */
    unsigned long generation;     /* the store's, when last tidied */
    unsigned long lib_generation; /* the libraries it may have imported */
} tw_rule_state_t;

typedef struct tw_rule_engine {
    tw_rule_store_t *store;
    tw_lua_limits_t limits;
    pthread_mutex_t lock;
    pthread_cond_t available;
    tw_rule_state_t *states;
    size_t state_count;
    size_t *free_states; /* indexes into states */
    size_t free_count;
} tw_rule_engine_t;

/* Set by start before any evaluation, cleared by stop after the last. */
static tw_rule_engine_t *tw_rule_engine;


/* {======================================================================
 * The pool of states
 * ======================================================================*/


/* A rule script must load (its top level runs under the limits) and
 * define rule() before it replaces the version in force; a scratch state
 * tries it. */
static tw_rc_t
tw_rule_engine_validate(void *ctx, tw_rule_store_t *store, const char *path,
                        const char *source, size_t len, char *err,
                        size_t err_size)
{
    const tw_rule_engine_t *engine = ctx;
    tw_lua_t *lua = tw_lua_new(&engine->limits, tw_rule_store_import,
                               store);

    if (lua == NULL) {
        snprintf(err, err_size, "%s: no memory for a Lua state", path);
        return TW_ERR_NOMEM;
    }
    tw_rc_t rc = tw_lua_load(lua, "validate", path, source, len, err,
                             err_size);
    tw_lua_free(lua);
    return rc;
}


static void
tw_rule_key(char *key, const tw_rule_version_t *version)
{
    snprintf(key, TW_RULE_KEY_MAX, "%s@%s", version->path, version->hash);
}


/* Makes the state forget every script version that is not active. */
static void
tw_rule_state_tidy(tw_rule_engine_t *engine, tw_rule_state_t *state)
{
    tw_rule_file_t *files = NULL;
    size_t count = tw_rule_store_snapshot(engine->store, &files);
    char (*keys)[TW_RULE_KEY_MAX] = calloc(count + 1, sizeof *keys);
    const char **keep = calloc(count + 1, sizeof *keep);
    size_t kept = 0;

    for (size_t i = 0; keys != NULL && keep != NULL && i < count; i++) {
        if (files[i].version != NULL && files[i].kind != TW_RULE_KIND_LIB) {
            tw_rule_key(keys[kept], files[i].version);
            keep[kept] = keys[kept];
            kept++;
        }
    }
    if (keys != NULL && keep != NULL) {
        tw_lua_forget_others(state->lua, keep, kept);
    }
    free(keep);
    free(keys);
    tw_rule_store_snapshot_free(files, count);
}


/* Readies a checked-out state: a new one when it has none or may hold
 * an old library; else, after edits, one rid of inactive versions. */
static tw_rc_t
tw_rule_state_ready(tw_rule_engine_t *engine, tw_rule_state_t *state)
{
    unsigned long generation = tw_rule_store_generation(engine->store);
    unsigned long lib_generation =
        tw_rule_store_lib_generation(engine->store);

    if (state->lua != NULL && state->lib_generation != lib_generation) {
        tw_lua_free(state->lua);
        state->lua = NULL;
    }
    if (state->lua == NULL) {
        state->lua = tw_lua_new(&engine->limits, tw_rule_store_import,
                                engine->store);
        if (state->lua == NULL) {
            return TW_ERR_NOMEM;
        }
    } else if (state->generation != generation) {
        tw_rule_state_tidy(engine, state);
    }
    state->generation = generation;
    state->lib_generation = lib_generation;
    return TW_OK;
}


/* Waits for a free state and takes it. */
static tw_rule_state_t *
tw_rule_state_checkout(tw_rule_engine_t *engine)
{
    pthread_mutex_lock(&engine->lock);
    while (engine->free_count == 0) {
        pthread_cond_wait(&engine->available, &engine->lock);
    }
    size_t index = engine->free_states[--engine->free_count];
    pthread_mutex_unlock(&engine->lock);
    return &engine->states[index];
}


/* Gives the state back, replacing it first when it hit a limit. */
static void
tw_rule_state_checkin(tw_rule_engine_t *engine, tw_rule_state_t *state)
{
    if (state->lua != NULL && tw_lua_spent(state->lua)) {
        tw_lua_free(state->lua);
        state->lua = NULL;
    }

    pthread_mutex_lock(&engine->lock);
    engine->free_states[engine->free_count++] =
        (size_t) (state - engine->states);
    pthread_cond_signal(&engine->available);
    pthread_mutex_unlock(&engine->lock);
}


/* As many states as two per core, at least 4. */
static size_t
tw_rule_engine_state_count(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    return cores > 2 ? (size_t) cores * 2 : 4;
}

/* }====================================================================== */


/* {======================================================================
 * Starting and stopping
 * ======================================================================*/


static void
tw_rule_engine_free(tw_rule_engine_t *engine)
{
    for (size_t i = 0; engine->states != NULL && i < engine->state_count;
         i++) {
        if (engine->states[i].lua != NULL) {
            tw_lua_free(engine->states[i].lua);
        }
    }
    free(engine->states);
    free(engine->free_states);
    tw_rule_store_close(engine->store);
    pthread_cond_destroy(&engine->available);
    pthread_mutex_destroy(&engine->lock);
    free(engine);
}


void
tw_rule_engine_options_from(tw_rule_engine_options_t *opts,
                            const tw_config_t *cfg)
{
    memset(opts, 0, sizeof *opts);
    opts->dir = cfg->rules_dir;
    opts->limits.instruction_budget = cfg->rules_instruction_budget;
    opts->limits.memory_limit = cfg->rules_memory_limit;
    opts->reload_ms = cfg->rules_reload_ms;
}


/* An engine for `opts` with every state free; NULL when out of memory
 * or when the watcher cannot start. */
static tw_rule_engine_t *
tw_rule_engine_new(const tw_rule_engine_options_t *opts)
{
    tw_rule_engine_t *engine = calloc(1, sizeof *engine);

    if (engine == NULL) {
        return NULL;
    }
    pthread_mutex_init(&engine->lock, NULL);
    pthread_cond_init(&engine->available, NULL);
    engine->limits = opts->limits;
    engine->state_count = tw_rule_engine_state_count();
    engine->states = calloc(engine->state_count, sizeof *engine->states);
    engine->free_states = calloc(engine->state_count,
                                 sizeof *engine->free_states);
    engine->store = tw_rule_store_open(opts->dir, opts->quiet,
                                       tw_rule_engine_validate, engine);

    if (engine->states == NULL || engine->free_states == NULL ||
        engine->store == NULL ||
        (opts->watch &&
         tw_rule_store_watch(engine->store, opts->reload_ms) != TW_OK)) {
        tw_rule_engine_free(engine);
        return NULL;
    }
    for (size_t i = 0; i < engine->state_count; i++) {
        engine->free_states[engine->free_count++] = i;
    }
    return engine;
}


tw_rc_t
tw_rule_engine_start(const tw_rule_engine_options_t *opts)
{
    if (tw_rule_engine != NULL) {
        return TW_ERR_STATE;
    }
    tw_rule_engine = tw_rule_engine_new(opts);
    return tw_rule_engine != NULL ? TW_OK : TW_ERR_NOMEM;
}


void
tw_rule_engine_stop(void)
{
    if (tw_rule_engine != NULL) {
        tw_rule_engine_free(tw_rule_engine);
        tw_rule_engine = NULL;
    }
}


tw_rule_store_t *
tw_rule_engine_store(void)
{
    return tw_rule_engine != NULL ? tw_rule_engine->store : NULL;
}

/* }====================================================================== */


/* {======================================================================
 * Evaluation
 * ======================================================================*/


/* Loads `version` into the state unless it is there, then calls it. */
static tw_rc_t
tw_rule_state_call(tw_rule_state_t *state, const tw_rule_version_t *version,
                   json_t *input, tw_rule_result_t *out, char *err,
                   size_t err_size)
{
    char key[TW_RULE_KEY_MAX];
    tw_rc_t rc = TW_OK;

    tw_rule_key(key, version);
    if (!tw_lua_has(state->lua, key)) {
        rc = tw_lua_load(state->lua, key, version->path, version->source,
                         version->len, err, err_size);
    }
    if (rc == TW_OK) {
        rc = tw_lua_call(state->lua, key, input, &out->result,
                         &out->breakdown, err, err_size);
    }
    return rc;
}


/* Runs `version` on a pooled state and checks the result against
 * `hook` (may be NULL); fills `out` on success. */
static tw_rc_t
tw_rule_engine_call(tw_rule_engine_t *engine,
                    const tw_rule_version_t *version,
                    const tw_rule_hook_t *hook, json_t *input,
                    tw_rule_result_t *out, char *err, size_t err_size)
{
    tw_rule_state_t *state = tw_rule_state_checkout(engine);
    tw_rc_t rc = tw_rule_state_ready(engine, state);

    if (rc == TW_OK) {
        rc = tw_rule_state_call(state, version, input, out, err, err_size);
    } else {
        snprintf(err, err_size, "%s: no memory for a Lua state",
                 version->path);
    }
    tw_rule_state_checkin(engine, state);

    if (rc == TW_OK && hook != NULL) {
        rc = tw_rule_hook_check(hook, version->path, out->result, err,
                                err_size);
    }
    if (rc != TW_OK) {
        tw_rule_result_free(out);
        tw_log_debug("rule failed", "script=%s error=\"%s\"", version->path,
                     err);
        return rc;
    }
    memcpy(out->hash, version->hash, sizeof out->hash);
    snprintf(out->script, sizeof out->script, "%s", version->path);
    return TW_OK;
}


/* Finds the script for `hook`: the first branch of `chain` that has
 * one, else the default.  A new reference in *version. */
static tw_rc_t
tw_rule_resolve(tw_rule_store_t *store, const char *hook,
                const char *const *chain, tw_rule_version_t **version,
                char *err, size_t err_size)
{
    char path[TW_RULE_PATH_MAX];
    tw_rc_t rc = TW_ERR_NOT_FOUND;

    for (size_t i = 0; chain != NULL && chain[i] != NULL; i++) {
        if (tw_rule_path(path, sizeof path, TW_RULE_KIND_BRANCH, chain[i],
                         hook)) {
            rc = tw_rule_store_find(store, path, version, err, err_size);
            if (rc != TW_ERR_NOT_FOUND) {
                return rc;
            }
        }
    }

    tw_rule_path(path, sizeof path, TW_RULE_KIND_DEFAULT, NULL, hook);
    rc = tw_rule_store_find(store, path, version, err, err_size);
    if (rc == TW_ERR_NOT_FOUND) {
        snprintf(err, err_size, "no rule script for hook '%s': neither %s "
                 "nor a branch's own", hook, path);
    }
    return rc;
}


/* The check every entry point makes first; clears `out`. */
static tw_rc_t
tw_rule_enter(tw_rule_result_t *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (tw_rule_engine == NULL) {
        snprintf(err, err_size, "the rules engine is not running");
        return TW_ERR_STATE;
    }
    return TW_OK;
}


/* A hook name is also part of a path: refuse anything else early. */
static tw_rc_t
tw_rule_check_name(const char *hook, char *err, size_t err_size)
{
    if (hook == NULL || !tw_rule_name_valid(hook, strlen(hook))) {
        snprintf(err, err_size, "invalid hook name '%s'",
                 hook != NULL ? hook : "");
        return TW_ERR_INVALID;
    }
    return TW_OK;
}


/* Resolves and runs `hook` for `chain`, checked against `decl`. */
static tw_rc_t
tw_rule_eval_resolved(const char *hook, const tw_rule_hook_t *decl,
                      const char *const *chain, json_t *input,
                      tw_rule_result_t *out, char *err, size_t err_size)
{
    tw_rule_engine_t *engine = tw_rule_engine;
    tw_rule_version_t *version = NULL;
    tw_rc_t rc = tw_rule_resolve(engine->store, hook, chain, &version, err,
                                 err_size);

    if (rc == TW_OK) {
        rc = tw_rule_engine_call(engine, version, decl, input, out, err,
                                 err_size);
        tw_rule_version_release(version);
    }
    return rc;
}


tw_rc_t
tw_rule_eval_chain(const char *hook, const char *const *branch_chain,
                   json_t *input, tw_rule_result_t *out, char *err,
                   size_t err_size)
{
    tw_rc_t rc = tw_rule_enter(out, err, err_size);

    if (rc == TW_OK) {
        rc = tw_rule_check_name(hook, err, err_size);
    }
    if (rc != TW_OK) {
        return rc;
    }
    return tw_rule_eval_resolved(hook, tw_rule_hook_find(hook), branch_chain,
                                 input, out, err, err_size);
}


tw_rc_t
tw_rule_eval(tw_db_t *db, const char *hook, int64_t branch_id,
             json_t *input, tw_rule_result_t *out, char *err,
             size_t err_size)
{
    tw_rc_t rc = tw_rule_enter(out, err, err_size);
    const tw_rule_hook_t *decl = NULL;
    char **chain = NULL;

    if (rc == TW_OK) {
        rc = tw_rule_check_name(hook, err, err_size);
    }
    if (rc != TW_OK) {
        return rc;
    }
    decl = tw_rule_hook_find(hook);
    if (decl == NULL) {
        snprintf(err, err_size, "no plugin declares the rule hook '%s'",
                 hook);
        return TW_ERR_NOT_FOUND;
    }

    rc = tw_rule_chain_read(db, branch_id, &chain, err, err_size);
    if (rc == TW_OK) {
        rc = tw_rule_eval_resolved(hook, decl, (const char *const *) chain,
                                   input, out, err, err_size);
    }
    tw_rule_chain_free(chain);
    return rc;
}


tw_rc_t
tw_rule_engine_run(const char *path, const tw_rule_hook_t *hook,
                   json_t *input, tw_rule_result_t *out, char *err,
                   size_t err_size)
{
    tw_rule_version_t *version = NULL;
    tw_rc_t rc = tw_rule_enter(out, err, err_size);

    if (rc == TW_OK) {
        rc = tw_rule_store_find(tw_rule_engine->store, path, &version, err,
                                err_size);
    }
    if (rc == TW_ERR_NOT_FOUND) {
        snprintf(err, err_size, "%s: no such script", path);
    }
    if (rc == TW_OK) {
        rc = tw_rule_engine_call(tw_rule_engine, version, hook, input, out,
                                 err, err_size);
        tw_rule_version_release(version);
    }
    return rc;
}


void
tw_rule_result_free(tw_rule_result_t *out)
{
    if (out == NULL) {
        return;
    }
    json_decref(out->result);
    json_decref(out->breakdown);
    memset(out, 0, sizeof *out);
}

/* }====================================================================== */


/* {======================================================================
 * The branch chain
 * ======================================================================*/


void
tw_rule_chain_free(char **chain)
{
    for (size_t i = 0; chain != NULL && chain[i] != NULL; i++) {
        free(chain[i]);
    }
    free(chain);
}


/* Copies the codes of `res` into a NULL-terminated array. */
static char **
tw_rule_chain_copy(const PGresult *res)
{
    int rows = PQntuples(res);
    char **chain = calloc((size_t) rows + 1, sizeof *chain);

    for (int i = 0; chain != NULL && i < rows; i++) {
        chain[i] = strdup(PQgetvalue(res, i, 0));
        if (chain[i] == NULL) {
            tw_rule_chain_free(chain);
            return NULL;
        }
    }
    return chain;
}


tw_rc_t
tw_rule_chain_read(tw_db_t *db, int64_t branch_id, char ***chain, char *err,
                   size_t err_size)
{
    char id[24];
    const char *params[] = {id};
    tw_rc_t rc = TW_OK;

    *chain = NULL;
    snprintf(id, sizeof id, "%" PRId64, branch_id);
    PGresult *res = tw_db_exec(db,
        "SELECT code FROM core.branches WHERE id = ANY(string_to_array("
        "trim(both '/' from (SELECT path FROM core.branches WHERE id = $1)),"
        " '/')::bigint[]) ORDER BY length(path) DESC", 1, params);

    if (res == NULL) {
        snprintf(err, err_size, "cannot read the branch tree: %s",
                 tw_db_message(db));
        return tw_db_rc(db);
    }
    if (PQntuples(res) == 0) {
        snprintf(err, err_size, "no branch with id %s", id);
        rc = TW_ERR_NOT_FOUND;
    } else if ((*chain = tw_rule_chain_copy(res)) == NULL) {
        snprintf(err, err_size, "out of memory");
        rc = TW_ERR_NOMEM;
    }
    PQclear(res);
    return rc;
}

/* }====================================================================== */
