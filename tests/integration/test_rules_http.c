/*
 * test_rules_http.c - the rules engine inside a running server: GET
 * /api/v1/rules (the declared hooks, every script's hash and the broken
 * script's error; who may read it), edits picked up while serving, and
 * `tradewind rules run` against the database's branch tree.
 *
 * The server runs the test plugins "rule_hooks" (the three hooks) and
 * "good" (whose role "clerk" holds no rules permission), with [rules]
 * dir pointing at a folder this program writes: a default commission
 * rule, GD's own rule importing a library, SH's rule that does not
 * compile, and a script for a hook nobody declared.  The tests form one
 * scenario and run in order; the last stops the server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define TW_RH_PASSWORD "rules-password"

/* How long the watcher may take to see an edit (reload_ms is 100). */
#define TW_RH_WAIT_MS 3000

static const char tw_rh_default[] =
    "function rule(input)\n"
    "  local base = percent(input.sellout_fen, 2)\n"
    "  return {amount_fen = base}, {{label = \"2%\", amount_fen = base}}\n"
    "end\n";

static const char tw_rh_gd[] =
    "local bonus = import(\"bonus\")\n"
    "function rule(input)\n"
    "  local base = percent(input.sellout_fen, 3)\n"
    "  local extra = bonus.per_unit(input.units)\n"
    "  return {amount_fen = base + extra},\n"
    "    {{label = \"3%\", amount_fen = base}, \"unit bonus\"}\n"
    "end\n";

static const char tw_rh_bonus[] =
    "return {per_unit = function(units) return units * yuan(50) end}\n";

static const char tw_rh_broken[] =
    "function rule(input)\n  return {amount_fen =\nend\n";

static const char tw_rh_loyalty[] =
    "function rule(input)\n  return {points = 1}\nend\n";

typedef struct tw_rh {
    tw_test_db_t db;
    tw_test_server_t srv;
    char dir[64]; /* the rules folder */
    char extra[160];
    char *admin;
    char *analyst;
    char *clerk;
} tw_rh_t;


static void
tw_rh_write_scripts(tw_rh_t *rh)
{
    tw_test_save_file(rh->dir, "default/commission.lua", tw_rh_default);
    tw_test_save_file(rh->dir, "default/loyalty.lua", tw_rh_loyalty);
    tw_test_save_file(rh->dir, "lib/bonus.lua", tw_rh_bonus);
    tw_test_save_file(rh->dir, "branches/GD/commission.lua", tw_rh_gd);
    tw_test_save_file(rh->dir, "branches/SH/commission.lua", tw_rh_broken);
}


static int
tw_rh_setup(void **state)
{
    tw_rh_t *rh = calloc(1, sizeof *rh);
    tw_test_options_t opts = {.modules = "good = on\nrule_hooks = on\n"};

    assert_non_null(rh);
    *state = rh;
    assert_true(sodium_init() >= 0);
    snprintf(rh->dir, sizeof rh->dir, "/tmp/tw-rules-http.XXXXXX");
    assert_non_null(mkdtemp(rh->dir));
    tw_rh_write_scripts(rh);

    snprintf(rh->extra, sizeof rh->extra, "[rules]\ndir = %s\n"
             "reload_ms = 100\n", rh->dir);
    opts.extra = rh->extra;
    tw_test_serve(&rh->db, &rh->srv, &opts);
    rh->admin = tw_test_user(&rh->srv, "boss", TW_RH_PASSWORD, "HQ",
                             "admin");
    rh->analyst = tw_test_user(&rh->srv, "analyst", TW_RH_PASSWORD, "HQ",
                               "analyst");
    rh->clerk = tw_test_user(&rh->srv, "clerk", TW_RH_PASSWORD, "HQ",
                             "clerk");
    return 0;
}


static int
tw_rh_teardown(void **state)
{
    tw_rh_t *rh = *state;

    if (rh == NULL) {
        return 0;
    }
    tw_test_finish(&rh->db, &rh->srv);
    int rc = tw_test_remove_dir(rh->dir);
    free(rh->admin);
    free(rh->analyst);
    free(rh->clerk);
    free(rh);
    return rc;
}


/* The item of `array` whose `key` is the string `value`, or NULL. */
static json_t *
tw_rh_find(json_t *array, const char *key, const char *value)
{
    json_t *item;
    size_t i;

    json_array_foreach(array, i, item) {
        const char *text = json_string_value(json_object_get(item, key));

        if (text != NULL && strcmp(text, value) == 0) {
            return item;
        }
    }
    return NULL;
}


/* Asserts a script status: `path`, the hash of `text`, a load time and
 * no error. */
static void
tw_rh_expect_active(json_t *status, const char *path, const char *text)
{
    char hash[65];

    assert_non_null(status);
    tw_test_sha256_hex(text, hash);
    assert_string_equal(json_string_value(json_object_get(status, "path")),
                        path);
    assert_string_equal(json_string_value(json_object_get(status, "hash")),
                        hash);
    assert_true(json_is_string(json_object_get(status, "loaded_at")));
    assert_true(json_is_null(json_object_get(status, "error")));
}


/* The declared hook `name` of a GET /api/v1/rules body. */
static json_t *
tw_rh_hook(json_t *body, const char *name)
{
    json_t *hook = tw_rh_find(json_object_get(body, "hooks"), "name", name);

    assert_non_null(hook);
    return hook;
}


static void
tw_rh_listing(void **state)
{
    tw_rh_t *rh = *state;
    json_t *body = tw_test_call(&rh->srv, "GET", "/api/v1/rules", rh->admin,
                                NULL, NULL, 200);
    json_t *commission = tw_rh_hook(body, "commission");
    json_t *field = json_array_get(json_object_get(commission, "fields"), 0);
    json_t *branches = json_object_get(commission, "branches");

    assert_int_equal(json_array_size(json_object_get(body, "hooks")), 3);
    assert_string_equal(json_string_value(json_object_get(field, "name")),
                        "amount_fen");
    assert_string_equal(json_string_value(json_object_get(field, "type")),
                        "integer");
    assert_true(json_is_false(json_object_get(field, "optional")));
    assert_true(json_is_null(json_object_get(field, "choices")));
    tw_rh_expect_active(json_object_get(commission, "default"),
                        "default/commission.lua", tw_rh_default);

    assert_int_equal(json_array_size(branches), 2);
    tw_rh_expect_active(tw_rh_find(branches, "branch", "GD"),
                        "branches/GD/commission.lua", tw_rh_gd);
    json_t *sh = tw_rh_find(branches, "branch", "SH");
    json_t *error = json_object_get(sh, "error");
    assert_true(json_is_null(json_object_get(sh, "hash")));
    assert_non_null(strstr(json_string_value(json_object_get(error,
                                                             "message")),
                           "branches/SH/commission.lua:3: "));
    assert_true(json_is_string(json_object_get(error, "at")));

    json_t *review = tw_rh_hook(body, "order_review");
    assert_true(json_is_null(json_object_get(review, "default")));
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(review, "fields"), 0),
                         "choices")), 3);

    json_t *libraries = json_object_get(body, "libraries");
    assert_int_equal(json_array_size(libraries), 1);
    tw_rh_expect_active(json_array_get(libraries, 0), "lib/bonus.lua",
                        tw_rh_bonus);
    json_t *undeclared = json_object_get(body, "undeclared");
    assert_int_equal(json_array_size(undeclared), 1);
    tw_rh_expect_active(json_array_get(undeclared, 0), "default/loyalty.lua",
                        tw_rh_loyalty);
    json_decref(body);
}


static void
tw_rh_who_may_read(void **state)
{
    tw_rh_t *rh = *state;

    json_decref(tw_test_call(&rh->srv, "GET", "/api/v1/rules", rh->analyst,
                             NULL, NULL, 200));
    json_decref(tw_test_refusal(&rh->srv, "GET", "/api/v1/rules", rh->clerk,
                                NULL, 403, "forbidden"));
    json_decref(tw_test_refusal(&rh->srv, "GET", "/api/v1/rules", NULL, NULL,
                                401, "unauthenticated"));
}


/* Polls GET /api/v1/rules until the commission default has the hash of
 * `text` and SH's script no error; fails after TW_RH_WAIT_MS. */
static void
tw_rh_wait_for(const tw_rh_t *rh, const char *text)
{
    char hash[65];
    tw_test_response_t res;

    tw_test_sha256_hex(text, hash);
    for (int waited = 0; waited <= TW_RH_WAIT_MS; waited += 50) {
        assert_int_equal(tw_test_http(rh->srv.port, "GET", "/api/v1/rules",
                                      rh->admin, NULL, NULL, &res), 0);
        json_t *commission = tw_rh_hook(res.json, "commission");
        const char *now = json_string_value(json_object_get(
            json_object_get(commission, "default"), "hash"));
        json_t *sh = tw_rh_find(json_object_get(commission, "branches"),
                                "branch", "SH");
        bool done = now != NULL && strcmp(now, hash) == 0 &&
                    json_is_null(json_object_get(sh, "error"));

        tw_test_response_free(&res);
        if (done) {
            return;
        }
        usleep(50 * 1000);
    }
    fail_msg("the server did not pick up the edits within %d ms",
             TW_RH_WAIT_MS);
}


/* Edits take effect while the server runs: a new default, a repaired
 * SH script. */
static void
tw_rh_live_edit(void **state)
{
    static const char edited[] =
        "function rule(input)\n"
        "  return {amount_fen = percent(input.sellout_fen, 2) + 1}\n"
        "end\n";
    tw_rh_t *rh = *state;

    tw_test_save_file(rh->dir, "default/commission.lua", edited);
    tw_test_save_file(rh->dir, "branches/SH/commission.lua", tw_rh_default);
    tw_rh_wait_for(rh, edited);
}


/* Runs `tradewind rules run commission ...`; returns the output. */
static char *
tw_rh_run(const tw_rh_t *rh, const char *branch, const char *input,
          int expected)
{
    char *output = NULL;
    int status = tw_test_run(rh->srv.config_path, NULL, &output, "rules",
                             "run", "commission", "--branch", branch,
                             "--input", input, NULL);

    assert_non_null(output);
    if (status != expected) {
        fail_msg("rules run --branch %s: exit %d, expected %d:\n%s", branch,
                 status, expected, output);
    }
    return output;
}


static void
tw_rh_cli_run(void **state)
{
    tw_rh_t *rh = *state;
    char input[300];
    char expected[128];
    char hash[65];
    char *output = NULL;

    snprintf(input, sizeof input, "%s/input.json", rh->srv.dir);
    FILE *f = fopen(input, "w");
    assert_non_null(f);
    fputs("{\"sellout_fen\": 1000000, \"units\": 2}\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(tw_test_run(rh->srv.config_path, NULL, &output,
                                 "branch", "add", "GD", "--name",
                                 "广东分公司", "--parent", "HQ", NULL), 0);
    free(output);

    /* 3% of 10,000 yuan and 2 x 50 yuan, by GD's own script */
    output = tw_rh_run(rh, "GD", input, 0);
    tw_test_sha256_hex(tw_rh_gd, hash);
    snprintf(expected, sizeof expected, "\"hash\": \"%s\"", hash);
    assert_non_null(strstr(output, expected));
    assert_non_null(strstr(output, "\"script\": "
                           "\"branches/GD/commission.lua\""));
    assert_non_null(strstr(output, "\"amount_fen\": 40000"));
    assert_non_null(strstr(output, "\"unit bonus\""));
    free(output);

    output = tw_rh_run(rh, "HQ", input, 0);
    assert_non_null(strstr(output, "\"script\": \"default/commission.lua\""));
    assert_non_null(strstr(output, "\"amount_fen\": 20001"));
    free(output);

    output = tw_rh_run(rh, "NOPE", input, 1);
    assert_non_null(strstr(output, "no branch 'NOPE'"));
    free(output);
}


static void
tw_rh_stop(void **state)
{
    tw_rh_t *rh = *state;

    tw_test_stop(&rh->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_rh_listing),
        cmocka_unit_test(tw_rh_who_may_read),
        cmocka_unit_test(tw_rh_live_edit),
        cmocka_unit_test(tw_rh_cli_run),
        cmocka_unit_test(tw_rh_stop),
    };

    return cmocka_run_group_tests(tests, tw_rh_setup, tw_rh_teardown);
}
