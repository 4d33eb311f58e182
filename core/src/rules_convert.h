/*
 * rules_convert.h - JSON values to Lua values and back (core only).
 *
 * JSON to Lua pushes onto the stack and may raise a Lua error (memory,
 * nesting), so it runs only inside a protected call and holds no C
 * resource.  Lua to JSON never raises: it walks with the non-raising part
 * of the Lua API only, so it runs outside any protected call and may own
 * jansson references freely.
 */
#ifndef TW_RULES_CONVERT_H
#define TW_RULES_CONVERT_H

#include <jansson.h>
#include <lua.h>
#include <stddef.h>

/* Deepest nesting of tables (or JSON containers) converted either way. */
#define TW_CONVERT_MAX_DEPTH 32

/* Pushes `json` (borrowed) as a Lua value: objects and arrays become
 * tables, integers Lua integers, reals floats; null becomes nil, so an
 * object's null member is absent.  Raises a Lua error when out of memory
 * or nested deeper than TW_CONVERT_MAX_DEPTH. */
void tw_convert_push_json(lua_State *L, json_t *json);

/* Converts the value at `idx` to a new JSON value without raising: a
 * table whose keys are exactly 1..n (or none) becomes an array, any other
 * table an object whose keys must be strings; integers stay integers.
 * Returns NULL with "<what><path>: message" in err (what is e.g.
 * "result", the path e.g. ".lines[2]") for a value that has no JSON form,
 * a cycle, nesting deeper than TW_CONVERT_MAX_DEPTH, or no memory. */
json_t *tw_convert_to_json(lua_State *L, int idx, const char *what, char *err,
                           size_t err_size);

#endif
