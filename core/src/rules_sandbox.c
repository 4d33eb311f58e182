/*
 * rules_sandbox.c - what a rule script can see (see rules_sandbox.h).
 *
 * The base library is opened, then only the whitelisted functions are
 * copied into a per-state "sandbox globals" table, which also replaces the
 * state's global table, so nothing else (load, require, print...) is
 * reachable even by a chunk that kept the default _ENV.  pcall, xpcall,
 * setmetatable and import are our own.
 *
 * Isolation between scripts: every chunk (rule script or module) runs in
 * its own environment table.  The environment holds its own shallow
 * copies of the string, table, math, utf8 and date tables, so a script
 * that writes string.upper = nil changes only its copy; everything else
 * (the base functions, the money words, import) comes through __index
 * from the sandbox globals, which no script can reach: the environment's
 * metatable is protected, and the globals table holds functions only,
 * never a library table (else `string = nil` would expose the shared one).
 * The string metatable, whose __index is the original string table (for
 * ("x"):upper()), is protected too, and that table has no dump.  A
 * module's table is handed out as a shallow copy on every import, for the
 * same reason; tables nested inside a module remain shared and are the
 * module's own business.
 *
 * Limits: pcall and xpcall re-raise the error of a protected call once
 * the state hit a limit (box->limit), so the instruction budget and the
 * memory cap stop the whole rule, and xpcall then skips the rule's
 * message handler (see tw_sandbox_handler).  setmetatable refuses __gc,
 * because a finaliser would run at collection time, outside any limit.
 *
 * Long jumps: import() holds the malloc'd module source only across
 * lua_load, which never raises, and frees it before raising anything.
 *
 * String patterns are left out: find, match, gmatch and gsub backtrack
 * inside C, where the count hook never fires, so a pattern such as
 * string.rep('a*', 24) .. 'b' would hold a worker for minutes.
 * string.find searches literal text only, and match, gmatch and gsub are
 * gone.
 *
 * After a script's top level has run, its globals are frozen: a call that
 * assigns a global fails, so no call leaves state behind for the next one
 * that the same pooled state runs.  rawset(_ENV, k, v) still gets past
 * the freeze: only code written to do so can keep state that way.
 */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "rules_sandbox.h"
#include "rules_vocab.h"

/* Registry keys: only their addresses matter. */
static const char tw_sandbox_libs_key = 'l';
static const char tw_sandbox_env_meta_key = 'e';
static const char tw_sandbox_modules_key = 'm';

/* The base functions a rule may use as they are. */
static const char *const tw_sandbox_base[] = {
    "assert", "error",    "getmetatable", "ipairs", "next",
    "pairs",  "rawequal", "rawget",       "rawlen", "rawset",
    "select", "tonumber", "tostring",     "type",   NULL,
};

/* Functions removed from the libraries before any script sees them:
 * string.dump would give bytecode, math.random non-determinism, and the
 * pattern functions time the budget cannot stop. */
static const char *const tw_sandbox_removed[][2] = {
    {"string", "dump"},
    {"string", "match"},
    {"string", "gmatch"},
    {"string", "gsub"},
    {"math", "random"},
    {"math", "randomseed"},
    {NULL, NULL},
};

static int tw_sandbox_pcall(lua_State *L);
static int tw_sandbox_xpcall(lua_State *L);
static int tw_sandbox_setmetatable(lua_State *L);
static int tw_sandbox_import(lua_State *L);

/* Our own globals; upvalue 1 of each is the tw_sandbox_t. */
static const luaL_Reg tw_sandbox_guarded[] = {
    {"pcall", tw_sandbox_pcall},
    {"xpcall", tw_sandbox_xpcall},
    {"setmetatable", tw_sandbox_setmetatable},
    {"import", tw_sandbox_import},
    {NULL, NULL},
};

/* The libraries every environment gets its own copy of. */
static const luaL_Reg tw_sandbox_libs[] = {
    {"string", luaopen_string},
    {"table", luaopen_table},
    {"math", luaopen_math},
    {"utf8", luaopen_utf8},
    {"date", tw_rules_open_date},
    {NULL, NULL},
};


/* Copies every field of the table at `from` into the table at `to`. */
static void
tw_sandbox_copy_fields(lua_State *L, int from, int to)
{
    from = lua_absindex(L, from);
    to = lua_absindex(L, to);

    lua_pushnil(L);
    while (lua_next(L, from) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, to);
    }
}


void
tw_sandbox_note(tw_sandbox_t *box, int status)
{
    if (status == LUA_ERRMEM && box->limit == TW_SANDBOX_WITHIN)
        box->limit = TW_SANDBOX_MEMORY;
}


/* Ends pcall and xpcall: re-raises past a limit, else returns the
 * results above the `extra` slots below the status boolean. */
static int
tw_sandbox_finish(lua_State *L, tw_sandbox_t *box, int status, int extra)
{
    tw_sandbox_note(box, status);
    if (status != LUA_OK && box->limit != TW_SANDBOX_WITHIN)
        return lua_error(L);

    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - extra;
}


static int
tw_sandbox_pcall(lua_State *L)
{
    tw_sandbox_t *box = lua_touserdata(L, lua_upvalueindex(1));
    int status;

    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
    return tw_sandbox_finish(L, box, status, 0);
}


/* The message handler xpcall installs: the rule's own (upvalue 2),
 * skipped once a limit is hit.  An error raised by the count hook reaches
 * the handler while Lua has hooks switched off, so the rule's handler
 * would run beyond the budget, for ever if it loops. */
static int
tw_sandbox_handler(lua_State *L)
{
    tw_sandbox_t *box = lua_touserdata(L, lua_upvalueindex(1));

    lua_settop(L, 1);
    if (box->limit != TW_SANDBOX_WITHIN)
        return 1;

    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, 1, 1);
    return 1;
}


static int
tw_sandbox_xpcall(lua_State *L)
{
    tw_sandbox_t *box = lua_touserdata(L, lua_upvalueindex(1));
    int n = lua_gettop(L), status;

    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushlightuserdata(L, box);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, tw_sandbox_handler, 2);
    lua_replace(L, 2);

    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* f, handler, true, f, args... */
    status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
    return tw_sandbox_finish(L, box, status, 2);
}


static int
tw_sandbox_setmetatable(lua_State *L)
{
    int type = lua_type(L, 2);

    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2,
                     "nil or table");
    if (type == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc is not allowed in rules");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");

    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}


/* Raises when importing `name` now would close a cycle, or nest too
 * deep. */
static void
tw_sandbox_check_cycle(lua_State *L, const tw_sandbox_t *box,
                       const char *name)
{
    char text[(TW_SANDBOX_IMPORT_DEPTH + 1) * (TW_SANDBOX_NAME_MAX + 4) + 16];
    size_t used;
    int i, start = -1;

    for (i = 0; i < box->import_depth && start < 0; i++) {
        if (strcmp(box->importing[i], name) == 0)
            start = i;
    }
    if (start < 0 && box->import_depth == TW_SANDBOX_IMPORT_DEPTH)
        luaL_error(L, "import: modules nested deeper than %d",
                   TW_SANDBOX_IMPORT_DEPTH);
    if (start < 0)
        return;

    used = (size_t)snprintf(text, sizeof(text), "import cycle: ");
    for (i = start; i < box->import_depth; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%s -> ",
                                 box->importing[i]);
    snprintf(text + used, sizeof(text) - used, "%s", name);
    luaL_error(L, "%s", text);
}


/* Pushes module `name` compiled, its text read through the importer. */
static void
tw_sandbox_read_module(lua_State *L, tw_sandbox_t *box, const char *name)
{
    char chunkname[256] = "";
    char *source = NULL;
    size_t len = 0;
    tw_rc_t rc = TW_ERR_NOT_FOUND;
    int status;

    if (box->importer != NULL)
        rc = box->importer(box->importer_ctx, name, &source, &len,
                           chunkname);
    if (rc != TW_OK) {
        free(source);
        if (rc == TW_ERR_NOT_FOUND)
            luaL_error(L, "import: no module '%s'", name);
        luaL_error(L, "import: cannot read module '%s'", name);
    }

    chunkname[sizeof(chunkname) - 1] = '\0';
    if (chunkname[0] == '\0')
        snprintf(chunkname, sizeof(chunkname), "lib/%s.lua", name);

    /* Compiling never raises, so the source is freed before any error. */
    status = tw_sandbox_compile(L, chunkname, source, len);
    free(source);
    if (status != LUA_OK) {
        tw_sandbox_note(box, status);
        lua_error(L);
    }
}


/* Runs module `name` once and pushes what it returned (true for
 * nothing), caching it in the modules table at index `modules`. */
static void
tw_sandbox_load_module(lua_State *L, tw_sandbox_t *box, const char *name,
                       int modules)
{
    int status;

    tw_sandbox_check_cycle(L, box, name);
    tw_sandbox_read_module(L, box, name);
    tw_sandbox_bind(L);
    lua_pop(L, 1);

    /* Protected, so that the module leaves the import stack whatever
     * happens; its error then goes on as it was. */
    snprintf(box->importing[box->import_depth++], TW_SANDBOX_NAME_MAX + 1,
             "%s", name);
    status = lua_pcall(L, 0, 1, 0);
    box->import_depth--;
    tw_sandbox_note(box, status);
    if (status != LUA_OK)
        lua_error(L);

    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, modules, name);
}


static int
tw_sandbox_import(lua_State *L)
{
    tw_sandbox_t *box = lua_touserdata(L, lua_upvalueindex(1));
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);

    if (!tw_name_valid(name, len, TW_SANDBOX_NAME_MAX, TW_NAME_LOWER,
                       TW_NAME_LOWER TW_NAME_DIGITS "_"))
        return luaL_error(L, "import: bad module name '%s' (a-z, 0-9, _)",
                          name);

    lua_settop(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tw_sandbox_modules_key);
    if (lua_getfield(L, 2, name) == LUA_TNIL) {
        lua_pop(L, 1);
        tw_sandbox_load_module(L, box, name, 2);
    }

    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_newtable(L);
        tw_sandbox_copy_fields(L, -2, -1);
        if (lua_getmetatable(L, -2))
            lua_setmetatable(L, -2);
    }
    return 1;
}


int
tw_sandbox_compile(lua_State *L, const char *chunkname, const char *source,
                   size_t len)
{
    char name[300];

    /* "=" makes Lua show the name as it is: "default/x.lua:3: ...". */
    snprintf(name, sizeof(name), "=%s", chunkname);
    return luaL_loadbufferx(L, source, len, name, "t");
}


void
tw_sandbox_bind(lua_State *L)
{
    int env;

    lua_newtable(L);
    env = lua_gettop(L);

    lua_rawgetp(L, LUA_REGISTRYINDEX, &tw_sandbox_libs_key);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_newtable(L);
        tw_sandbox_copy_fields(L, -2, -1);
        lua_pushvalue(L, -3);
        lua_insert(L, -2);
        lua_rawset(L, env);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_rawgetp(L, LUA_REGISTRYINDEX, &tw_sandbox_env_meta_key);
    lua_setmetatable(L, env);

    /* A main chunk has exactly one upvalue, _ENV. */
    lua_pushvalue(L, env);
    lua_setupvalue(L, env - 1, 1);
}


void
tw_sandbox_forget_modules(lua_State *L)
{
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tw_sandbox_modules_key);
}


/* string.find(s, text [, init]) for literal text: the positions of the
 * first occurrence at or after init, or nil. */
static int
tw_sandbox_find(lua_State *L)
{
    size_t len, text_len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *text = luaL_checklstring(L, 2, &text_len);
    lua_Integer init = luaL_optinteger(L, 3, 1);

    if (init < 0)
        init = (lua_Integer) len + init + 1;
    if (init < 1)
        init = 1;
    if (init > (lua_Integer) len + 1) {
        lua_pushnil(L);
        return 1;
    }

    const char *start = s + init - 1;
    const char *hit = memmem(start, len - (size_t) (init - 1), text,
                             text_len);
    if (hit == NULL) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer) (hit - s) + 1);
    lua_pushinteger(L, (lua_Integer) (hit - s) + (lua_Integer) text_len);
    return 2;
}


static int
tw_sandbox_refuse_global(lua_State *L)
{
    return luaL_error(L, "a rule cannot set the global '%s' during a call "
                      "(declare it local)", luaL_tolstring(L, 2, NULL));
}


void
tw_sandbox_freeze(lua_State *L, int env)
{
    env = lua_absindex(L, env);

    /* The globals move to a hidden table that keeps the old fallback to
     * the sandbox globals; env itself stays empty, so every assignment
     * reaches __newindex. */
    lua_newtable(L);
    tw_sandbox_copy_fields(L, env, -1);
    lua_getmetatable(L, env);
    lua_setmetatable(L, -2);

    lua_pushnil(L);
    while (lua_next(L, env) != 0) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, env);
    }

    lua_createtable(L, 0, 3);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tw_sandbox_refuse_global);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, env);
}


/* The library tables in the registry, stripped and protected. */
static void
tw_sandbox_open_libs(lua_State *L)
{
    const luaL_Reg *lib;
    size_t i;

    lua_newtable(L);
    for (lib = tw_sandbox_libs; lib->name != NULL; lib++) {
        lua_pushcfunction(L, lib->func);
        lua_call(L, 0, 1);
        lua_setfield(L, -2, lib->name);
    }
    for (i = 0; tw_sandbox_removed[i][0] != NULL; i++) {
        lua_getfield(L, -1, tw_sandbox_removed[i][0]);
        lua_pushnil(L);
        lua_setfield(L, -2, tw_sandbox_removed[i][1]);
        lua_pop(L, 1);
    }
    lua_getfield(L, -1, "string");
    lua_pushcfunction(L, tw_sandbox_find);
    lua_setfield(L, -2, "find");
    lua_pop(L, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tw_sandbox_libs_key);

    /* getmetatable("") answers false instead of the shared table. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
}


/* The sandbox globals, which replace the state's global table. */
static void
tw_sandbox_open_globals(lua_State *L, tw_sandbox_t *box)
{
    const char *const *name;

    lua_newtable(L);
    lua_pushcfunction(L, luaopen_base);
    lua_call(L, 0, 1);
    for (name = tw_sandbox_base; *name != NULL; name++) {
        lua_getfield(L, -1, *name);
        lua_setfield(L, -3, *name);
    }
    lua_pop(L, 1);

    lua_pushlightuserdata(L, box);
    luaL_setfuncs(L, tw_sandbox_guarded, 1);
    tw_rules_open_money(L);
    tw_sandbox_copy_fields(L, -1, -2);
    lua_pop(L, 1);

    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
}


int
tw_sandbox_open(lua_State *L)
{
    tw_sandbox_t *box = lua_touserdata(L, 1);

    lua_settop(L, 0);
    tw_sandbox_open_libs(L);
    tw_sandbox_open_globals(L, box);

    lua_createtable(L, 0, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tw_sandbox_env_meta_key);

    tw_sandbox_forget_modules(L);
    return 0;
}
