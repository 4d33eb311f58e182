/*
 * test_rules_limits.c - runaway rules are stopped by the instruction
 * budget or the memory cap, pcall inside the rule cannot swallow either,
 * the state then reports itself spent, and other states (an older one and
 * a new one) still evaluate a normal rule.
 *
 * The small state has a budget of 100000 instructions and 8 MiB; the
 * memory cases run with a large budget so that memory, not the budget,
 * is what stops them.  No database.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules_lua.h"

#define TW_TEST_BUDGET 100000
#define TW_TEST_MEMORY (8 * 1024 * 1024)

static const char tw_test_normal_rule[] =
    "function rule(input)\n"
    "  return {amount_fen = percent(input.sellout_fen, 2)}\n"
    "end\n";

static const char tw_test_budget_error[] =
    "instruction budget of 100000 exceeded";

static const char tw_test_memory_error[] = "memory limit of 8 MiB exceeded";


static tw_lua_t *
tw_test_new(long long budget)
{
    tw_lua_limits_t limits = {budget, TW_TEST_MEMORY};
    tw_lua_t *lua = tw_lua_new(&limits, NULL, NULL);

    assert_non_null(lua);
    return lua;
}


/* Asserts that the normal rule gives 2% of 12345 fen on `lua`. */
static void
tw_test_normal(tw_lua_t *lua)
{
    json_t *input = json_pack("{sI}", "sellout_fen", (json_int_t)12345);
    json_t *result, *breakdown;
    char err[256];

    if (!tw_lua_has(lua, "normal"))
        assert_int_equal(tw_lua_load(lua, "normal", "normal.lua",
                                     tw_test_normal_rule,
                                     strlen(tw_test_normal_rule), err,
                                     sizeof(err)),
                         TW_OK);
    assert_int_equal(tw_lua_call(lua, "normal", input, &result, &breakdown,
                                 err, sizeof(err)),
                     TW_OK);
    assert_int_equal(json_integer_value(json_object_get(result,
                                                        "amount_fen")),
                     247);
    json_decref(result);
    json_decref(breakdown);
    json_decref(input);
}


/* Runs `source` (its runaway part in rule()) on a new state with
 * `budget`, expects it stopped with `message` and the state spent, and
 * then checks that an older state and a new one still work. */
static void
tw_test_stopped(const char *source, long long budget, const char *message)
{
    tw_lua_t *older = tw_test_new(TW_TEST_BUDGET), *lua, *fresh;
    json_t *input = json_object(), *result, *breakdown;
    char err[256];

    tw_test_normal(older);
    lua = tw_test_new(budget);
    assert_int_equal(tw_lua_load(lua, "k", "runaway.lua", source,
                                 strlen(source), err, sizeof(err)),
                     TW_OK);
    assert_false(tw_lua_spent(lua));

    assert_int_equal(tw_lua_call(lua, "k", input, &result, &breakdown, err,
                                 sizeof(err)),
                     TW_ERR_INVALID);
    if (strstr(err, message) == NULL || strstr(err, "runaway.lua") == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, message);
    assert_null(result);
    assert_null(breakdown);
    assert_true(tw_lua_spent(lua));
    assert_int_equal(tw_lua_call(lua, "k", input, &result, &breakdown, err,
                                 sizeof(err)),
                     TW_ERR_STATE);
    tw_lua_free(lua);

    fresh = tw_test_new(TW_TEST_BUDGET);
    tw_test_normal(fresh);
    tw_test_normal(older);
    tw_lua_free(fresh);
    tw_lua_free(older);
    json_decref(input);
}


static void
test_endless_loop(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n  while true do end\nend\n",
                    TW_TEST_BUDGET,
                    "runaway.lua:2: instruction budget of 100000 exceeded");
}


static void
test_pcall_cannot_swallow_the_budget(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n"
                    "  while true do\n"
                    "    pcall(function() while true do end end)\n"
                    "  end\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);
    tw_test_stopped("function rule()\n"
                    "  local ok = pcall(function() while true do end end)\n"
                    "  return {ok = ok}\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);
}


static void
test_xpcall_cannot_swallow_the_budget(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n"
                    "  local ok = xpcall(function() while true do end end,\n"
                    "                    function(m) return m end)\n"
                    "  return {ok = ok}\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);

    /* A handler that loops itself is stopped too. */
    tw_test_stopped("function rule()\n"
                    "  xpcall(error, function() while true do end end)\n"
                    "  return {}\n"
                    "end\n",
                    TW_TEST_BUDGET, "runaway.lua");
}


static void
test_close_cannot_run_on(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n"
                    "  local mt = {__close = function() while true do end"
                    " end}\n"
                    "  local guard <close> = setmetatable({}, mt)\n"
                    "  while true do end\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);
}


static void
test_runaway_recursion(void **state)
{
    (void)state;
    tw_test_stopped("local function f() return 1 + f() end\n"
                    "function rule() return {v = f()} end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);
}


static void
test_endless_tail_calls(void **state)
{
    (void)state;
    tw_test_stopped("local function f(n) return f(n + 1) end\n"
                    "function rule() return f(1) end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);
}


static void
test_gigantic_string(void **state)
{
    tw_lua_t *lua = tw_test_new(TW_TEST_BUDGET);
    const char *source = "function rule()\n"
                         "  return {s = string.rep('x', 2^31)}\n"
                         "end\n";
    json_t *input = json_object(), *result, *breakdown;
    char err[256];

    /* Lua 5.4 itself refuses 2 GiB strings before allocating... */
    (void)state;
    assert_int_equal(tw_lua_load(lua, "k", "big.lua", source, strlen(source),
                                 err, sizeof(err)),
                     TW_OK);
    assert_int_equal(tw_lua_call(lua, "k", input, &result, &breakdown, err,
                                 sizeof(err)),
                     TW_ERR_INVALID);
    assert_string_equal(err, "big.lua:2: resulting string too large");
    tw_lua_free(lua);
    json_decref(input);

    /* ...and a 1 GiB one is stopped by the memory cap. */
    tw_test_stopped("function rule()\n"
                    "  return {s = string.rep('x', 2^30)}\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_memory_error);
}


static void
test_pcall_cannot_swallow_memory(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n"
                    "  local ok = pcall(string.rep, 'x', 2^30)\n"
                    "  return {ok = ok}\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_memory_error);
    tw_test_stopped("function rule()\n"
                    "  local ok = xpcall(string.rep, type, 'x', 2^30)\n"
                    "  return {ok = ok}\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_memory_error);
}


static void
test_huge_table(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n"
                    "  local t = {}\n"
                    "  for i = 1, 10000000 do t[i] = i end\n"
                    "  return {n = #t}\n"
                    "end\n",
                    1000000000, tw_test_memory_error);

    /* With the small budget, the budget comes first. */
    tw_test_stopped("function rule()\n"
                    "  local t = {}\n"
                    "  for i = 1, 10000000 do t[i] = i end\n"
                    "  return {n = #t}\n"
                    "end\n",
                    TW_TEST_BUDGET, tw_test_budget_error);
}


static void
test_doubling_string(void **state)
{
    (void)state;
    tw_test_stopped("function rule()\n"
                    "  local s = 'x'\n"
                    "  while true do s = s .. s end\n"
                    "end\n",
                    1000000000, tw_test_memory_error);
}


static void
test_budget_is_per_call(void **state)
{
    const char *source = "function rule()\n"
                         "  local x = 0\n"
                         "  for i = 1, 15000 do x = x + i end\n"
                         "  return {x = x}\n"
                         "end\n";
    tw_lua_t *lua = tw_test_new(TW_TEST_BUDGET);
    json_t *input = json_object(), *result, *breakdown;
    char err[256];
    int i;

    (void)state;
    assert_int_equal(tw_lua_load(lua, "k", "k.lua", source, strlen(source),
                                 err, sizeof(err)),
                     TW_OK);

    /* Each call takes well over a third of the budget. */
    for (i = 0; i < 5; i++) {
        assert_int_equal(tw_lua_call(lua, "k", input, &result, &breakdown,
                                     err, sizeof(err)),
                         TW_OK);
        assert_int_equal(json_integer_value(json_object_get(result, "x")),
                         15000LL * 15001 / 2);
        json_decref(result);
        json_decref(breakdown);
    }
    assert_false(tw_lua_spent(lua));
    tw_lua_free(lua);
    json_decref(input);
}


static void
test_limits_apply_to_the_top_level(void **state)
{
    const char *source = "while true do end\nfunction rule() end\n";
    tw_lua_t *lua = tw_test_new(TW_TEST_BUDGET);
    char err[256];

    (void)state;
    assert_int_equal(tw_lua_load(lua, "k", "top.lua", source, strlen(source),
                                 err, sizeof(err)),
                     TW_ERR_INVALID);
    assert_string_equal(err, "top.lua:1: instruction budget of 100000 "
                             "exceeded");
    assert_true(tw_lua_spent(lua));
    assert_false(tw_lua_has(lua, "k"));
    tw_lua_free(lua);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endless_loop),
        cmocka_unit_test(test_pcall_cannot_swallow_the_budget),
        cmocka_unit_test(test_xpcall_cannot_swallow_the_budget),
        cmocka_unit_test(test_close_cannot_run_on),
        cmocka_unit_test(test_runaway_recursion),
        cmocka_unit_test(test_endless_tail_calls),
        cmocka_unit_test(test_gigantic_string),
        cmocka_unit_test(test_pcall_cannot_swallow_memory),
        cmocka_unit_test(test_huge_table),
        cmocka_unit_test(test_doubling_string),
        cmocka_unit_test(test_budget_is_per_call),
        cmocka_unit_test(test_limits_apply_to_the_top_level),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
