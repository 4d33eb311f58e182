/*
 * test_rules_sandbox.c - what a rule script can and cannot reach: the
 * forbidden names, the protected metatables, binary chunks, isolation
 * between scripts, import(), error values, bad results, and the JSON
 * conversion both ways.
 *
 * Every test gets a fresh Lua state whose importer serves the modules of
 * tw_test_modules from memory and counts how often it is asked.  No
 * database.
 */
#include <jansson.h>
#include <lauxlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules_lua.h"

typedef struct tw_test_fixture {
    tw_lua_t *lua;
    int imports; /* times the importer was asked */
    char err[512];
    char text[512]; /* tw_test_expr's answer */
} tw_test_fixture_t;

static const struct {
    const char *name;
    const char *source;
} tw_test_modules[] = {
    {"util", "local M = {}\n"
             "function M.double(x) return 2 * x end\n"
             "return M\n"},
    {"cycle_a", "import('cycle_b')\nreturn {}\n"},
    {"cycle_b", "import('cycle_a')\nreturn {}\n"},
    {"broken", "return {\n"},
    {"failing", "\nerror('module failed')\n"},
};

#define TW_TEST_MODULE_COUNT \
    (sizeof(tw_test_modules) / sizeof(tw_test_modules[0]))


static tw_rc_t
tw_test_importer(void *ctx, const char *name, char **source, size_t *len,
                 char *chunkname)
{
    size_t i;

    *(int *)ctx += 1;
    for (i = 0; i < TW_TEST_MODULE_COUNT; i++) {
        if (strcmp(tw_test_modules[i].name, name) != 0)
            continue;
        *source = strdup(tw_test_modules[i].source);
        *len = strlen(tw_test_modules[i].source);
        snprintf(chunkname, 256, "lib/%s.lua", name);
        return *source != NULL ? TW_OK : TW_ERR_NOMEM;
    }
    return TW_ERR_NOT_FOUND;
}


static int
tw_test_setup(void **state)
{
    tw_lua_limits_t limits = {1000000, 32 * 1024 * 1024};
    tw_test_fixture_t *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->lua = tw_lua_new(&limits, tw_test_importer, &f->imports);
    if (f->lua == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}


static int
tw_test_teardown(void **state)
{
    tw_test_fixture_t *f = *state;

    tw_lua_free(f->lua);
    free(f);
    return 0;
}


static tw_rc_t
tw_test_load(tw_test_fixture_t *f, const char *key, const char *source)
{
    return tw_lua_load(f->lua, key, "test.lua", source, strlen(source),
                       f->err, sizeof(f->err));
}


/* Calls the script under `key` with `input` (JSON text); the result and
 * the breakdown are the caller's to free (either pointer may be NULL). */
static tw_rc_t
tw_test_call(tw_test_fixture_t *f, const char *key, const char *input,
             json_t **result, json_t **breakdown)
{
    json_t *in = json_loads(input, 0, NULL), *res, *bd;
    tw_rc_t rc;

    assert_non_null(in);
    rc = tw_lua_call(f->lua, key, in, &res, &bd, f->err, sizeof(f->err));
    json_decref(in);
    if (result != NULL)
        *result = res;
    else
        json_decref(res);
    if (breakdown != NULL)
        *breakdown = bd;
    else
        json_decref(bd);
    return rc;
}


/* Loads and calls `source` under a key of its own (the source itself). */
static tw_rc_t
tw_test_run(tw_test_fixture_t *f, const char *source, const char *input,
            json_t **result, json_t **breakdown)
{
    tw_rc_t rc = tw_test_load(f, source, source);

    if (result != NULL)
        *result = NULL;
    if (breakdown != NULL)
        *breakdown = NULL;
    return rc == TW_OK ? tw_test_call(f, source, input, result, breakdown)
                       : rc;
}


/* tostring(expr) evaluated in a rule, or NULL when the rule failed. */
static const char *
tw_test_expr(tw_test_fixture_t *f, const char *expr)
{
    char source[512];
    json_t *result;
    tw_rc_t rc;

    snprintf(source, sizeof(source),
             "function rule(input) return {v = tostring(%s)} end", expr);
    rc = tw_test_run(f, source, "{}", &result, NULL);
    if (rc != TW_OK)
        return NULL;
    snprintf(f->text, sizeof(f->text), "%s",
             json_string_value(json_object_get(result, "v")));
    json_decref(result);
    return f->text;
}


/* Asserts that `source` fails with a message containing `text`. */
static void
tw_test_fails(tw_test_fixture_t *f, const char *source, const char *text)
{
    assert_int_equal(tw_test_run(f, source, "{}", NULL, NULL),
                     TW_ERR_INVALID);
    if (strstr(f->err, text) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", f->err, text);
}


/* Fails unless each of the `count` expressions in `names` has the Lua
 * type `type` in the sandbox. */
static void
tw_test_expect_types(tw_test_fixture_t *f, const char *const *names,
                     size_t count, const char *type)
{
    char expr[64];

    for (size_t i = 0; i < count; i++) {
        snprintf(expr, sizeof(expr), "type(%s)", names[i]);
        assert_non_null(tw_test_expr(f, expr));
        if (strcmp(f->text, type) != 0)
            fail_msg("%s is a %s in the sandbox", names[i], f->text);
    }
}


static void
test_forbidden_names_are_nil(void **state)
{
    static const char *const names[] = {
        "io",          "os",          "debug",           "package",
        "require",     "load",        "loadstring",      "dofile",
        "loadfile",    "print",       "collectgarbage",  "coroutine",
        "string.dump", "math.random", "math.randomseed", "_G",
        "warn",        "(\"\").dump",  "string.match",    "string.gmatch",
        "string.gsub", "(\"\").gsub",
    };

    tw_test_expect_types(*state, names, sizeof(names) / sizeof(names[0]),
                         "nil");
}


static void
test_allowed_names_are_there(void **state)
{
    static const char *const names[] = {
        "assert",       "error",      "ipairs",    "next",
        "pairs",        "pcall",      "xpcall",    "rawequal",
        "rawget",       "rawlen",     "rawset",    "select",
        "tonumber",     "tostring",   "type",      "setmetatable",
        "getmetatable", "import",     "yuan",      "fen_to_yuan",
        "percent",      "tiers",      "round_div", "string.format",
        "table.concat", "math.floor", "utf8.char", "date.add_days",
    };

    tw_test_expect_types(*state, names, sizeof(names) / sizeof(names[0]),
                         "function");
}


static void
test_setmetatable_refuses_gc(void **state)
{
    tw_test_fixture_t *f = *state;

    tw_test_fails(f,
                  "function rule()\n"
                  "  setmetatable({}, {__gc = function() end})\n"
                  "  return {}\n"
                  "end\n",
                  "test.lua:2: setmetatable: __gc is not allowed");

    /* Other metatables still work. */
    assert_string_equal(tw_test_expr(f, "setmetatable({}, {__index = "
                                        "function() return 7 end}).x"),
                        "7");
}


static void
test_string_metatable_is_protected(void **state)
{
    tw_test_fixture_t *f = *state;

    assert_string_equal(tw_test_expr(f, "getmetatable('')"), "false");
    assert_string_equal(tw_test_expr(f, "('abc'):upper()"), "ABC");
    tw_test_fails(f,
                  "function rule()\n"
                  "  getmetatable('').__index.upper = nil\n"
                  "end\n",
                  "test.lua:2:");
    assert_string_equal(tw_test_expr(f, "('abc'):upper()"), "ABC");
    assert_string_equal(tw_test_expr(f, "getmetatable(_ENV)"), "false");
}


/* Collects what lua_dump writes. */
typedef struct tw_test_bytes {
    char data[4096];
    size_t len;
} tw_test_bytes_t;


static int
tw_test_dump_writer(lua_State *L, const void *p, size_t size, void *ud)
{
    tw_test_bytes_t *bytes = ud;

    (void)L;
    if (size > sizeof(bytes->data) - bytes->len)
        return 1;
    memcpy(bytes->data + bytes->len, p, size);
    bytes->len += size;
    return 0;
}


static void
test_binary_chunk_refused(void **state)
{
    tw_test_fixture_t *f = *state;
    const char *rule = "function rule() return {} end";
    lua_State *L = luaL_newstate();
    tw_test_bytes_t bytes = {.len = 0};

    /* A real Lua 5.4 binary chunk of a valid rule, from a plain state. */
    assert_non_null(L);
    assert_int_equal(luaL_loadstring(L, rule), LUA_OK);
    assert_int_equal(lua_dump(L, tw_test_dump_writer, &bytes, 0), 0);
    lua_close(L);
    assert_true(bytes.len > 4 && bytes.data[0] == '\x1b');

    assert_int_equal(tw_lua_load(f->lua, "bin", "bin.lua", bytes.data,
                                 bytes.len, f->err, sizeof(f->err)),
                     TW_ERR_INVALID);
    assert_non_null(strstr(f->err, "binary chunk"));
    assert_int_equal(tw_lua_check("bin.lua", bytes.data, bytes.len, f->err,
                                  sizeof(f->err)),
                     TW_ERR_INVALID);

    /* The text itself loads. */
    assert_int_equal(tw_test_load(f, "text", rule), TW_OK);
}


static void
test_scripts_cannot_touch_each_other(void **state)
{
    tw_test_fixture_t *f = *state;
    json_t *result;

    assert_int_equal(tw_test_load(f, "a",
                                  "string.upper = nil\n"
                                  "math.floor = nil\n"
                                  "date.add_days = nil\n"
                                  "shared = 'from a'\n"
                                  "function rule()\n"
                                  "  return {upper = type(string.upper)}\n"
                                  "end\n"),
                     TW_OK);
    assert_int_equal(tw_test_call(f, "a", "{}", &result, NULL), TW_OK);
    assert_string_equal(json_string_value(json_object_get(result, "upper")),
                        "nil");
    json_decref(result);

    assert_int_equal(tw_test_load(f, "b",
                                  "function rule()\n"
                                  "  return {u = string.upper('x'),\n"
                                  "          m = ('y'):upper(),\n"
                                  "          f = math.floor(2.5),\n"
                                  "          d = date.add_days('2024-02-28',"
                                  " 1),\n"
                                  "          shared = type(shared)}\n"
                                  "end\n"),
                     TW_OK);
    assert_int_equal(tw_test_call(f, "b", "{}", &result, NULL), TW_OK);
    assert_string_equal(json_string_value(json_object_get(result, "u")), "X");
    assert_string_equal(json_string_value(json_object_get(result, "m")), "Y");
    assert_int_equal(json_integer_value(json_object_get(result, "f")), 2);
    assert_string_equal(json_string_value(json_object_get(result, "d")),
                        "2024-02-29");
    assert_string_equal(json_string_value(json_object_get(result, "shared")),
                        "nil");
    json_decref(result);
}


/* A call cannot leave a global behind for the next call in the state. */
static void
test_calls_cannot_set_globals(void **state)
{
    tw_test_fixture_t *f = *state;
    json_t *result;

    assert_int_equal(tw_test_load(f, "count",
                                  "calls = 0\n"
                                  "function rule()\n"
                                  "  calls = calls + 1\n"
                                  "  return {calls = calls}\n"
                                  "end\n"),
                     TW_OK);
    assert_int_equal(tw_test_call(f, "count", "{}", &result, NULL),
                     TW_ERR_INVALID);
    assert_non_null(strstr(f->err, "cannot set the global 'calls'"));

    assert_int_equal(tw_test_load(f, "read",
                                  "RATE = 2\n"
                                  "function rule()\n"
                                  "  return {rate = RATE}\n"
                                  "end\n"),
                     TW_OK);
    assert_int_equal(tw_test_call(f, "read", "{}", &result, NULL), TW_OK);
    assert_int_equal(json_integer_value(json_object_get(result, "rate")), 2);
    json_decref(result);
}


/* string.find takes its text literally: no pattern can backtrack. */
static void
test_find_is_literal(void **state)
{
    tw_test_fixture_t *f = *state;
    json_t *result;

    assert_int_equal(tw_test_load(f, "find",
                                  "function rule()\n"
                                  "  local i, j = string.find('a.b.c', '.c')\n"
                                  "  return {i = i, j = j,\n"
                                  "          again = ('a.b.c'):find('.', 3),\n"
                                  "          none = string.find('abc', '%a')"
                                  " == nil}\n"
                                  "end\n"),
                     TW_OK);
    assert_int_equal(tw_test_call(f, "find", "{}", &result, NULL), TW_OK);
    assert_int_equal(json_integer_value(json_object_get(result, "i")), 4);
    assert_int_equal(json_integer_value(json_object_get(result, "j")), 5);
    assert_int_equal(json_integer_value(json_object_get(result, "again")), 4);
    assert_true(json_is_true(json_object_get(result, "none")));
    json_decref(result);
}


static void
test_import(void **state)
{
    tw_test_fixture_t *f = *state;
    json_t *result;

    assert_int_equal(tw_test_load(f, "a",
                                  "local util = import('util')\n"
                                  "util.double = nil\n"
                                  "function rule() return {} end\n"),
                     TW_OK);
    assert_int_equal(tw_test_load(f, "b",
                                  "local util = import('util')\n"
                                  "function rule(input)\n"
                                  "  return {v = util.double(input.n),\n"
                                  "          again = import('util')"
                                  ".double(1)}\n"
                                  "end\n"),
                     TW_OK);
    assert_int_equal(tw_test_call(f, "b", "{\"n\": 21}", &result, NULL),
                     TW_OK);
    assert_int_equal(json_integer_value(json_object_get(result, "v")), 42);
    assert_int_equal(json_integer_value(json_object_get(result, "again")), 2);
    json_decref(result);

    /* Run once per state: three imports, one read. */
    assert_int_equal(f->imports, 1);
}


static void
test_import_failures(void **state)
{
    tw_test_fixture_t *f = *state;

    tw_test_fails(f, "import('cycle_a')\nfunction rule() return {} end",
                  "lib/cycle_b.lua:1: import cycle: cycle_a -> cycle_b -> "
                  "cycle_a");
    tw_test_fails(f, "\nimport('nope')\nfunction rule() return {} end",
                  "test.lua:2: import: no module 'nope'");
    tw_test_fails(f, "import('../etc/passwd')\nfunction rule() end",
                  "bad module name");
    tw_test_fails(f, "import('broken')\nfunction rule() end",
                  "lib/broken.lua:2:");
    tw_test_fails(f, "import('failing')\nfunction rule() end",
                  "lib/failing.lua:2: module failed");

    /* A failed module is not kept: it is read again. */
    f->imports = 0;
    tw_test_fails(f, "import('failing')\nfunction rule() return 1 end",
                  "module failed");
    assert_int_equal(f->imports, 1);
}


static void
test_import_without_importer(void **state)
{
    tw_lua_limits_t limits = {1000000, 32 * 1024 * 1024};
    tw_lua_t *lua = tw_lua_new(&limits, NULL, NULL);
    const char *source = "import('util')\nfunction rule() return {} end";
    char err[256];

    (void)state;
    assert_non_null(lua);
    assert_int_equal(tw_lua_load(lua, "k", "x.lua", source, strlen(source),
                                 err, sizeof(err)),
                     TW_ERR_INVALID);
    assert_string_equal(err, "x.lua:1: import: no module 'util'");
    tw_lua_free(lua);
}


static void
test_error_values_of_any_type(void **state)
{
    tw_test_fixture_t *f = *state;

    tw_test_fails(f, "function rule()\n  error('plain')\nend",
                  "test.lua:2: plain");
    tw_test_fails(f, "function rule()\n\n  error({code = 1})\nend",
                  "test.lua:3: rule raised an error value of type table");
    tw_test_fails(f, "function rule() error(nil) end",
                  "test.lua:1: rule raised an error value of type nil");
    tw_test_fails(f, "function rule() error(true) end",
                  "rule raised an error value of type boolean");
    tw_test_fails(f, "function rule() error(42) end", "test.lua:1: 42");
    tw_test_fails(f, "function rule() return nil + 1 end",
                  "test.lua:1: attempt to perform arithmetic on a nil");

    /* __tostring of the value is never called (it would never end). */
    tw_test_fails(f,
                  "function rule()\n"
                  "  local mt = {__tostring = function()\n"
                  "    while true do end\n"
                  "  end}\n"
                  "  error(setmetatable({}, mt))\n"
                  "end\n",
                  "test.lua:5: rule raised an error value of type table");
    assert_false(tw_lua_spent(f->lua));
}


static void
test_pcall_catches_ordinary_errors(void **state)
{
    tw_test_fixture_t *f = *state;

    assert_string_equal(tw_test_expr(f, "select(2, pcall(error, 'x', 0))"),
                        "x");
    assert_string_equal(tw_test_expr(f, "select('#', pcall(function() "
                                        "return 1, 2 end))"),
                        "3");
    assert_string_equal(tw_test_expr(f, "select(2, xpcall(error, "
                                        "function(m) return 'h:' .. m end, "
                                        "'y', 0))"),
                        "h:y");
    assert_string_equal(tw_test_expr(f, "select(3, xpcall(function(a, b) "
                                        "return a, b end, type, 5, 6))"),
                        "6");
}


static void
test_bad_results(void **state)
{
    tw_test_fixture_t *f = *state;

    tw_test_fails(f, "function rule() return 42 end",
                  "test.lua: rule returned number, expected a table");
    tw_test_fails(f, "function rule() end",
                  "test.lua: rule returned nil, expected a table");
    tw_test_fails(f, "function rule() return {1, 2} end",
                  "test.lua: rule returned a list");
    tw_test_fails(f, "rule = 5", "test.lua: the script defines no function "
                                 "rule");
    tw_test_fails(f, "local function rule() return {} end",
                  "defines no function rule");
    tw_test_fails(f, "function rule()\n  return {\nend",
                  "test.lua:3: unexpected symbol");
    assert_int_equal(tw_lua_check("c.lua", "x = = 1", 7, f->err,
                                  sizeof(f->err)),
                     TW_ERR_INVALID);
    assert_non_null(strstr(f->err, "c.lua:1:"));
    assert_int_equal(tw_lua_check("c.lua", "x = 1", 5, f->err,
                                  sizeof(f->err)),
                     TW_OK);
}


static void
test_breakdown(void **state)
{
    tw_test_fixture_t *f = *state;
    json_t *result, *breakdown, *expected;

    assert_int_equal(tw_test_run(f,
                                 "function rule()\n"
                                 "  return {}, {'a reason',\n"
                                 "    {label = 'base', amount_fen = 5}}\n"
                                 "end\n",
                                 "{}", &result, &breakdown),
                     TW_OK);
    expected = json_pack("[s{sssi}]", "a reason", "label", "base",
                         "amount_fen", 5);
    assert_true(json_equal(breakdown, expected));
    assert_true(json_is_object(result) && json_object_size(result) == 0);
    json_decref(expected);
    json_decref(breakdown);
    json_decref(result);

    assert_int_equal(tw_test_run(f, "function rule() return {} end", "{}",
                                 &result, &breakdown),
                     TW_OK);
    assert_true(json_is_array(breakdown) && json_array_size(breakdown) == 0);
    json_decref(breakdown);
    json_decref(result);

    tw_test_fails(f, "function rule() return {}, {'x', 5} end",
                  "breakdown item 2 must be a string or a table");
    tw_test_fails(f,
                  "function rule()\n"
                  "  return {}, {{label = 'x', amount_fen = 1.5}}\n"
                  "end\n",
                  "breakdown item 1: amount_fen must be an integer");
    tw_test_fails(f, "function rule() return {}, {{amount_fen = 1}} end",
                  "breakdown item 1: label must be a string");
    tw_test_fails(f,
                  "function rule()\n"
                  "  return {}, {'a', {label = 'x', amount_fen = 1, y = 2}}\n"
                  "end\n",
                  "breakdown item 2: only label and amount_fen");
    tw_test_fails(f, "function rule() return {}, 'x' end",
                  "the breakdown is string, expected a list");
    tw_test_fails(f, "function rule() return {}, {a = 1} end",
                  "the breakdown must be a list");
}


static void
test_json_round_trip(void **state)
{
    tw_test_fixture_t *f = *state;
    const char *input = "{\"big\": 9007199254740993, \"neg\": "
                        "-9223372036854775808, \"f\": 1.5, \"s\": "
                        "\"\xe5\xb9\xbf\xe5\xb7\x9e\", \"yes\": true, "
                        "\"nested\": {\"a\": [1, 2, {\"b\": false}], "
                        "\"e\": []}}";
    json_t *result, *expected = json_loads(input, 0, NULL);

    assert_int_equal(tw_test_run(f,
                                 "function rule(input)\n"
                                 "  assert(math.type(input.big) == "
                                 "'integer')\n"
                                 "  assert(math.type(input.f) == 'float')\n"
                                 "  return input\n"
                                 "end\n",
                                 input, &result, NULL),
                     TW_OK);
    assert_true(json_equal(result, expected));
    assert_true(json_is_integer(json_object_get(result, "big")));
    assert_int_equal(json_integer_value(json_object_get(result, "big")),
                     9007199254740993LL);
    assert_true(json_is_real(json_object_get(result, "f")));
    json_decref(result);
    json_decref(expected);

    /* null is nil in Lua, so the member is simply absent. */
    assert_int_equal(tw_test_run(f, "function rule(i) return {n = i.n == nil,"
                                    " c = #i.list} end",
                                 "{\"n\": null, \"list\": [1, 2, 3]}", &result,
                                 NULL),
                     TW_OK);
    assert_true(json_is_true(json_object_get(result, "n")));
    assert_int_equal(json_integer_value(json_object_get(result, "c")), 3);
    json_decref(result);
}


static void
test_json_refusals(void **state)
{
    tw_test_fixture_t *f = *state;

    tw_test_fails(f, "function rule() return {x = {[1] = 1, [3] = 3}} end",
                  "result.x: key");
    tw_test_fails(f, "function rule() return {[true] = 1} end",
                  "result: key of type boolean");
    tw_test_fails(f, "function rule() return {x = {1, 2, y = 3}} end",
                  "result.x: key");
    tw_test_fails(f, "function rule() return {x = {type}} end",
                  "result.x[1]: a function has no JSON form");
    tw_test_fails(f, "function rule() return {x = 0/0} end",
                  "result.x: nan is not a finite number");
    tw_test_fails(f, "function rule() return {x = '\\xff'} end",
                  "result.x: string is not valid UTF-8");
    tw_test_fails(f,
                  "function rule()\n"
                  "  local t = {}\n"
                  "  t.self = {t}\n"
                  "  return {t = t}\n"
                  "end\n",
                  "result.t.self[1]: table contains itself");
}


/* A rule returning tables nested `depth` deep (the result counts). */
static void
tw_test_nested(tw_test_fixture_t *f, int depth, tw_rc_t expected)
{
    char source[256];

    snprintf(source, sizeof(source),
             "function rule()\n"
             "  local t = {}\n"
             "  for i = 2, %d do t = {t = t} end\n"
             "  return t\n"
             "end\n",
             depth);
    assert_int_equal(tw_test_run(f, source, "{}", NULL, NULL), expected);
}


static void
test_json_nesting_limit(void **state)
{
    tw_test_fixture_t *f = *state;

    char input[256] = "";
    int i;

    tw_test_nested(f, 32, TW_OK);
    tw_test_nested(f, 33, TW_ERR_INVALID);
    assert_non_null(strstr(f->err, "result.t.t.t"));
    assert_non_null(strstr(f->err, "tables nested deeper than 32"));

    /* The input: {"a": {"a": ... {}}}, 33 objects deep. */
    for (i = 0; i < 32; i++)
        strcat(input, "{\"a\": ");
    strcat(input, "{}");
    for (i = 0; i < 32; i++)
        strcat(input, "}");
    assert_int_equal(tw_test_run(f, "function rule() return {} end", input,
                                 NULL, NULL),
                     TW_ERR_INVALID);
    assert_non_null(strstr(f->err, "input nested deeper than 32"));
}


static void
test_has_and_forget(void **state)
{
    tw_test_fixture_t *f = *state;
    const char *const keep[] = {"k1"};
    const char *rule = "function rule() return {} end";

    assert_false(tw_lua_has(f->lua, "k1"));
    assert_int_equal(tw_test_load(f, "k1", rule), TW_OK);
    assert_int_equal(tw_test_load(f, "k2", rule), TW_OK);
    assert_true(tw_lua_has(f->lua, "k1"));
    assert_true(tw_lua_has(f->lua, "k2"));

    tw_lua_forget_others(f->lua, keep, 1);
    assert_true(tw_lua_has(f->lua, "k1"));
    assert_false(tw_lua_has(f->lua, "k2"));
    assert_int_equal(tw_test_call(f, "k1", "{}", NULL, NULL), TW_OK);
    assert_int_equal(tw_test_call(f, "k2", "{}", NULL, NULL),
                     TW_ERR_NOT_FOUND);

    tw_lua_forget_others(f->lua, NULL, 0);
    assert_false(tw_lua_has(f->lua, "k1"));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_forbidden_names_are_nil,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_allowed_names_are_there,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_setmetatable_refuses_gc,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_string_metatable_is_protected,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_binary_chunk_refused,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_scripts_cannot_touch_each_other,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_calls_cannot_set_globals,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_find_is_literal, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_import, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_import_failures, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test(test_import_without_importer),
        cmocka_unit_test_setup_teardown(test_error_values_of_any_type,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_pcall_catches_ordinary_errors,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_bad_results, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_breakdown, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_json_round_trip, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_json_refusals, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_json_nesting_limit,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_has_and_forget, tw_test_setup,
                                        tw_test_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
