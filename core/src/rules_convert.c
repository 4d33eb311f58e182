/*
 * rules_convert.c - JSON values to Lua values and back (see
 * rules_convert.h).
 *
 * Long jumps: tw_convert_push_json only borrows its JSON and allocates
 * nothing in C, so a Lua error raised half-way (memory, nesting) leaks
 * nothing.  tw_convert_to_json owns jansson values while it walks, so it
 * calls only API functions that cannot raise: lua_type, lua_next (which
 * raises only for a key missing from the table, and the walk never
 * changes a table), lua_rawgeti, lua_tolstring on strings (on a number it
 * would convert in place, which allocates), lua_tointegerx,
 * lua_tonumberx, lua_topointer and lua_checkstack (which reports failure
 * instead of raising).  Strings are checked as UTF-8 here, so that a
 * failing jansson constructor can only mean "out of memory".
 */
#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules_convert.h"

/* The longest key shown in an error's path. */
#define TW_CONVERT_PATH_KEY 40

/* One Lua -> JSON walk. */
typedef struct tw_convert {
    lua_State *L;
    const void *open[TW_CONVERT_MAX_DEPTH]; /* tables being walked */
    int depth;
    char path[256]; /* where the walk is: "result.lines[2]" */
    size_t path_len;
    char *err;
    size_t err_size;
} tw_convert_t;

static void tw_convert_push_at(lua_State *L, json_t *json, int depth);
static json_t *tw_convert_value(tw_convert_t *c, int idx);
static json_t *tw_convert_fail(tw_convert_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static size_t tw_convert_path_push(tw_convert_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


static int
tw_convert_size_hint(size_t size)
{
    return size > INT_MAX ? 0 : (int)size;
}


static void
tw_convert_push_object(lua_State *L, json_t *json, int depth)
{
    const char *key;
    size_t key_len;
    json_t *value;

    lua_createtable(L, 0, tw_convert_size_hint(json_object_size(json)));
    json_object_keylen_foreach(json, key, key_len, value) {
        lua_pushlstring(L, key, key_len);
        tw_convert_push_at(L, value, depth + 1);
        lua_rawset(L, -3);
    }
}


static void
tw_convert_push_array(lua_State *L, json_t *json, int depth)
{
    size_t i;
    json_t *value;

    lua_createtable(L, tw_convert_size_hint(json_array_size(json)), 0);
    json_array_foreach(json, i, value) {
        tw_convert_push_at(L, value, depth + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}


static void
tw_convert_push_at(lua_State *L, json_t *json, int depth)
{
    if (depth > TW_CONVERT_MAX_DEPTH)
        luaL_error(L, "input nested deeper than %d", TW_CONVERT_MAX_DEPTH);
    luaL_checkstack(L, 3, "input nested too deeply");

    switch (json_typeof(json)) {
    case JSON_OBJECT:
        tw_convert_push_object(L, json, depth);
        break;
    case JSON_ARRAY:
        tw_convert_push_array(L, json, depth);
        break;
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(json), json_string_length(json));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(json));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(json));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        lua_pushboolean(L, json_is_true(json));
        break;
    default:
        lua_pushnil(L);
    }
}


void
tw_convert_push_json(lua_State *L, json_t *json)
{
    tw_convert_push_at(L, json, 1);
}


static json_t *
tw_convert_fail(tw_convert_t *c, const char *fmt, ...)
{
    char message[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    snprintf(c->err, c->err_size, "%s: %s", c->path, message);
    return NULL;
}


/* Appends a segment to the path; returns the length to restore. */
static size_t
tw_convert_path_push(tw_convert_t *c, const char *fmt, ...)
{
    size_t mark = c->path_len;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->path + mark, sizeof(c->path) - mark, fmt, ap);
    va_end(ap);

    c->path_len = strlen(c->path);
    return mark;
}


static void
tw_convert_path_pop(tw_convert_t *c, size_t mark)
{
    c->path_len = mark;
    c->path[mark] = '\0';
}


/* The length of the UTF-8 sequence led by `lead` (0: not a lead byte),
 * with the lead's payload bits and the smallest code point allowed. */
static size_t
tw_convert_utf8_lead(unsigned char lead, uint32_t *cp, uint32_t *min)
{
    if ((lead & 0xE0) == 0xC0) {
        *cp = lead & 0x1F;
        *min = 0x80;
        return 2;
    }
    if ((lead & 0xF0) == 0xE0) {
        *cp = lead & 0x0F;
        *min = 0x800;
        return 3;
    }
    if ((lead & 0xF8) == 0xF0) {
        *cp = lead & 0x07;
        *min = 0x10000;
        return 4;
    }
    return 0;
}


/* RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool
tw_convert_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0, n, k;
    uint32_t cp, min;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }

        n = tw_convert_utf8_lead(s[i], &cp, &min);
        if (n == 0 || len - i < n)
            return false;
        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}


static json_t *
tw_convert_new(tw_convert_t *c, json_t *json)
{
    return json != NULL ? json : tw_convert_fail(c, "out of memory");
}


static json_t *
tw_convert_number(tw_convert_t *c, int idx)
{
    double d;

    if (lua_isinteger(c->L, idx))
        return tw_convert_new(c, json_integer(lua_tointeger(c->L, idx)));

    d = lua_tonumber(c->L, idx);
    if (!isfinite(d))
        return tw_convert_fail(c, "%s is not a finite number",
                               isnan(d) ? "nan" : "an infinity");
    return tw_convert_new(c, json_real(d));
}


static json_t *
tw_convert_string(tw_convert_t *c, int idx)
{
    size_t len;
    const char *s = lua_tolstring(c->L, idx, &len);

    if (!tw_convert_utf8_valid((const unsigned char *)s, len))
        return tw_convert_fail(c, "string is not valid UTF-8");
    return tw_convert_new(c, json_stringn_nocheck(s, len));
}


/* True when the keys of the table at `idx` are exactly 1..*n (n >= 0). */
static bool
tw_convert_list_length(lua_State *L, int idx, lua_Integer *n)
{
    lua_Integer count = 0, max = 0;

    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return false;
        }
        if (lua_tointeger(L, -1) > max)
            max = lua_tointeger(L, -1);
        count++;
    }
    *n = count;
    return max == count;
}


static json_t *
tw_convert_array(tw_convert_t *c, int idx, lua_Integer n)
{
    json_t *array = json_array(), *item;
    lua_Integer i;
    size_t mark;

    if (array == NULL)
        return tw_convert_fail(c, "out of memory");

    for (i = 1; i <= n; i++) {
        mark = tw_convert_path_push(c, "[%lld]", (long long)i);
        lua_rawgeti(c->L, idx, i);
        item = tw_convert_value(c, lua_gettop(c->L));
        lua_pop(c->L, 1);

        if (item == NULL || json_array_append_new(array, item) != 0) {
            if (item != NULL)
                tw_convert_fail(c, "out of memory");
            json_decref(array);
            return NULL;
        }
        tw_convert_path_pop(c, mark);
    }
    return array;
}


static json_t *
tw_convert_bad_key(tw_convert_t *c, int idx)
{
    if (lua_isinteger(c->L, idx))
        return tw_convert_fail(c, "key %lld in a table that is not a list "
                                  "1..n (a record's keys must be strings)",
                               (long long)lua_tointeger(c->L, idx));
    return tw_convert_fail(c, "key of type %s (keys must be strings)",
                           lua_typename(c->L, lua_type(c->L, idx)));
}


/* Adds the key and value on top of the stack to `object`. */
static bool
tw_convert_member(tw_convert_t *c, json_t *object)
{
    const char *key;
    size_t len, mark;
    json_t *value;

    if (lua_type(c->L, -2) != LUA_TSTRING) {
        tw_convert_bad_key(c, -2);
        return false;
    }

    key = lua_tolstring(c->L, -2, &len);
    mark = tw_convert_path_push(c, ".%.*s",
                                (int)(len < TW_CONVERT_PATH_KEY
                                          ? len
                                          : TW_CONVERT_PATH_KEY),
                                key);
    if (!tw_convert_utf8_valid((const unsigned char *)key, len)) {
        tw_convert_fail(c, "key is not valid UTF-8");
        return false;
    }

    value = tw_convert_value(c, lua_gettop(c->L));
    if (value == NULL)
        return false;
    if (json_object_setn_new_nocheck(object, key, len, value) != 0) {
        tw_convert_fail(c, "out of memory");
        return false;
    }
    tw_convert_path_pop(c, mark);
    return true;
}


static json_t *
tw_convert_object(tw_convert_t *c, int idx)
{
    json_t *object = json_object();

    if (object == NULL)
        return tw_convert_fail(c, "out of memory");

    lua_pushnil(c->L);
    while (lua_next(c->L, idx) != 0) {
        if (!tw_convert_member(c, object)) {
            lua_pop(c->L, 2);
            json_decref(object);
            return NULL;
        }
        lua_pop(c->L, 1);
    }
    return object;
}


static json_t *
tw_convert_table(tw_convert_t *c, int idx)
{
    const void *self = lua_topointer(c->L, idx);
    lua_Integer n;
    json_t *json;
    int i;

    for (i = 0; i < c->depth; i++) {
        if (c->open[i] == self)
            return tw_convert_fail(c, "table contains itself (a cycle)");
    }
    if (c->depth == TW_CONVERT_MAX_DEPTH)
        return tw_convert_fail(c, "tables nested deeper than %d",
                               TW_CONVERT_MAX_DEPTH);
    if (!lua_checkstack(c->L, 4))
        return tw_convert_fail(c, "out of memory");

    c->open[c->depth++] = self;
    if (tw_convert_list_length(c->L, idx, &n))
        json = tw_convert_array(c, idx, n);
    else
        json = tw_convert_object(c, idx);
    c->depth--;
    return json;
}


static json_t *
tw_convert_value(tw_convert_t *c, int idx)
{
    lua_State *L = c->L;

    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        return tw_convert_new(c, json_boolean(lua_toboolean(L, idx)));
    case LUA_TNUMBER:
        return tw_convert_number(c, idx);
    case LUA_TSTRING:
        return tw_convert_string(c, idx);
    case LUA_TTABLE:
        return tw_convert_table(c, idx);
    default:
        return tw_convert_fail(c, "a %s has no JSON form",
                               lua_typename(L, lua_type(L, idx)));
    }
}


json_t *
tw_convert_to_json(lua_State *L, int idx, const char *what, char *err,
                   size_t err_size)
{
    tw_convert_t c;

    memset(&c, 0, sizeof(c));
    c.L = L;
    c.err = err;
    c.err_size = err_size;
    tw_convert_path_push(&c, "%s", what);
    return tw_convert_value(&c, lua_absindex(L, idx));
}
