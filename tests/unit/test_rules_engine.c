/*
 * test_rules_engine.c - the rules engine: hook declarations, resolution
 * up the branch tree, reloading edited, broken and deleted scripts and
 * libraries, the type check of results, the branch chain read from the
 * database (a scratch one, as in test_db), the instruction budget under
 * concurrent load, and many threads evaluating at once.
 *
 * Each test gets a fresh rules folder under /tmp, writes the scripts it
 * needs (plain Lua, so the engine is tested apart from the vocabulary)
 * and starts and stops the process-wide engine itself.  Scripts are
 * written to a temporary name and renamed, as an editor saving a file
 * atomically would, so a scan never reads half a file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "branch.h"
#include "harness.h"
#include "identity.h"
#include "migrate.h"
#include "pool.h"
#include "registry.h"
#include "rules_engine.h"
#include "rules_hooks.h"
#include "tradewind/log.h"
#include "tradewind/rules.h"

/* How long a test waits for the watcher to pick an edit up. */
#define TW_RT_WAIT_MS 1500

#define TW_RT_THREADS 8
#define TW_RT_CALLS 500

static char tw_rt_dir[64];

static const char *const tw_rt_decisions[] = {"approve", "refuse", NULL};

static const tw_rule_field_t tw_rt_commission_fields[] = {
    {"amount_fen", TW_RULE_INTEGER, false, NULL, "the commission"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_field_t tw_rt_typed_fields[] = {
    {"amount_fen", TW_RULE_INTEGER, false, NULL, "money"},
    {"decision", TW_RULE_STRING, false, tw_rt_decisions, "what to do"},
    {"paid", TW_RULE_BOOLEAN, true, NULL, "a switch"},
    {"lines", TW_RULE_TABLE, true, NULL, "a list"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_hook_t tw_rt_hooks[] = {
    {"commission", "a promoter's commission", "sellout_fen, units",
     tw_rt_commission_fields},
    {"typed", "every field type", "case", tw_rt_typed_fields},
};

/* A commission-like rule: 2% of the sell-out up to 150,000 yuan, 3%
 * above, rounded once half away from zero, plus 50 yuan per unit. */
static const char tw_rt_commission[] =
    "local CAP = 15000000\n"
    "function rule(input)\n"
    "  local s = input.sellout_fen\n"
    "  local low = s < CAP and s or CAP\n"
    "  local high = s > CAP and s - CAP or 0\n"
    "  local base = (low * 2 + high * 3 + 50) // 100\n"
    "  local bonus = input.units * 5000\n"
    "  return {amount_fen = base + bonus},\n"
    "    {{label = \"base\", amount_fen = base}, \"bonus per unit\"}\n"
    "end\n";


/* {======================================================================
 * Helpers
 * ======================================================================*/


static int
tw_rt_group_setup(void **state)
{
    tw_host_t host;
    tw_rc_t rc = TW_OK;

    (void) state;
    tw_log_set_level(TW_LOG_WARN);
    tw_host_open(&host, "rules_test", NULL, NULL);
    for (size_t i = 0; rc == TW_OK && i < 2; i++) {
        rc = tw_rule_hook_add(&host, &tw_rt_hooks[i]);
    }
    tw_host_close(&host);
    return rc == TW_OK && sodium_init() >= 0 ? 0 : -1;
}


static int
tw_rt_group_teardown(void **state)
{
    (void) state;
    tw_registry_clear();
    return 0;
}


static int
tw_rt_setup(void **state)
{
    (void) state;
    snprintf(tw_rt_dir, sizeof tw_rt_dir, "/tmp/tw-rules.XXXXXX");
    return mkdtemp(tw_rt_dir) != NULL ? 0 : -1;
}


static int
tw_rt_teardown(void **state)
{
    char cmd[128];

    (void) state;
    tw_rule_engine_stop();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tw_rt_dir);
    return system(cmd) == 0 ? 0 : -1;
}


/* Writes <dir>/<rel> atomically (a temporary file renamed over it). */
static void
tw_rt_write(const char *rel, const char *text)
{
    tw_test_save_file(tw_rt_dir, rel, text);
}


static void
tw_rt_remove(const char *rel)
{
    char path[512];

    snprintf(path, sizeof path, "%s/%s", tw_rt_dir, rel);
    assert_int_equal(unlink(path), 0);
}


/* A rule returning {amount_fen = <amount>}: tells scripts apart. */
static void
tw_rt_write_amount(const char *rel, int amount)
{
    char text[128];

    snprintf(text, sizeof text,
             "function rule(input)\n  return {amount_fen = %d}\nend\n",
             amount);
    tw_rt_write(rel, text);
}


static void
tw_rt_start(bool watch, long long budget)
{
    tw_rule_engine_options_t opts = {
        .dir = tw_rt_dir,
        .limits = {budget, 32u * 1024 * 1024},
        .reload_ms = 50,
        .watch = watch,
        .quiet = true,
    };

    assert_int_equal(tw_rule_engine_start(&opts), TW_OK);
}


/* Evaluates `hook` for `chain` with the JSON `input` text. */
static tw_rc_t
tw_rt_eval(const char *hook, const char *const *chain, const char *input,
           tw_rule_result_t *out, char *err, size_t err_size)
{
    json_t *in = json_loads(input, 0, NULL);

    assert_non_null(in);
    err[0] = '\0';
    tw_rc_t rc = tw_rule_eval_chain(hook, chain, in, out, err, err_size);
    json_decref(in);
    return rc;
}


/* Evaluates `hook` (input {}) for `chain`: it must succeed with
 * `amount` from `script`. */
static void
tw_rt_expect(const char *hook, const char *const *chain, int amount,
             const char *script)
{
    tw_rule_result_t out;
    char err[512];
    tw_rc_t rc = tw_rt_eval(hook, chain, "{}", &out, err, sizeof err);

    if (rc != TW_OK) {
        fail_msg("%s: %s", hook, err);
    }
    assert_int_equal(json_integer_value(json_object_get(out.result,
                                                        "amount_fen")),
                     amount);
    assert_string_equal(out.script, script);
    tw_rule_result_free(&out);
}


/* Polls the evaluation until it gives `amount` (at most TW_RT_WAIT_MS);
 * fails the test otherwise. */
static void
tw_rt_wait_amount(const char *hook, const char *const *chain, int amount)
{
    tw_rule_result_t out;
    char err[512];

    for (int waited = 0; waited <= TW_RT_WAIT_MS; waited += 20) {
        if (tw_rt_eval(hook, chain, "{}", &out, err, sizeof err) == TW_OK) {
            json_int_t got = json_integer_value(
                json_object_get(out.result, "amount_fen"));
            tw_rule_result_free(&out);
            if (got == amount) {
                return;
            }
        }
        usleep(20 * 1000);
    }
    fail_msg("%s did not become %d within %d ms", hook, amount,
             TW_RT_WAIT_MS);
}


/* True when the store's last error for `path` contains `text`. */
static bool
tw_rt_has_error(const char *path, const char *text)
{
    tw_rule_file_t *files = NULL;
    size_t count = tw_rule_store_snapshot(tw_rule_engine_store(), &files);
    bool found = false;

    for (size_t i = 0; i < count; i++) {
        found = found || (strcmp(files[i].path, path) == 0 &&
                          files[i].error != NULL &&
                          strstr(files[i].error, text) != NULL);
    }
    tw_rule_store_snapshot_free(files, count);
    return found;
}


/* Polls until the store records an error containing `text` for `path`
 * (at most TW_RT_WAIT_MS); fails the test otherwise. */
static void
tw_rt_wait_error(const char *path, const char *text)
{
    for (int waited = 0; waited <= TW_RT_WAIT_MS; waited += 20) {
        if (tw_rt_has_error(path, text)) {
            return;
        }
        usleep(20 * 1000);
    }
    fail_msg("%s: no error '%s' within %d ms", path, text, TW_RT_WAIT_MS);
}

/* }====================================================================== */


static void
tw_rt_hook_declarations(void **state)
{
    static const tw_rule_field_t no_fields[] = {
        {NULL, TW_RULE_INTEGER, false, NULL, NULL}};
    static const tw_rule_field_t bad_choices[] = {
        {"n", TW_RULE_INTEGER, false, tw_rt_decisions, NULL},
        {NULL, TW_RULE_INTEGER, false, NULL, NULL}};
    static const tw_rule_hook_t bad_name = {"Commission", "", "",
                                            no_fields};
    static const tw_rule_hook_t bad_field = {"other", "", "", bad_choices};
    static const tw_rule_hook_t late = {"late", "", "", no_fields};
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "second", NULL, NULL);
    assert_int_equal(tw_rule_hook_add(&host, &tw_rt_hooks[0]),
                     TW_ERR_CONFLICT);
    assert_int_equal(tw_rule_hook_add(&host, &bad_name), TW_ERR_INVALID);
    assert_int_equal(tw_rule_hook_add(&host, &bad_field), TW_ERR_INVALID);
    assert_int_equal(tw_rule_hook_add(&host, NULL), TW_ERR_INVALID);
    tw_host_close(&host);
    assert_int_equal(tw_rule_hook_add(&host, &late), TW_ERR_STATE);

    assert_int_equal(tw_rule_hook_count(), 2);
    assert_ptr_equal(tw_rule_hook_find("typed"), &tw_rt_hooks[1]);
    assert_string_equal(tw_rule_hook_plugin(0), "rules_test");
    assert_null(tw_rule_hook_find("late"));
}


/* The nearest branch with a script wins, else the default. */
static void
tw_rt_resolution(void **state)
{
    static const char *const gd_sz[] = {"GD_SZ", "GD", "HQ", NULL};
    static const char *const gd_fs[] = {"GD_FS", "GD", "HQ", NULL};
    static const char *const bj[] = {"BJ", "HQ", NULL};
    tw_rule_result_t out;
    char err[512];
    char hash[65];
    (void) state;

    tw_rt_write("default/commission.lua", tw_rt_commission);
    tw_rt_write_amount("branches/GD/commission.lua", 2);
    tw_rt_write_amount("branches/GD_FS/other.lua", 3);
    tw_rt_start(false, 1000000);

    tw_rt_expect("commission", gd_sz, 2, "branches/GD/commission.lua");
    tw_rt_expect("commission", gd_fs, 2, "branches/GD/commission.lua");

    assert_int_equal(tw_rt_eval("commission", bj, "{\"sellout_fen\": "
                                "20000000, \"units\": 2}", &out, err,
                                sizeof err), TW_OK);
    assert_string_equal(out.script, "default/commission.lua");
    tw_test_sha256_hex(tw_rt_commission, hash);
    assert_string_equal(out.hash, hash);
    assert_int_equal(json_integer_value(json_object_get(out.result,
                                                        "amount_fen")),
                     450000 + 10000);
    assert_int_equal(json_array_size(out.breakdown), 2);
    assert_string_equal(json_string_value(json_array_get(out.breakdown, 1)),
                        "bonus per unit");
    tw_rule_result_free(&out);

    tw_rule_engine_stop();
    tw_rt_write_amount("branches/GD_SZ/commission.lua", 7);
    tw_rt_start(false, 1000000);
    tw_rt_expect("commission", gd_sz, 7, "branches/GD_SZ/commission.lua");
    tw_rt_expect("commission", gd_fs, 2, "branches/GD/commission.lua");

    /* no chain at all: the default */
    assert_int_equal(tw_rt_eval("commission", NULL, "{\"sellout_fen\": 125, "
                                "\"units\": 0}", &out, err, sizeof err),
                     TW_OK);
    assert_string_equal(out.script, "default/commission.lua");
    assert_int_equal(json_integer_value(json_object_get(out.result,
                                                        "amount_fen")), 3);
    tw_rule_result_free(&out);
}


/* An edit takes effect within a second; a broken edit keeps the old
 * version in force; a deleted branch script falls back to the parent. */
static void
tw_rt_reload(void **state)
{
    static const char *const gd_sz[] = {"GD_SZ", "GD", "HQ", NULL};
    tw_rule_result_t out;
    char err[512];
    char hash[65];
    (void) state;

    tw_rt_write_amount("default/commission.lua", 1);
    tw_rt_write_amount("branches/GD/commission.lua", 2);
    tw_rt_start(true, 1000000);
    tw_rt_expect("commission", gd_sz, 2, "branches/GD/commission.lua");

    tw_rt_write("branches/GD/commission.lua",
                "function rule(input)\n  return {amount_fen = 20}\nend\n");
    tw_rt_wait_amount("commission", gd_sz, 20);
    assert_int_equal(tw_rt_eval("commission", gd_sz, "{}", &out, err,
                                sizeof err), TW_OK);
    tw_test_sha256_hex("function rule(input)\n  return {amount_fen = 20}"
                       "\nend\n", hash);
    assert_string_equal(out.hash, hash);
    tw_rule_result_free(&out);

    /* an edit that does not compile, then one without rule() */
    tw_rt_write("branches/GD/commission.lua",
                "function rule(input)\n  return {amount_fen = 30\nend\n");
    tw_rt_wait_error("branches/GD/commission.lua",
                     "branches/GD/commission.lua:3: ");
    tw_rt_expect("commission", gd_sz, 20, "branches/GD/commission.lua");
    tw_rt_write("branches/GD/commission.lua", "local amount_fen = 40\n");
    tw_rt_wait_error("branches/GD/commission.lua",
                     "defines no function rule");
    tw_rt_expect("commission", gd_sz, 20, "branches/GD/commission.lua");

    tw_rt_remove("branches/GD/commission.lua");
    tw_rt_wait_amount("commission", gd_sz, 1);
    tw_rt_expect("commission", gd_sz, 1, "default/commission.lua");
}


/* A library edit reaches the scripts that import it, though their own
 * text did not change. */
static void
tw_rt_library_edit(void **state)
{
    (void) state;

    tw_rt_write("lib/bonus.lua", "return {amount = 5}\n");
    tw_rt_write("default/commission.lua", "local bonus = import('bonus')\n"
                "function rule(input)\n"
                "  return {amount_fen = bonus.amount}\nend\n");
    tw_rt_start(true, 1000000);
    tw_rt_expect("commission", NULL, 5, "default/commission.lua");

    tw_rt_write("lib/bonus.lua", "return {amount = 6}\n");
    tw_rt_wait_amount("commission", NULL, 6);
}


/* A script that never compiled, or never loaded, is an error, not a
 * silent fallback. */
static void
tw_rt_broken_from_start(void **state)
{
    static const char *const gd[] = {"GD", "HQ", NULL};
    tw_rule_result_t out;
    char err[512];
    (void) state;

    tw_rt_write_amount("default/commission.lua", 1);
    tw_rt_write("branches/GD/commission.lua", "function rule(\n");
    tw_rt_write("default/typed.lua", "local x = 1\n");
    tw_rt_write("default/order.lua", "error('not today')\n");
    tw_rt_start(false, 1000000);

    assert_int_equal(tw_rt_eval("commission", gd, "{}", &out, err,
                                sizeof err), TW_ERR_INVALID);
    assert_string_equal(strstr(err, "branches/GD/commission.lua:"), err);
    assert_null(out.result);
    assert_int_equal(tw_rt_eval("typed", gd, "{}", &out, err, sizeof err),
                     TW_ERR_INVALID);
    assert_non_null(strstr(err, "default/typed.lua"));
    assert_non_null(strstr(err, "defines no function rule"));
    assert_int_equal(tw_rt_eval("order", gd, "{}", &out, err, sizeof err),
                     TW_ERR_INVALID);
    assert_string_equal(err, "default/order.lua:1: not today");
}


/* Each kind of wrong result names the script and the field. */
static void
tw_rt_result_types(void **state)
{
    static const struct {
        const char *returned;
        const char *error;
    } cases[] = {
        {"{decision = 'approve'}", "result field 'amount_fen' is missing"},
        {"{amount_fen = 12.5, decision = 'approve'}",
         "result field 'amount_fen' must be an integer (fen), got 12.5"},
        {"{amount_fen = 12.0, decision = 'approve'}",
         "result field 'amount_fen' must be an integer (fen), got 12.0"},
        {"{amount_fen = '12', decision = 'approve'}",
         "result field 'amount_fen' must be an integer (fen), got '12'"},
        {"{amount_fen = 1, decision = 'maybe'}",
         "result field 'decision' must be one of 'approve' or 'refuse', "
         "got 'maybe'"},
        {"{amount_fen = 1, decision = true}",
         "result field 'decision' must be a string, got true"},
        {"{amount_fen = 1, decision = 'refuse', paid = 'yes'}",
         "result field 'paid' must be a boolean, got 'yes'"},
        {"{amount_fen = 1, decision = 'refuse', lines = 3}",
         "result field 'lines' must be a table, got 3"},
    };
    static const char *const gd[] = {"GD", NULL};
    tw_rule_result_t out;
    char text[256];
    char expected[256];
    char err[512];
    (void) state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "function rule(input)\n  return %s\n"
                 "end\n", cases[i].returned);
        tw_rt_write("branches/GD/typed.lua", text);
        tw_rt_start(false, 1000000);
        assert_int_equal(tw_rt_eval("typed", gd, "{}", &out, err,
                                    sizeof err), TW_ERR_INVALID);
        snprintf(expected, sizeof expected, "branches/GD/typed.lua: %s",
                 cases[i].error);
        assert_string_equal(err, expected);
        assert_null(out.result);
        tw_rule_engine_stop();
    }

    tw_rt_write("branches/GD/typed.lua", "function rule(input)\n  return "
                "{amount_fen = 1, decision = 'refuse', paid = false, "
                "lines = {}, extra = 1.5}\nend\n");
    tw_rt_start(false, 1000000);
    assert_int_equal(tw_rt_eval("typed", gd, "{}", &out, err, sizeof err),
                     TW_OK);
    tw_rule_result_free(&out);
}


static void
tw_rt_unknown_hook(void **state)
{
    static const char *const gd[] = {"GD", NULL};
    tw_rule_result_t out;
    char err[512];
    json_t *input = json_object();
    (void) state;

    tw_rt_write_amount("default/commission.lua", 1);
    tw_rt_write_amount("default/undeclared.lua", 5);
    tw_rt_start(false, 1000000);

    assert_int_equal(tw_rt_eval("nosuch", gd, "{}", &out, err, sizeof err),
                     TW_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "nosuch"));
    assert_int_equal(tw_rt_eval("../default/x", gd, "{}", &out, err,
                                sizeof err), TW_ERR_INVALID);

    /* undeclared hooks run through the chain, but not tw_rule_eval */
    tw_rt_expect("undeclared", gd, 5, "default/undeclared.lua");
    assert_int_equal(tw_rule_eval(NULL, "undeclared", 1, input, &out, err,
                                  sizeof err), TW_ERR_NOT_FOUND);
    assert_string_equal(err, "no plugin declares the rule hook "
                        "'undeclared'");
    json_decref(input);

    tw_rule_engine_stop();
    assert_int_equal(tw_rt_eval("commission", gd, "{}", &out, err,
                                sizeof err), TW_ERR_STATE);
}


/* tw_rule_eval reads the branch's ancestors from the database, as the
 * request role of a user who cannot see that branch's rows. */
static void
tw_rt_eval_in_database(void **state)
{
    tw_test_db_t tdb;
    tw_host_t core;
    tw_rule_result_t out;
    char err[512] = "";
    size_t applied = 0;
    int64_t gd = 0, gd_sz = 0, bj = 0;
    json_t *input = json_object();
    (void) state;

    tw_rt_write_amount("default/commission.lua", 1);
    tw_rt_write_amount("branches/GD/commission.lua", 2);
    tw_rt_start(false, 1000000);
    assert_int_equal(tw_test_db_create(&tdb), 0);
    tw_pool_t *pool = tw_pool_open(tdb.url, 1, 0);
    tw_host_open(&core, "core", NULL, NULL);
    assert_int_equal(tw_identity_register(&core), TW_OK);
    tw_host_close(&core);
    assert_int_equal(tw_migrate_run(pool, &applied, err, sizeof err), TW_OK);

    tw_db_t *db = tw_pool_acquire(pool);
    assert_int_equal(tw_branch_create(db, "GD", "广东分公司", "HQ", 0, &gd,
                                      err, sizeof err), TW_OK);
    assert_int_equal(tw_branch_create(db, "GD_SZ", "深圳分公司", "GD", 0,
                                      &gd_sz, err, sizeof err), TW_OK);
    assert_int_equal(tw_branch_create(db, "BJ", "北京分公司", "HQ", 0, &bj,
                                      err, sizeof err), TW_OK);
    assert_int_equal(tw_db_begin(db), TW_OK);
    assert_int_equal(tw_db_enter_branch(db, bj, 0), TW_OK);

    assert_int_equal(tw_rule_eval(db, "commission", gd_sz, input, &out, err,
                                  sizeof err), TW_OK);
    assert_string_equal(out.script, "branches/GD/commission.lua");
    tw_rule_result_free(&out);
    assert_int_equal(tw_rule_eval(db, "commission", bj, input, &out, err,
                                  sizeof err), TW_OK);
    assert_string_equal(out.script, "default/commission.lua");
    tw_rule_result_free(&out);
    assert_int_equal(tw_rule_eval(db, "commission", 999, input, &out, err,
                                  sizeof err), TW_ERR_NOT_FOUND);
    assert_string_equal(err, "no branch with id 999");

    tw_pool_release(pool, db);
    tw_pool_close(pool);
    tw_test_db_drop(&tdb);
    json_decref(input);
}


/* {======================================================================
 * Threads
 * ======================================================================*/


typedef struct tw_rt_worker {
    pthread_t thread;
    int id;
    int calls;
    volatile bool *stop; /* run until set, when calls is 0 */
    int done;
    int failed;
    char failure[1024];
} tw_rt_worker_t;


/* The commission tw_rt_commission computes, in C. */
static long long
tw_rt_commission_c(long long sellout, long long units)
{
    long long cap = 15000000;
    long long low = sellout < cap ? sellout : cap;
    long long high = sellout > cap ? sellout - cap : 0;

    return (low * 2 + high * 3 + 50) / 100 + units * 5000;
}


/* One evaluation of the commission rule with inputs drawn from (id, n);
 * false with the reason when the result is wrong. */
static bool
tw_rt_commission_once(tw_rt_worker_t *w, int n)
{
    static const char *const chain[] = {"GD_SZ", "GD", NULL};
    long long sellout = ((long long) w->id * 1000003 + n * 7919) % 40000001;
    long long units = (w->id + n) % 9;
    json_t *in = json_pack("{s:I,s:I}", "sellout_fen", (json_int_t) sellout,
                           "units", (json_int_t) units);
    tw_rule_result_t out;
    char err[512];
    tw_rc_t rc = tw_rule_eval_chain("commission", chain, in, &out, err,
                                    sizeof err);
    long long got = 0;

    json_decref(in);
    if (rc == TW_OK) {
        got = json_integer_value(json_object_get(out.result, "amount_fen"));
        tw_rule_result_free(&out);
    }
    if (rc != TW_OK || got != tw_rt_commission_c(sellout, units)) {
        snprintf(w->failure, sizeof w->failure, "sellout %lld units %lld: "
                 "rc %d, got %lld: %s", sellout, units, (int) rc, got,
                 rc == TW_OK ? "" : err);
        return false;
    }
    return true;
}


static void *
tw_rt_worker_run(void *arg)
{
    tw_rt_worker_t *w = arg;

    for (int n = 0; w->calls > 0 ? n < w->calls : !*w->stop; n++) {
        if (tw_rt_commission_once(w, n)) {
            w->done++;
        } else {
            w->failed++;
        }
    }
    return NULL;
}


static void
tw_rt_workers_start(tw_rt_worker_t *workers, int count, int calls,
                    volatile bool *stop)
{
    for (int i = 0; i < count; i++) {
        workers[i] = (tw_rt_worker_t) {.id = i + 1, .calls = calls,
                                       .stop = stop};
        assert_int_equal(pthread_create(&workers[i].thread, NULL,
                                        tw_rt_worker_run, &workers[i]), 0);
    }
}


/* Joins the workers; each must have done `calls` (or some) evaluations
 * and none may have failed. */
static void
tw_rt_workers_join(tw_rt_worker_t *workers, int count, int calls)
{
    for (int i = 0; i < count; i++) {
        pthread_join(workers[i].thread, NULL);
    }
    for (int i = 0; i < count; i++) {
        if (workers[i].failed > 0) {
            fail_msg("worker %d: %d failures, e.g. %s", workers[i].id,
                     workers[i].failed, workers[i].failure);
        }
        if (calls > 0) {
            assert_int_equal(workers[i].done, calls);
        } else {
            assert_true(workers[i].done > 0);
        }
    }
}


static void
tw_rt_concurrency(void **state)
{
    tw_rt_worker_t workers[TW_RT_THREADS];
    (void) state;

    tw_rt_write("branches/GD/commission.lua", tw_rt_commission);
    tw_rt_start(true, 1000000);
    tw_rt_workers_start(workers, TW_RT_THREADS, TW_RT_CALLS, NULL);
    tw_rt_workers_join(workers, TW_RT_THREADS, TW_RT_CALLS);
}


/* A rule that loops forever fails with the budget error, again and
 * again, while other threads' calls of another hook keep succeeding;
 * once fixed, it works. */
static void
tw_rt_budget(void **state)
{
    static const char *const gd[] = {"GD", NULL};
    tw_rt_worker_t workers[2];
    volatile bool stop = false;
    tw_rule_result_t out;
    char errors[10][512];
    tw_rc_t rcs[10];
    (void) state;

    tw_rt_write("default/commission.lua", tw_rt_commission);
    tw_rt_write("default/typed.lua", "function rule(input)\n"
                "  local n = 0\n  while true do n = n + 1 end\nend\n");
    tw_rt_start(true, 100000);

    /* the workers must be joined before anything is asserted */
    tw_rt_workers_start(workers, 2, 0, &stop);
    for (int i = 0; i < 10; i++) {
        rcs[i] = tw_rt_eval("typed", gd, "{}", &out, errors[i],
                            sizeof errors[i]);
        tw_rule_result_free(&out);
    }
    stop = true;
    tw_rt_workers_join(workers, 2, 0);

    for (int i = 0; i < 10; i++) {
        assert_int_equal(rcs[i], TW_ERR_INVALID);
        if (strstr(errors[i], "default/typed.lua:3:") != errors[i] ||
            strstr(errors[i], "budget") == NULL) {
            fail_msg("not the budget error: %s", errors[i]);
        }
    }

    tw_rt_write("default/typed.lua", "function rule(input)\n  return "
                "{amount_fen = 9, decision = 'approve'}\nend\n");
    tw_rt_wait_amount("typed", gd, 9);
}


/* }====================================================================== */


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_rt_hook_declarations),
        cmocka_unit_test_setup_teardown(tw_rt_resolution, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_reload, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_library_edit, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_broken_from_start,
                                        tw_rt_setup, tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_result_types, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_unknown_hook, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_eval_in_database, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_concurrency, tw_rt_setup,
                                        tw_rt_teardown),
        cmocka_unit_test_setup_teardown(tw_rt_budget, tw_rt_setup,
                                        tw_rt_teardown),
    };

    return cmocka_run_group_tests(tests, tw_rt_group_setup,
                                  tw_rt_group_teardown);
}
