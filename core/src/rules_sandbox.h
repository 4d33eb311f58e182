/*
 * rules_sandbox.h - what a rule script can see in a Lua state (core
 * only): the whitelisted base functions, private copies of the string,
 * table, math, utf8 and date libraries, the money words and import().
 *
 * The sandbox keeps its tables in the state's registry; the tw_sandbox_t
 * it is opened with belongs to the caller (rules_lua.c), must outlive the
 * state, and is where the limits are recorded: pcall and xpcall re-raise
 * an error once `limit` is set, so a rule cannot swallow it.
 */
#ifndef TW_RULES_SANDBOX_H
#define TW_RULES_SANDBOX_H

#include <lua.h>
#include <stddef.h>

#include "rules_lua.h"

/* How deep imports may nest, and the longest module name. */
#define TW_SANDBOX_IMPORT_DEPTH 16
#define TW_SANDBOX_NAME_MAX 63

typedef enum tw_sandbox_limit {
    TW_SANDBOX_WITHIN = 0,
    TW_SANDBOX_BUDGET, /* the instruction budget ran out */
    TW_SANDBOX_MEMORY  /* an allocation failed at the memory limit */
} tw_sandbox_limit_t;

typedef struct tw_sandbox {
    tw_sandbox_limit_t limit; /* set once, never cleared */
    tw_lua_import_fn importer;
    void *importer_ctx;

    /* The modules being imported, outermost first, for cycles. */
    char importing[TW_SANDBOX_IMPORT_DEPTH][TW_SANDBOX_NAME_MAX + 1];
    int import_depth;
} tw_sandbox_t;

/* A lua_CFunction taking `box` as a light userdata: builds the sandbox in
 * a new state.  Call it with lua_pcall (it raises when out of memory). */
int tw_sandbox_open(lua_State *L);

/* Compiles text (binary chunks are refused) as `chunkname`; pushes the
 * function, or the message "chunkname:line: message".  Never raises.
 * Returns the lua_load status. */
int tw_sandbox_compile(lua_State *L, const char *chunkname,
                       const char *source, size_t len);

/* Gives the compiled chunk on top of the stack a fresh environment and
 * pushes that environment.  Raises when out of memory. */
void tw_sandbox_bind(lua_State *L);

/* Makes the globals of the environment at `env` read-only: reads still
 * see them, assignments raise.  Raises when out of memory. */
void tw_sandbox_freeze(lua_State *L, int env);

/* Records that a status returned by a protected call or lua_load means
 * the memory limit was hit. */
void tw_sandbox_note(tw_sandbox_t *box, int status);

/* Forgets the imported modules, so the next import() reads the module
 * again.  Raises when out of memory. */
void tw_sandbox_forget_modules(lua_State *L);

#endif
