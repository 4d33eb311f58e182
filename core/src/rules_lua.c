/*
 * rules_lua.c - one sandboxed Lua 5.4 state that runs rule scripts (see
 * rules_lua.h; what a script can see is rules_sandbox.c).
 *
 * Limits: the state's allocator counts its bytes and refuses to grow past
 * memory_limit; Lua then collects garbage, retries, and raises a memory
 * error only if that fails too, which is when the state is marked spent.
 * A count hook adds TW_LUA_HOOK_STEP instructions at a time to the
 * counter of the current call (reset by tw_lua_load and tw_lua_call);
 * past the budget it marks the state spent and raises, and keeps raising
 * at every step, so that a __close metamethod cannot run on either.  The
 * sandbox's pcall and xpcall re-raise once the state is spent, and xpcall
 * skips the rule's message handler then (Lua runs a handler for an error
 * raised by a hook with hooks switched off).
 *
 * Long jumps: every use of the Lua API that may raise (anything that
 * allocates) runs inside lua_pcall of a C function that receives a
 * tw_lua_job_t as a light userdata, and that function holds no C
 * resource.  Outside it only non-raising calls are made: pushing C
 * functions and light userdata, lua_pcall itself, lua_settop, lua_type
 * and lua_tolstring on strings, and the walk of rules_convert.c that
 * builds the JSON of a result (jansson memory is ours, never Lua's).
 *
 * Ownership: a tw_lua_t and its state belong to one thread at a time.
 * Loaded scripts live in a registry table mapping each key to the
 * script's rule function, whose _ENV is the script's environment.
 */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_convert.h"
#include "rules_lua.h"
#include "rules_sandbox.h"
#include "tradewind/log.h"

/* Instructions between two runs of the count hook. */
#define TW_LUA_HOOK_STEP 1000

/* Room for a conversion error before the chunk name is put in front. */
#define TW_LUA_DETAIL 512

struct tw_lua {
    lua_State *L;
    tw_lua_limits_t limits;
    size_t used;        /* bytes the state holds now */
    long long executed; /* instructions in this call, per hook step */
    int hook_step;
    tw_sandbox_t box;
};

/* What one protected call works on; each function uses its part. */
typedef struct tw_lua_job {
    tw_sandbox_t *box;
    const char *key;
    const char *chunkname; /* load: the name given */
    const char *source;
    size_t len;
    json_t *input;           /* call */
    char chunk[LUA_IDSIZE];  /* call: the chunk name of the script */
    bool found;              /* has, call: a script is loaded under key */
    const char *const *keep; /* forget_others */
    size_t keep_count;
} tw_lua_job_t;

/* Registry key of the table of loaded scripts: key -> rule function. */
static const char tw_lua_scripts_key = 's';


static void *
tw_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    tw_lua_t *lua = ud;
    size_t old = ptr != NULL ? osize : 0; /* else osize is a type tag */
    void *moved;

    if (nsize == 0) {
        free(ptr);
        lua->used -= old;
        return NULL;
    }

    /* Only growth is refused; used never exceeds the limit. */
    if (nsize > old && nsize - old > lua->limits.memory_limit - lua->used)
        return NULL;

    moved = realloc(ptr, nsize);
    if (moved != NULL)
        lua->used = lua->used - old + nsize;
    return moved;
}


static void
tw_lua_hook(lua_State *L, lua_Debug *ar)
{
    tw_lua_t *lua = *(tw_lua_t **)lua_getextraspace(L);

    (void)ar;
    lua->executed += lua->hook_step;
    if (lua->executed <= lua->limits.instruction_budget)
        return;

    if (lua->box.limit == TW_SANDBOX_WITHIN)
        lua->box.limit = TW_SANDBOX_BUDGET;

    /* Level 0 is the Lua function that was running: its line is where
     * the rule was stopped. */
    luaL_where(L, 0);
    lua_pushfstring(L, "instruction budget of %I exceeded",
                    (lua_Integer)lua->limits.instruction_budget);
    lua_concat(L, 2);
    lua_error(L);
}


static int
tw_lua_panic(lua_State *L)
{
    tw_log_error("lua error outside a protected call", "error=\"%s\"",
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
    abort();
}


/* Pushes the position of the innermost Lua function on the call stack,
 * "chunkname:line: ", or "" when there is none. */
static void
tw_lua_push_where(lua_State *L)
{
    lua_Debug ar;
    int level;

    for (level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}


/* The message handler of every protected job: leaves a string as it is
 * and describes any other error value by its type, at the position it
 * was raised.  It never calls the value's __tostring: that would be the
 * rule's own code, run where the rule's pcall cannot see it. */
static int
tw_lua_message(lua_State *L)
{
    int type = lua_type(L, 1);

    if (type == LUA_TSTRING)
        return 1;

    tw_lua_push_where(L);
    if (type == LUA_TNUMBER)
        luaL_tolstring(L, 1, NULL);
    else
        lua_pushfstring(L, "rule raised an error value of type %s",
                        lua_typename(L, type));
    lua_concat(L, 2);
    return 1;
}


/* Runs `fn` with `job` under the message handler; on success its
 * `nresults` results are at stack index 2 and up.  Never raises. */
static int
tw_lua_protect(lua_State *L, lua_CFunction fn, tw_lua_job_t *job,
               int nresults)
{
    lua_settop(L, 0);
    lua_pushcfunction(L, tw_lua_message);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, job);
    return lua_pcall(L, 1, nresults, 1);
}


/* Pushes the rule function loaded under `key`, or nothing (false). */
static bool
tw_lua_push_rule(lua_State *L, const char *key)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tw_lua_scripts_key);
    if (lua_getfield(L, -1, key) != LUA_TFUNCTION) {
        lua_pop(L, 2);
        return false;
    }
    lua_remove(L, -2);
    return true;
}


static int
tw_lua_open_job(lua_State *L)
{
    tw_lua_job_t *job = lua_touserdata(L, 1);

    lua_pushcfunction(L, tw_sandbox_open);
    lua_pushlightuserdata(L, job->box);
    lua_call(L, 1, 0);

    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tw_lua_scripts_key);
    return 0;
}


tw_lua_t *
tw_lua_new(const tw_lua_limits_t *limits, tw_lua_import_fn importer,
           void *importer_ctx)
{
    tw_lua_t *lua = calloc(1, sizeof(*lua));
    tw_lua_job_t job = {0};

    if (lua == NULL)
        return NULL;
    lua->limits = *limits;
    lua->box.importer = importer;
    lua->box.importer_ctx = importer_ctx;

    /* A budget below one step is counted in smaller steps. */
    lua->hook_step = TW_LUA_HOOK_STEP;
    if (limits->instruction_budget < TW_LUA_HOOK_STEP)
        lua->hook_step = (int)limits->instruction_budget;
    if (lua->hook_step < 1)
        lua->hook_step = 1;

    lua->L = lua_newstate(tw_lua_alloc, lua);
    if (lua->L == NULL) {
        free(lua);
        return NULL;
    }
    *(tw_lua_t **)lua_getextraspace(lua->L) = lua;
    lua_atpanic(lua->L, tw_lua_panic);

    job.box = &lua->box;
    if (tw_lua_protect(lua->L, tw_lua_open_job, &job, 0) != LUA_OK) {
        tw_lua_free(lua);
        return NULL;
    }
    lua_settop(lua->L, 0);
    lua_sethook(lua->L, tw_lua_hook, LUA_MASKCOUNT, lua->hook_step);
    return lua;
}


void
tw_lua_free(tw_lua_t *lua)
{
    if (lua == NULL)
        return;
    lua_close(lua->L);
    free(lua);
}


bool
tw_lua_spent(const tw_lua_t *lua)
{
    return lua->box.limit != TW_SANDBOX_WITHIN;
}


/* Readies the state for a job that runs rule code under `key`: a fresh
 * budget, and the job pointed at the state's sandbox. */
static tw_rc_t
tw_lua_start(tw_lua_t *lua, tw_lua_job_t *job, const char *key, char *err,
             size_t err_size)
{
    if (tw_lua_spent(lua)) {
        snprintf(err, err_size, "this Lua state hit a limit; use a new one");
        return TW_ERR_STATE;
    }
    lua->executed = 0;
    job->box = &lua->box;
    job->key = key;
    return TW_OK;
}


/* Turns a failed job's error (on top of the stack) into err. */
static void
tw_lua_failure(tw_lua_t *lua, int status, const char *chunkname, char *err,
               size_t err_size)
{
    lua_State *L = lua->L;
    size_t limit = lua->limits.memory_limit;

    tw_sandbox_note(&lua->box, status);
    if (lua->box.limit == TW_SANDBOX_MEMORY && limit % (1024 * 1024) == 0)
        snprintf(err, err_size, "%s: memory limit of %zu MiB exceeded",
                 chunkname, limit / (1024 * 1024));
    else if (lua->box.limit == TW_SANDBOX_MEMORY)
        snprintf(err, err_size, "%s: memory limit of %zu bytes exceeded",
                 chunkname, limit);
    else if (lua_type(L, -1) == LUA_TSTRING)
        snprintf(err, err_size, "%s", lua_tostring(L, -1));
    else
        snprintf(err, err_size, "%s: the rule failed", chunkname);

    if (lua->box.limit != TW_SANDBOX_WITHIN)
        tw_log_warn("rule stopped at a limit", "script=%s limit=%s",
                    chunkname,
                    lua->box.limit == TW_SANDBOX_MEMORY ? "memory"
                                                        : "instructions");
}


static int
tw_lua_load_job(lua_State *L)
{
    tw_lua_job_t *job = lua_touserdata(L, 1);
    int status;

    status = tw_sandbox_compile(L, job->chunkname, job->source, job->len);
    if (status != LUA_OK) {
        tw_sandbox_note(job->box, status);
        return lua_error(L);
    }
    tw_sandbox_bind(L);
    lua_pushvalue(L, -2);
    lua_call(L, 0, 0);

    if (lua_getfield(L, -1, "rule") != LUA_TFUNCTION)
        return luaL_error(L, "%s: the script defines no function rule",
                          job->chunkname);
    tw_sandbox_freeze(L, -2);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tw_lua_scripts_key);
    lua_insert(L, -2);
    lua_setfield(L, -2, job->key);
    return 0;
}


tw_rc_t
tw_lua_load(tw_lua_t *lua, const char *key, const char *chunkname,
            const char *source, size_t len, char *err, size_t err_size)
{
    tw_lua_job_t job = {0};
    tw_rc_t rc = tw_lua_start(lua, &job, key, err, err_size);
    int status;

    if (rc != TW_OK)
        return rc;

    job.chunkname = chunkname;
    job.source = source;
    job.len = len;
    status = tw_lua_protect(lua->L, tw_lua_load_job, &job, 0);
    if (status != LUA_OK) {
        tw_lua_failure(lua, status, chunkname, err, err_size);
        rc = TW_ERR_INVALID;
    }
    lua_settop(lua->L, 0);
    return rc;
}


static int
tw_lua_has_job(lua_State *L)
{
    tw_lua_job_t *job = lua_touserdata(L, 1);

    job->found = tw_lua_push_rule(L, job->key);
    return 0;
}


bool
tw_lua_has(const tw_lua_t *lua, const char *key)
{
    tw_lua_job_t job = {0};
    bool found;

    job.key = key;
    found = tw_lua_protect(lua->L, tw_lua_has_job, &job, 0) == LUA_OK &&
            job.found;
    lua_settop(lua->L, 0);
    return found;
}


static int
tw_lua_forget_job(lua_State *L)
{
    tw_lua_job_t *job = lua_touserdata(L, 1);
    size_t i;

    lua_newtable(L);
    for (i = 0; i < job->keep_count; i++) {
        if (tw_lua_push_rule(L, job->keep[i]))
            lua_setfield(L, -2, job->keep[i]);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tw_lua_scripts_key);

    /* An edited module is read again by the next script that imports
     * it; the scripts kept hold on to what they imported. */
    tw_sandbox_forget_modules(L);
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}


void
tw_lua_forget_others(tw_lua_t *lua, const char *const *keep,
                     size_t keep_count)
{
    tw_lua_job_t job = {0};
    int status;

    job.keep = keep;
    job.keep_count = keep_count;
    status = tw_lua_protect(lua->L, tw_lua_forget_job, &job, 0);
    tw_sandbox_note(&lua->box, status);
    lua_settop(lua->L, 0);
}


static int
tw_lua_call_job(lua_State *L)
{
    tw_lua_job_t *job = lua_touserdata(L, 1);
    lua_Debug ar;

    if (!tw_lua_push_rule(L, job->key))
        return 0;
    job->found = true;

    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar);
    snprintf(job->chunk, sizeof(job->chunk), "%s", ar.short_src);

    tw_convert_push_json(L, job->input);
    lua_call(L, 1, 2);
    return 2;
}


/* Checks the items of a converted breakdown: strings, or objects with
 * exactly a string label and an integer amount_fen. */
static bool
tw_lua_breakdown_valid(json_t *items, char *detail, size_t size)
{
    json_t *item;
    size_t i;

    json_array_foreach(items, i, item) {
        if (json_is_string(item))
            continue;
        if (!json_is_object(item))
            snprintf(detail, size, "breakdown item %zu must be a string or "
                     "a table {label = ..., amount_fen = ...}", i + 1);
        else if (!json_is_string(json_object_get(item, "label")))
            snprintf(detail, size, "breakdown item %zu: label must be a "
                     "string", i + 1);
        else if (!json_is_integer(json_object_get(item, "amount_fen")))
            snprintf(detail, size, "breakdown item %zu: amount_fen must be "
                     "an integer number of fen", i + 1);
        else if (json_object_size(item) != 2)
            snprintf(detail, size, "breakdown item %zu: only label and "
                     "amount_fen are allowed", i + 1);
        else
            continue;
        return false;
    }
    return true;
}


/* The result table at stack index 2 as a JSON object, or NULL with the
 * reason in detail. */
static json_t *
tw_lua_result_json(lua_State *L, char *detail, size_t size)
{
    json_t *json;

    if (lua_type(L, 2) != LUA_TTABLE) {
        snprintf(detail, size, "rule returned %s, expected a table",
                 luaL_typename(L, 2));
        return NULL;
    }

    json = tw_convert_to_json(L, 2, "result", detail, size);
    if (json_is_array(json) && json_array_size(json) == 0) {
        json_decref(json);
        return json_object(); /* {} has no keys to tell a record */
    }
    if (json_is_array(json)) {
        json_decref(json);
        snprintf(detail, size, "rule returned a list, expected a table "
                 "with named fields");
        return NULL;
    }
    return json;
}


/* The breakdown at stack index 3 (nil for none) as a JSON array, or
 * NULL with the reason in detail. */
static json_t *
tw_lua_breakdown_json(lua_State *L, char *detail, size_t size)
{
    json_t *json;

    if (lua_isnil(L, 3))
        return json_array();
    if (lua_type(L, 3) != LUA_TTABLE) {
        snprintf(detail, size, "the breakdown is %s, expected a list",
                 luaL_typename(L, 3));
        return NULL;
    }

    json = tw_convert_to_json(L, 3, "breakdown", detail, size);
    if (json != NULL && !json_is_array(json))
        snprintf(detail, size, "the breakdown must be a list 1..n");
    else if (json != NULL && tw_lua_breakdown_valid(json, detail, size))
        return json;
    json_decref(json);
    return NULL;
}


/* Converts what the rule returned (stack indices 2 and 3). */
static tw_rc_t
tw_lua_collect(lua_State *L, const char *chunk, json_t **result,
               json_t **breakdown, char *err, size_t err_size)
{
    char detail[TW_LUA_DETAIL] = "out of memory";

    *result = tw_lua_result_json(L, detail, sizeof(detail));
    if (*result != NULL)
        *breakdown = tw_lua_breakdown_json(L, detail, sizeof(detail));
    if (*result != NULL && *breakdown != NULL)
        return TW_OK;

    json_decref(*result);
    *result = NULL;
    snprintf(err, err_size, "%s: %s", chunk, detail);
    return TW_ERR_INVALID;
}


tw_rc_t
tw_lua_call(tw_lua_t *lua, const char *key, json_t *input, json_t **result,
            json_t **breakdown, char *err, size_t err_size)
{
    tw_lua_job_t job = {0};
    tw_rc_t rc = tw_lua_start(lua, &job, key, err, err_size);
    int status;

    *result = NULL;
    *breakdown = NULL;
    if (rc != TW_OK)
        return rc;

    job.input = input;
    status = tw_lua_protect(lua->L, tw_lua_call_job, &job, 2);
    if (status != LUA_OK) {
        tw_lua_failure(lua, status, job.found ? job.chunk : key, err,
                       err_size);
        rc = TW_ERR_INVALID;
    } else if (!job.found) {
        snprintf(err, err_size, "no script loaded under key %s", key);
        rc = TW_ERR_NOT_FOUND;
    } else {
        rc = tw_lua_collect(lua->L, job.chunk, result, breakdown, err,
                            err_size);
    }
    lua_settop(lua->L, 0);
    return rc;
}


tw_rc_t
tw_lua_check(const char *chunkname, const char *source, size_t len,
             char *err, size_t err_size)
{
    lua_State *L = luaL_newstate();
    tw_rc_t rc = TW_OK;

    if (L == NULL) {
        snprintf(err, err_size, "%s: out of memory", chunkname);
        return TW_ERR_NOMEM;
    }

    /* A failed lua_load leaves its message, always a string. */
    if (tw_sandbox_compile(L, chunkname, source, len) != LUA_OK) {
        snprintf(err, err_size, "%s", lua_tostring(L, -1));
        rc = TW_ERR_INVALID;
    }
    lua_close(L);
    return rc;
}
