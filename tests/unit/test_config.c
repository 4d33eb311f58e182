/*
 * test_config.c - the INI configuration: every default, every kind of
 * error with its exact file:line, the database url from the environment,
 * on/off switches, body_limit sizes, the [rules] limits, plugin sections
 * and the two shipped files (config/tradewind.ini, config/demo.ini).
 *
 * Each test writes its INI text into one file of a temporary folder the
 * group set-up makes; TRADEWIND_DATABASE_URL is unset unless a test sets
 * it, and that test unsets it again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tradewind/log.h"

#define TW_CFGTEST_ENV "TRADEWIND_DATABASE_URL"

static char tw_cfgtest_dir[64];
static char tw_cfgtest_path[128];

/* One INI text and the error it must give (after "path:"). */
typedef struct tw_cfgtest_case {
    const char *ini;
    const char *error;
} tw_cfgtest_case_t;


static int
tw_cfgtest_setup(void **state)
{
    (void) state;

    snprintf(tw_cfgtest_dir, sizeof tw_cfgtest_dir, "/tmp/tw-cfgtest.XXXXXX");
    if (mkdtemp(tw_cfgtest_dir) == NULL) {
        return -1;
    }
    snprintf(tw_cfgtest_path, sizeof tw_cfgtest_path, "%s/test.ini",
             tw_cfgtest_dir);
    return unsetenv(TW_CFGTEST_ENV);
}


static int
tw_cfgtest_teardown(void **state)
{
    (void) state;

    unlink(tw_cfgtest_path);
    return rmdir(tw_cfgtest_dir);
}


/* Writes `ini` to the test file and loads it; err gets the message. */
static tw_config_t *
tw_cfgtest_load(const char *ini, char *err, size_t err_size)
{
    FILE *f = fopen(tw_cfgtest_path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(ini, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);

    err[0] = '\0';
    return tw_config_load(tw_cfgtest_path, err, err_size);
}


/* Loads `ini`, which must be valid. */
static tw_config_t *
tw_cfgtest_load_ok(const char *ini)
{
    char err[512];
    tw_config_t *cfg = tw_cfgtest_load(ini, err, sizeof err);

    if (cfg == NULL) {
        fail_msg("unexpected error: %s", err);
    }
    return cfg;
}


/* Loads `ini`, which must fail with exactly "<path>:<error>". */
static void
tw_cfgtest_expect_error(const char *ini, const char *error)
{
    char err[512];
    char expected[512];

    tw_config_t *cfg = tw_cfgtest_load(ini, err, sizeof err);
    if (cfg != NULL) {
        tw_config_free(cfg);
        fail_msg("loaded, but expected: %s", error);
    }

    snprintf(expected, sizeof expected, "%s:%s", tw_cfgtest_path, error);
    assert_string_equal(err, expected);
}


static void
tw_cfgtest_expect_errors(const tw_cfgtest_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        tw_cfgtest_expect_error(cases[i].ini, cases[i].error);
    }
}


static void
tw_cfgtest_assert_defaults(const tw_config_t *cfg)
{
    assert_string_equal(cfg->listen, "127.0.0.1");
    assert_int_equal(cfg->port, 8080);
    assert_int_equal(cfg->threads, 4);
    assert_int_equal(cfg->max_connections, 512);
    assert_int_equal(cfg->per_ip_connections, 64);
    assert_int_equal(cfg->body_limit, 1024 * 1024);
    assert_int_equal(cfg->timeout_s, 30);
    assert_string_equal(cfg->plugin_dir, "build/release/plugins");
    assert_string_equal(cfg->db_url, "");
    assert_int_equal(cfg->pool_size, 8);
    assert_int_equal(cfg->statement_timeout_ms, 5000);
    assert_false(cfg->auto_migrate);
    assert_int_equal(cfg->session_ttl_s, 28800);
    assert_string_equal(cfg->rules_dir, "scripts");
    assert_int_equal(cfg->rules_instruction_budget, 1000000);
    assert_int_equal(cfg->rules_memory_limit, 32 * 1024 * 1024);
    assert_int_equal(cfg->rules_reload_ms, 500);
    assert_int_equal(cfg->log_level, TW_LOG_INFO);
    assert_int_equal(cfg->module_count, 0);
    assert_int_equal(cfg->plugin_setting_count, 0);
}


static void
tw_cfgtest_defaults(void **state)
{
    (void) state;

    tw_config_t *cfg = tw_config_defaults();
    assert_non_null(cfg);
    tw_cfgtest_assert_defaults(cfg);
    assert_null(cfg->path);
    tw_config_free(cfg);

    cfg = tw_cfgtest_load_ok("# nothing set\n\n[server]\n[database]\n");
    tw_cfgtest_assert_defaults(cfg);
    assert_string_equal(cfg->path, tw_cfgtest_path);
    tw_config_free(cfg);
}


static void
tw_cfgtest_every_key(void **state)
{
    (void) state;

    tw_config_t *cfg = tw_cfgtest_load_ok(
        "[server]\nlisten = ::1\nport = 9090\nthreads = 16\n"
        "max_connections = 1000\nper_ip_connections = 10\n"
        "body_limit = 2m\ntimeout_s = 3600\nplugin_dir = /opt/tw/plugins\n"
        "[database]\nurl = host=/tmp dbname=x\npool_size = 512\n"
        "statement_timeout_ms = 0\nauto_migrate = on\n"
        "[auth]\nsession_ttl_s = 31536000\n"
        "[rules]\ndir = /srv/rules\ninstruction_budget = 1000000000\n"
        "memory_limit = 1024m\nreload_ms = 50\n"
        "[log]\nlevel = debug\n");

    assert_string_equal(cfg->listen, "::1");
    assert_int_equal(cfg->port, 9090);
    assert_int_equal(cfg->threads, 16);
    assert_int_equal(cfg->max_connections, 1000);
    assert_int_equal(cfg->per_ip_connections, 10);
    assert_int_equal(cfg->body_limit, 2 * 1024 * 1024);
    assert_int_equal(cfg->timeout_s, 3600);
    assert_string_equal(cfg->plugin_dir, "/opt/tw/plugins");
    assert_string_equal(cfg->db_url, "host=/tmp dbname=x");
    assert_int_equal(cfg->pool_size, 512);
    assert_int_equal(cfg->statement_timeout_ms, 0);
    assert_true(cfg->auto_migrate);
    assert_int_equal(cfg->session_ttl_s, 31536000);
    assert_string_equal(cfg->rules_dir, "/srv/rules");
    assert_int_equal(cfg->rules_instruction_budget, 1000000000);
    assert_int_equal(cfg->rules_memory_limit, 1024ul * 1024 * 1024);
    assert_int_equal(cfg->rules_reload_ms, 50);
    assert_int_equal(cfg->log_level, TW_LOG_DEBUG);
    tw_config_free(cfg);
}


/* Errors are reported on the right line even after blank lines and
 * comments of both kinds. */
static void
tw_cfgtest_error_lines(void **state)
{
    static const tw_cfgtest_case_t cases[] = {
        {"[server]\nport = 8080\n\n# a comment\n; another\n\n"
         "\n\n\n\n\nprot = 8080\n",
         "12: unknown key 'prot' in [server]"},
        {"# header\n\n[server]\n\nlisten = 127.0.0.1\n\nport = abc\n",
         "7: invalid value 'abc' for 'port' in [server]: expected an "
         "integer from 1 to 65535"},
        {"\n\n[foo]\nx = 1\n", "3: unknown section [foo]"},
        {"[server]\n[foo]\n", "2: unknown section [foo]"},
        {"[server]\nport = 1\n;\nport = 2\n",
         "4: duplicate key 'port' in [server] (first set on line 2)"},
        {"[server]\nport 8080\n",
         "2: syntax error (expected [section] or key = value)"},
        {"[log]\nlevel = info\n[server\n",
         "3: syntax error (expected [section] or key = value)"},
        {"[server]\nport 8080\nthreads = 2\nprot = 1\n",
         "2: syntax error (expected [section] or key = value)"},
        {"port = 1\n", "1: key 'port' is outside any section"},
        {"[server]\nport = 1\n  threads = 2\n",
         "3: unexpected indentation (a value cannot continue over several "
         "lines)"},
        {"[server]\nPort = 1\n", "2: unknown key 'Port' in [server]"},
        {"[core]\nx = 1\n", "2: unknown key 'x' in [core]"},
        {"[log]\nlevel = loud\n",
         "2: invalid value 'loud' for 'level' in [log]: expected debug, "
         "info, warn or error"},
        {"[server]\nlisten = localhost\n",
         "2: invalid value 'localhost' for 'listen' in [server]: expected "
         "a numeric IPv4 or IPv6 address"},
        {"[server]\nplugin_dir =\n",
         "2: invalid value '' for 'plugin_dir' in [server]: expected a "
         "non-empty value"},
    };
    (void) state;

    tw_cfgtest_expect_errors(cases, sizeof cases / sizeof cases[0]);
}


static void
tw_cfgtest_integers(void **state)
{
    static const char *const bad[] = {
        "0", "65536", "8080x", "-1", "+80", "", "0x50", "8 080",
        "99999999999999999999999", NULL
    };
    char ini[128];
    char error[256];
    (void) state;

    for (size_t i = 0; bad[i] != NULL; i++) {
        snprintf(ini, sizeof ini, "[server]\nport = %s\n", bad[i]);
        snprintf(error, sizeof error, "2: invalid value '%s' for 'port' in "
                 "[server]: expected an integer from 1 to 65535", bad[i]);
        tw_cfgtest_expect_error(ini, error);
    }

    tw_cfgtest_expect_error("[database]\nstatement_timeout_ms = 3600001\n",
                            "2: invalid value '3600001' for "
                            "'statement_timeout_ms' in [database]: expected "
                            "an integer from 0 to 3600000");
    tw_cfgtest_expect_error("[server]\nthreads = 257\n",
                            "2: invalid value '257' for 'threads' in "
                            "[server]: expected an integer from 1 to 256");

    tw_config_t *cfg = tw_cfgtest_load_ok("[server]\nport = 1\n"
                                          "threads = 256\n");
    assert_int_equal(cfg->port, 1);
    assert_int_equal(cfg->threads, 256);
    tw_config_free(cfg);
}


static void
tw_cfgtest_switches(void **state)
{
    static const char *const bad[] = {"yes", "On", "1", "true", "", NULL};
    char ini[128];
    char error[256];
    (void) state;

    tw_config_t *cfg = tw_cfgtest_load_ok("[database]\nauto_migrate = on\n");
    assert_true(cfg->auto_migrate);
    tw_config_free(cfg);

    cfg = tw_cfgtest_load_ok("[database]\nauto_migrate = off\n");
    assert_false(cfg->auto_migrate);
    tw_config_free(cfg);

    for (size_t i = 0; bad[i] != NULL; i++) {
        snprintf(ini, sizeof ini, "[database]\nauto_migrate = %s\n", bad[i]);
        snprintf(error, sizeof error, "2: invalid value '%s' for "
                 "'auto_migrate' in [database]: expected on or off", bad[i]);
        tw_cfgtest_expect_error(ini, error);
    }
}


static void
tw_cfgtest_body_limit(void **state)
{
    static const struct {
        const char *text;
        size_t bytes;
    } good[] = {
        {"1k", 1024}, {"1024", 1024}, {"64k", 64 * 1024},
        {"1m", 1024 * 1024}, {"1536k", 1536 * 1024},
        {"64m", 64 * 1024 * 1024}, {"67108864", 64 * 1024 * 1024},
    };
    static const char *const bad[] = {
        "1023", "65m", "67108865", "1K", "1M", "1mb", "k", "1g", "1 k", NULL
    };
    char ini[128];
    char error[256];
    (void) state;

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(ini, sizeof ini, "[server]\nbody_limit = %s\n", good[i].text);
        tw_config_t *cfg = tw_cfgtest_load_ok(ini);
        assert_int_equal(cfg->body_limit, good[i].bytes);
        tw_config_free(cfg);
    }

    for (size_t i = 0; bad[i] != NULL; i++) {
        snprintf(ini, sizeof ini, "[server]\nbody_limit = %s\n", bad[i]);
        snprintf(error, sizeof error, "2: invalid value '%s' for "
                 "'body_limit' in [server]: expected a size from 1k to 64m "
                 "(bytes, or a number with a k or m suffix)", bad[i]);
        tw_cfgtest_expect_error(ini, error);
    }
}


/* [rules]: each key at both ends of its range, and just beyond them,
 * with the line of the key after other [rules] lines. */
static void
tw_cfgtest_rules(void **state)
{
    static const tw_cfgtest_case_t cases[] = {
        {"[rules]\ndir = x\n\ninstruction_budget = 999\n",
         "4: invalid value '999' for 'instruction_budget' in [rules]: "
         "expected an integer from 1000 to 1000000000"},
        {"[rules]\ninstruction_budget = 1000000001\n",
         "2: invalid value '1000000001' for 'instruction_budget' in [rules]: "
         "expected an integer from 1000 to 1000000000"},
        {"[rules]\nmemory_limit = 1023k\n",
         "2: invalid value '1023k' for 'memory_limit' in [rules]: expected a "
         "size from 1m to 1024m (bytes, or a number with a k or m suffix)"},
        {"[rules]\nreload_ms = 50\nmemory_limit = 1025m\n",
         "3: invalid value '1025m' for 'memory_limit' in [rules]: expected a "
         "size from 1m to 1024m (bytes, or a number with a k or m suffix)"},
        {"[rules]\nmemory_limit = 32M\n",
         "2: invalid value '32M' for 'memory_limit' in [rules]: expected a "
         "size from 1m to 1024m (bytes, or a number with a k or m suffix)"},
        {"[rules]\nreload_ms = 49\n",
         "2: invalid value '49' for 'reload_ms' in [rules]: expected an "
         "integer from 50 to 10000"},
        {"[rules]\n# edits\nreload_ms = 10001\n",
         "3: invalid value '10001' for 'reload_ms' in [rules]: expected an "
         "integer from 50 to 10000"},
        {"[rules]\nreload = 500\n", "2: unknown key 'reload' in [rules]"},
        {"[rules]\ndir =\n",
         "2: invalid value '' for 'dir' in [rules]: expected a non-empty "
         "value"},
    };
    (void) state;

    tw_config_t *cfg = tw_cfgtest_load_ok(
        "[rules]\ninstruction_budget = 1000\nmemory_limit = 1048576\n"
        "reload_ms = 10000\n");
    assert_int_equal(cfg->rules_instruction_budget, 1000);
    assert_int_equal(cfg->rules_memory_limit, 1024 * 1024);
    assert_int_equal(cfg->rules_reload_ms, 10000);
    assert_string_equal(cfg->rules_dir, "scripts");
    tw_config_free(cfg);

    cfg = tw_cfgtest_load_ok("[rules]\nmemory_limit = 65536k\n");
    assert_int_equal(cfg->rules_memory_limit, 64 * 1024 * 1024);
    assert_int_equal(cfg->rules_instruction_budget, 1000000);
    tw_config_free(cfg);

    tw_cfgtest_expect_errors(cases, sizeof cases / sizeof cases[0]);
}


static void
tw_cfgtest_env_url(void **state)
{
    (void) state;

    assert_int_equal(setenv(TW_CFGTEST_ENV, "dbname=from_env", 1), 0);
    tw_config_t *cfg = tw_cfgtest_load_ok("[database]\nurl = dbname=file\n");
    assert_string_equal(cfg->db_url, "dbname=from_env");
    tw_config_free(cfg);

    cfg = tw_cfgtest_load_ok("[server]\nport = 8080\n");
    assert_string_equal(cfg->db_url, "dbname=from_env");
    tw_config_free(cfg);

    /* set but empty: the file's value stands */
    assert_int_equal(setenv(TW_CFGTEST_ENV, "", 1), 0);
    cfg = tw_cfgtest_load_ok("[database]\nurl = dbname=file\n");
    assert_string_equal(cfg->db_url, "dbname=file");
    tw_config_free(cfg);

    assert_int_equal(unsetenv(TW_CFGTEST_ENV), 0);
    cfg = tw_cfgtest_load_ok("[database]\nurl = dbname=file\n");
    assert_string_equal(cfg->db_url, "dbname=file");
    tw_config_free(cfg);
}


static void
tw_cfgtest_modules(void **state)
{
    static const tw_cfgtest_case_t cases[] = {
        {"[modules]\norders = yes\n",
         "2: invalid value 'yes' for 'orders' in [modules]: expected on or "
         "off"},
        {"[modules]\nOrders = on\n",
         "2: invalid module name 'Orders' in [modules]: expected "
         "[a-z][a-z0-9_]{0,62}"},
        {"[modules]\n9lives = on\n",
         "2: invalid module name '9lives' in [modules]: expected "
         "[a-z][a-z0-9_]{0,62}"},
        {"[modules]\nserver = on\n",
         "2: module name 'server' in [modules] is reserved for the core"},
        {"[modules]\ncore = off\n",
         "2: module name 'core' in [modules] is reserved for the core"},
        {"[modules]\na = on\nb = off\na = off\n",
         "4: duplicate key 'a' in [modules] (first set on line 2)"},
    };
    (void) state;

    tw_config_t *cfg = tw_cfgtest_load_ok("[modules]\norders = on\n"
                                          "# later\nservice_2 = off\n");
    assert_int_equal(cfg->module_count, 2);
    assert_string_equal(cfg->modules[0].name, "orders");
    assert_true(cfg->modules[0].on);
    assert_int_equal(cfg->modules[0].line, 2);
    assert_false(tw_config_module(cfg, "service_2")->on);
    assert_int_equal(tw_config_module(cfg, "service_2")->line, 4);
    assert_null(tw_config_module(cfg, "other"));
    tw_config_free(cfg);

    tw_cfgtest_expect_errors(cases, sizeof cases / sizeof cases[0]);
}


/* A plugin section is known when [modules] lists it, even later in the
 * file; its keys are kept raw for the plugin's declared keys. */
static void
tw_cfgtest_plugin_sections(void **state)
{
    static const tw_config_key_t keys[] = {
        {"greeting", "hello", "what it says"},
        {NULL, NULL, NULL},
    };
    char err[512];
    char expected[512];
    (void) state;

    tw_config_t *cfg = tw_cfgtest_load_ok("[good]\ngreeting = hi there\n"
                                          "colour = blue\n\n[empty]\n"
                                          "[modules]\ngood = on\n"
                                          "empty = off\n");
    assert_int_equal(cfg->plugin_setting_count, 2);
    assert_string_equal(tw_config_plugin_value(cfg, "good", "greeting"),
                        "hi there");
    assert_null(tw_config_plugin_value(cfg, "good", "missing"));
    assert_null(tw_config_plugin_value(cfg, "empty", "greeting"));
    assert_true(tw_config_check_sections(cfg, err, sizeof err));
    assert_true(tw_config_check_plugin(cfg, "empty", NULL, err, sizeof err));

    assert_false(tw_config_check_plugin(cfg, "good", keys, err, sizeof err));
    snprintf(expected, sizeof expected,
             "%s:3: unknown key 'colour' in [good]", tw_cfgtest_path);
    assert_string_equal(err, expected);

    assert_false(tw_config_check_plugin(cfg, "good", NULL, err, sizeof err));
    snprintf(expected, sizeof expected,
             "%s:2: unknown key 'greeting' in [good]", tw_cfgtest_path);
    assert_string_equal(err, expected);
    tw_config_free(cfg);

    tw_cfgtest_expect_error("[good]\ngreeting = hi\n[modules]\nother = on\n",
                            "1: unknown section [good]");
}


static void
tw_cfgtest_file_errors(void **state)
{
    char err[512];
    char expected[512];
    char ini[512];
    (void) state;

    snprintf(expected, sizeof expected,
             "%s/absent.ini: cannot open: No such file or directory",
             tw_cfgtest_dir);
    snprintf(ini, sizeof ini, "%s/absent.ini", tw_cfgtest_dir);
    assert_null(tw_config_load(ini, err, sizeof err));
    assert_string_equal(err, expected);

    snprintf(expected, sizeof expected, "%s: cannot read: Is a directory",
             tw_cfgtest_dir);
    assert_null(tw_config_load(tw_cfgtest_dir, err, sizeof err));
    assert_string_equal(err, expected);

    /* inih would split a line longer than its buffer; it is refused */
    snprintf(ini, sizeof ini, "[database]\n\nurl = %0250d\n", 7);
    tw_cfgtest_expect_error(ini, "3: line is longer than 197 characters");
}


/* The shipped files load, and say what they are meant to. */
static void
tw_cfgtest_shipped_files(void **state)
{
    char err[512];
    (void) state;

    tw_config_t *cfg = tw_config_load(TW_SOURCE_DIR "/config/tradewind.ini",
                                      err, sizeof err);
    if (cfg == NULL) {
        fail_msg("config/tradewind.ini: %s", err);
    }
    assert_string_equal(cfg->rules_dir, "scripts");
    assert_int_equal(cfg->rules_instruction_budget, 1000000);
    assert_int_equal(cfg->rules_memory_limit, 32 * 1024 * 1024);
    assert_int_equal(cfg->rules_reload_ms, 500);
    tw_config_free(cfg);

    cfg = tw_config_load(TW_SOURCE_DIR "/config/demo.ini", err, sizeof err);
    if (cfg == NULL) {
        fail_msg("config/demo.ini: %s", err);
    }
    assert_true(cfg->auto_migrate);
    assert_string_equal(cfg->plugin_dir, "build/release/plugins");
    assert_string_equal(cfg->rules_dir, "scripts");
    tw_config_free(cfg);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_cfgtest_defaults),
        cmocka_unit_test(tw_cfgtest_every_key),
        cmocka_unit_test(tw_cfgtest_error_lines),
        cmocka_unit_test(tw_cfgtest_integers),
        cmocka_unit_test(tw_cfgtest_switches),
        cmocka_unit_test(tw_cfgtest_body_limit),
        cmocka_unit_test(tw_cfgtest_rules),
        cmocka_unit_test(tw_cfgtest_env_url),
        cmocka_unit_test(tw_cfgtest_modules),
        cmocka_unit_test(tw_cfgtest_plugin_sections),
        cmocka_unit_test(tw_cfgtest_file_errors),
        cmocka_unit_test(tw_cfgtest_shipped_files),
    };

    return cmocka_run_group_tests(tests, tw_cfgtest_setup,
                                  tw_cfgtest_teardown);
}
