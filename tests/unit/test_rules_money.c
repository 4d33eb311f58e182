/*
 * test_rules_money.c - the money and date words of the rule vocabulary:
 * every example of the analysts' vocabulary, negative amounts, exact
 * halves, percents with four decimals, refusals (floats as amounts, too
 * many decimals, overflow), tiers at their bracket edges, and calendar
 * arithmetic across leap years.
 *
 * Each check evaluates one Lua expression in a rule on a shared state.
 * No database.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rules_lua.h"

/* The bracket table of the vocabulary's example. */
#define TW_TEST_BRACKETS "{{upto = yuan(150000), percent = 2}, {percent = 3}}"

static tw_lua_t *tw_test_lua;
static char tw_test_err[512];


static int
tw_test_setup(void **state)
{
    tw_lua_limits_t limits = {1000000, 32 * 1024 * 1024};

    (void)state;
    tw_test_lua = tw_lua_new(&limits, NULL, NULL);
    return tw_test_lua != NULL ? 0 : -1;
}


static int
tw_test_teardown(void **state)
{
    (void)state;
    tw_lua_free(tw_test_lua);
    return 0;
}


/* Evaluates `expr` in a rule; returns its value (new reference) or NULL
 * with the message in tw_test_err.  The script is forgotten after. */
static json_t *
tw_test_eval(const char *expr)
{
    char source[1024];
    json_t *input = json_object(), *result = NULL, *breakdown = NULL, *v;
    tw_rc_t rc;

    snprintf(source, sizeof(source),
             "function rule(input)\n  return {v = %s}\nend\n", expr);
    rc = tw_lua_load(tw_test_lua, "k", "money.lua", source, strlen(source),
                     tw_test_err, sizeof(tw_test_err));
    if (rc == TW_OK)
        rc = tw_lua_call(tw_test_lua, "k", input, &result, &breakdown,
                         tw_test_err, sizeof(tw_test_err));
    assert_false(tw_lua_spent(tw_test_lua));
    tw_lua_forget_others(tw_test_lua, NULL, 0);

    v = rc == TW_OK ? json_incref(json_object_get(result, "v")) : NULL;
    json_decref(result);
    json_decref(breakdown);
    json_decref(input);
    return v;
}


static void
tw_test_int(const char *expr, long long expected)
{
    json_t *v = tw_test_eval(expr);

    if (v == NULL)
        fail_msg("%s failed: %s", expr, tw_test_err);
    if (!json_is_integer(v) || json_integer_value(v) != expected)
        fail_msg("%s is not the integer %lld", expr, expected);
    json_decref(v);
}


static void
tw_test_str(const char *expr, const char *expected)
{
    json_t *v = tw_test_eval(expr);

    if (v == NULL)
        fail_msg("%s failed: %s", expr, tw_test_err);
    if (!json_is_string(v) || strcmp(json_string_value(v), expected) != 0)
        fail_msg("%s is not \"%s\"", expr, expected);
    json_decref(v);
}


static void
tw_test_bool(const char *expr, bool expected)
{
    json_t *v = tw_test_eval(expr);

    if (v == NULL)
        fail_msg("%s failed: %s", expr, tw_test_err);
    if (!json_is_boolean(v) || json_is_true(v) != expected)
        fail_msg("%s is not %s", expr, expected ? "true" : "false");
    json_decref(v);
}


/* Asserts that `expr` raises an error containing `text`, at its line. */
static void
tw_test_error(const char *expr, const char *text)
{
    json_t *v = tw_test_eval(expr);

    if (v != NULL)
        fail_msg("%s did not fail", expr);
    if (strstr(tw_test_err, text) == NULL ||
        strncmp(tw_test_err, "money.lua:2: ", 13) != 0)
        fail_msg("%s: error \"%s\" lacks \"%s\"", expr, tw_test_err, text);
}


static void
test_yuan(void **state)
{
    (void)state;
    tw_test_int("yuan(150000)", 15000000);
    tw_test_int("yuan('12.34')", 1234);
    tw_test_int("yuan(12.34)", 1234);
    tw_test_int("yuan('-0.05')", -5);
    tw_test_int("yuan(-0.05)", -5);
    tw_test_int("yuan('7')", 700);
    tw_test_int("yuan('7.5')", 750);
    tw_test_int("yuan(2.0)", 200);
    tw_test_int("yuan(0)", 0);

    tw_test_error("yuan(1.005)", "yuan: 1.005 has more than 2 decimals");
    tw_test_error("yuan('12.345')", "yuan: '12.345' has too many decimals");
    tw_test_error("yuan('1,5')", "yuan: '1,5' is not a decimal number");
    tw_test_error("yuan('12.')", "is not a decimal number");
    tw_test_error("yuan('.5')", "is not a decimal number");
    tw_test_error("yuan('')", "is not a decimal number");
    tw_test_error("yuan(nil)", "yuan: expected a number, got nil");
    tw_test_error("yuan(1/0)", "yuan: amount out of range");
    tw_test_error("yuan(2^62)", "yuan: amount out of range");
    tw_test_error("yuan(math.maxinteger // 10)", "yuan: amount out of range");
    tw_test_error("yuan('99999999999999999999')", "yuan: amount out of range");
}


static void
test_fen_to_yuan(void **state)
{
    (void)state;
    tw_test_str("fen_to_yuan(123456)", "1234.56");
    tw_test_str("fen_to_yuan(-5)", "-0.05");
    tw_test_str("fen_to_yuan(0)", "0.00");
    tw_test_str("fen_to_yuan(100)", "1.00");
    tw_test_str("fen_to_yuan(-123450)", "-1234.50");
    tw_test_str("fen_to_yuan(math.mininteger)", "-92233720368547758.08");
    tw_test_error("fen_to_yuan(1.5)", "fen_to_yuan: amount must be an "
                                      "integer number of fen, got 1.5");
    tw_test_error("fen_to_yuan('100')", "amount must be an integer number "
                                        "of fen, got string");
}


static void
test_percent(void **state)
{
    (void)state;
    tw_test_int("percent(12345, 2)", 247);  /* 246.9 */
    tw_test_int("percent(250, 1)", 3);      /* 2.5 */
    tw_test_int("percent(-250, 1)", -3);    /* -2.5 */
    tw_test_int("percent(100, 2.5)", 3);    /* 2.5 */
    tw_test_int("percent(-100, 2.5)", -3);  /* -2.5 */
    tw_test_int("percent(50, 1)", 1);       /* 0.5 */
    tw_test_int("percent(-50, 1)", -1);     /* -0.5 */
    tw_test_int("percent(149, 1)", 1);      /* 1.49 */
    tw_test_int("percent(-149, 1)", -1);    /* -1.49 */
    tw_test_int("percent(10000, 1.2345)", 123);    /* 123.45 */
    tw_test_int("percent(1000000, 1.2345)", 12345); /* exact */
    tw_test_int("percent(10000, 0.0005)", 0);       /* 0.05 */
    tw_test_int("percent(1000000, 0.0005)", 5);
    tw_test_int("percent(10000, 100)", 10000);
    tw_test_int("percent(10000, -5)", -500);
    tw_test_int("percent(0, 7)", 0);
    tw_test_int("percent(math.maxinteger, 100)", 9223372036854775807LL);

    tw_test_error("percent(100000, 1.23456)",
                  "percent: 1.23456 has more than 4 decimals");
    tw_test_error("percent(1.5, 2)", "percent: amount must be an integer "
                                     "number of fen");
    tw_test_error("percent(100.0, 2)", "amount must be an integer number");
    tw_test_error("percent(math.maxinteger, 200)",
                  "percent: amount out of range");
    tw_test_error("percent(100, nil)", "percent: expected a number, got nil");
}


static void
test_tiers(void **state)
{
    (void)state;
    tw_test_int("tiers(yuan(200000), " TW_TEST_BRACKETS ")", 450000);
    tw_test_int("tiers(yuan(200000), " TW_TEST_BRACKETS ")",
                15000000 * 2 / 100 + 5000000 * 3 / 100);

    /* At the edge all is in the first bracket; one fen above, the 3%
     * part is 0.03 fen, 50 fen above it is 1.5 fen. */
    tw_test_int("tiers(yuan(150000), " TW_TEST_BRACKETS ")", 300000);
    tw_test_int("tiers(yuan(150000) - 1, " TW_TEST_BRACKETS ")", 300000);
    tw_test_int("tiers(yuan(150000) + 1, " TW_TEST_BRACKETS ")", 300000);
    tw_test_int("tiers(yuan(150000) + 50, " TW_TEST_BRACKETS ")", 300002);
    tw_test_int("tiers(0, " TW_TEST_BRACKETS ")", 0);
    tw_test_int("tiers(100, {{percent = 2.5}})", 3);
    tw_test_int("tiers(1000000000000, {{percent = 1}})", 10000000000LL);
    tw_test_int("tiers(math.maxinteger, {{percent = 100}})",
                9223372036854775807LL);

    /* Three parts of 0.5 fen each: rounded once it is 2, not 3. */
    tw_test_int("tiers(300, {{upto = 100, percent = 0.5},"
                " {upto = 200, percent = 0.5}, {percent = 0.5}})",
                2);

    tw_test_error("tiers(-1, " TW_TEST_BRACKETS ")",
                  "tiers: amount must not be negative");
    tw_test_error("tiers(1.5, " TW_TEST_BRACKETS ")",
                  "tiers: amount must be an integer number of fen");
    tw_test_error("tiers(100, {})", "tiers: no brackets");
    tw_test_error("tiers(100, {{upto = 200, percent = 2}, {upto = 100, "
                  "percent = 3}, {percent = 4}})",
                  "tiers: bracket 2: upto must be above 200");
    tw_test_error("tiers(100, {{upto = 200, percent = 2}, {upto = 300, "
                  "percent = 3}})",
                  "tiers: the last bracket must have no upto");
    tw_test_error("tiers(100, {{percent = 2}, {percent = 3}})",
                  "tiers: bracket 1 needs upto, an integer in fen");
    tw_test_error("tiers(100, {{upto = 50}, {percent = 3}})",
                  "tiers: bracket 1 has no percent");
    tw_test_error("tiers(100, {5})", "tiers: bracket 1 is not a table");
    tw_test_error("tiers(100, {{percent = 1.00001}})",
                  "tiers: 1.00001 has more than 4 decimals");
}


static void
test_round_div(void **state)
{
    (void)state;
    tw_test_int("round_div(7, 2)", 4);
    tw_test_int("round_div(-7, 2)", -4);
    tw_test_int("round_div(7, -2)", -4);
    tw_test_int("round_div(-7, -2)", 4);
    tw_test_int("round_div(5, 3)", 2);
    tw_test_int("round_div(4, 3)", 1);
    tw_test_int("round_div(-4, 3)", -1);
    tw_test_int("round_div(6, 3)", 2);
    tw_test_int("round_div(math.maxinteger, 1)", 9223372036854775807LL);

    tw_test_error("round_div(1, 0)", "round_div: division by zero");
    tw_test_error("round_div(7.0, 2)", "round_div: arguments must be "
                                       "integers, got 7.0");
    tw_test_error("round_div(math.mininteger, -1)",
                  "round_div: amount out of range");
}


static void
test_date_validity(void **state)
{
    (void)state;
    tw_test_bool("date.valid('2024-02-29')", true);
    tw_test_bool("date.valid('2023-02-29')", false);
    tw_test_bool("date.valid('2000-02-29')", true);
    tw_test_bool("date.valid('1900-02-29')", false);
    tw_test_bool("date.valid('2023-12-31')", true);
    tw_test_bool("date.valid('2023-04-31')", false);
    tw_test_bool("date.valid('2023-13-01')", false);
    tw_test_bool("date.valid('2023-00-10')", false);
    tw_test_bool("date.valid('2023-1-01')", false);
    tw_test_bool("date.valid('2023-01-01 ')", false);
    tw_test_bool("date.valid('0000-01-01')", false);
    tw_test_bool("date.valid(20240229)", false);
    tw_test_bool("date.valid(nil)", false);

    tw_test_error("date.weekday('2023-02-29')",
                  "date.weekday: '2023-02-29' is not a valid date");
    tw_test_error("date.year(20240101)",
                  "date.year: expected a date string, got number");
}


static void
test_date_parts(void **state)
{
    (void)state;
    tw_test_int("date.year('2024-05-06')", 2024);
    tw_test_str("date.month('2024-05-06')", "2024-05");
    tw_test_int("date.day('2024-05-06')", 6);
    tw_test_str("date.month('0987-11-30')", "0987-11");

    tw_test_int("date.weekday('2026-12-03')", 4); /* a Thursday */
    tw_test_int("date.weekday('1970-01-01')", 4);
    tw_test_int("date.weekday('2024-01-01')", 1);
    tw_test_int("date.weekday('2023-12-31')", 7);
    tw_test_int("date.weekday('2024-02-29')", 4);
    tw_test_int("date.weekday('1969-12-31')", 3);
    tw_test_int("date.weekday('0001-01-01')", 1);
}


static void
test_date_arithmetic(void **state)
{
    (void)state;
    tw_test_int("date.days_between('2023-12-31', '2024-01-01')", 1);
    tw_test_int("date.days_between('2024-01-01', '2025-01-01')", 366);
    tw_test_int("date.days_between('2023-01-01', '2024-01-01')", 365);
    tw_test_int("date.days_between('2025-01-01', '2024-01-01')", -366);
    tw_test_int("date.days_between('2024-03-01', '2024-03-01')", 0);
    tw_test_int("date.days_between('1970-01-01', '2026-12-03')", 20790);
    tw_test_int("date.days_between('0001-01-01', '9999-12-31')", 3652058);

    tw_test_str("date.add_days('2024-03-01', -1)", "2024-02-29");
    tw_test_str("date.add_days('2023-03-01', -1)", "2023-02-28");
    tw_test_str("date.add_days('2024-12-31', 1)", "2025-01-01");
    tw_test_str("date.add_days('2024-01-01', 366)", "2025-01-01");
    tw_test_str("date.add_days('2026-12-03', -20790)", "1970-01-01");
    tw_test_str("date.add_days('2026-12-03', 0)", "2026-12-03");

    tw_test_error("date.add_days('0001-01-01', -1)",
                  "date.add_days: the result is outside years 1 to 9999");
    tw_test_error("date.add_days('2024-01-01', math.maxinteger)",
                  "outside years 1 to 9999");
    tw_test_error("date.add_days('2024-01-01', 1.5)",
                  "date.add_days: days must be an integer");
    tw_test_error("date.days_between('2024-01-01', '2024-1-1')",
                  "date.days_between: '2024-1-1' is not a valid date");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yuan),
        cmocka_unit_test(test_fen_to_yuan),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_round_div),
        cmocka_unit_test(test_date_validity),
        cmocka_unit_test(test_date_parts),
        cmocka_unit_test(test_date_arithmetic),
    };

    return cmocka_run_group_tests(tests, tw_test_setup, tw_test_teardown);
}
