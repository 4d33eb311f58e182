/*
 * test_startup.c - what the `tradewind` program does before it serves,
 * seen as an administrator sees it: exit status and the one message.
 *
 * A configuration mistake exits 2 naming file:line; a bad plugin (wrong
 * ABI, missing requirement, failing init) exits 1 naming the plugin; a
 * module switched off has no routes, no migrations and no commands; serve
 * refuses pending migrations unless auto_migrate is on, and migrate is
 * idempotent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

typedef struct tw_startup {
    tw_test_db_t db;
} tw_startup_t;


static int
tw_startup_setup(void **state)
{
    tw_startup_t *t = calloc(1, sizeof *t);

    assert_non_null(t);
    *state = t;
    assert_int_equal(tw_test_db_create(&t->db), 0);
    return 0;
}


static int
tw_startup_teardown(void **state)
{
    tw_startup_t *t = *state;

    tw_test_db_drop(&t->db);
    free(t);
    return 0;
}


/* Runs `tradewind COMMAND` with a configuration of `modules`; checks the
 * exit status and that the output contains `expected`. */
static void
tw_startup_expect(const tw_startup_t *t, const char *modules,
                  const char *command, int status, const char *expected)
{
    tw_test_options_t opts = {.modules = modules};
    tw_test_server_t srv = {0};
    char *output = NULL;

    assert_int_equal(tw_test_config_write(&srv, t->db.url, &opts), 0);
    int got = tw_test_run(srv.config_path, NULL, &output, command, NULL);

    if (got != status || strstr(output, expected) == NULL) {
        print_error("%s with [modules] %s: status %d, output:\n%s\n",
                    command, modules, got, output);
    }
    assert_int_equal(got, status);
    assert_non_null(strstr(output, expected));
    free(output);
    tw_test_server_stop(&srv);
}


static void
tw_startup_config_error_names_file_and_line(void **state)
{
    (void) state;
    char path[] = "/tmp/tw-startup-XXXXXX";
    char expected[64];
    char *output = NULL;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("[server]\nport = 8080\n\n; a typo follows\nprot = 1\n", f);
    fclose(f);

    int status = tw_test_run(path, NULL, &output, "plugins", NULL);

    snprintf(expected, sizeof expected, "%s:5: unknown key 'prot'", path);
    if (strstr(output, expected) == NULL) {
        print_error("output:\n%s\n", output);
    }
    assert_int_equal(status, 2);
    assert_non_null(strstr(output, expected));
    free(output);
    unlink(path);
}


static void
tw_startup_bad_plugins_are_refused(void **state)
{
    const tw_startup_t *t = *state;

    tw_startup_expect(t, "bad_abi = on\n", "plugins", 1,
                      "ABI version 2 does not match the core's 1");
    tw_startup_expect(t, "missing_req = on\n", "plugins", 1,
                      "no_such_plugin");
    tw_startup_expect(t, "init_fail = on\n", "plugins", 1, "init_fail");
    tw_startup_expect(t, "needs_good = on\ngood = off\n", "plugins", 2,
                      "requires 'good', which is off");
    tw_startup_expect(t, "needs_good = on\ngood = on\n", "plugins", 0,
                      "needs_good");
}


/* True when schema `name` exists in the test database. */
static bool
tw_startup_schema_exists(const tw_startup_t *t, const char *name)
{
    PGconn *conn = PQconnectdb(t->db.url);
    const char *params[] = {name};

    assert_int_equal(PQstatus(conn), CONNECTION_OK);
    PGresult *res = PQexecParams(conn,
        "SELECT count(*) FROM pg_namespace WHERE nspname = $1", 1, NULL,
        params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);

    bool exists = strcmp(PQgetvalue(res, 0, 0), "1") == 0;

    PQclear(res);
    PQfinish(conn);
    return exists;
}


static int
tw_startup_hello_status(const tw_startup_t *t, const char *modules)
{
    tw_test_options_t opts = {.modules = modules};
    tw_test_server_t srv = {0};
    tw_test_response_t res;

    assert_int_equal(tw_test_server_start(&srv, t->db.url, &opts), 0);
    assert_int_equal(tw_test_http(srv.port, "GET", "/api/v1/good/hello",
                                  NULL, NULL, NULL, &res), 0);
    int status = res.status;

    tw_test_response_free(&res);
    tw_test_server_stop(&srv);
    return status;
}


static void
tw_startup_module_switch(void **state)
{
    const tw_startup_t *t = *state;

    assert_int_equal(tw_startup_hello_status(t, "good = off\n"), 404);
    assert_false(tw_startup_schema_exists(t, "good"));
    tw_startup_expect(t, "good = off\n", "good-count", 2,
                      "unknown command 'good-count'");

    assert_int_equal(tw_startup_hello_status(t, "good = on\n"), 200);
    assert_true(tw_startup_schema_exists(t, "good"));
    tw_startup_expect(t, "good = on\n", "good-count", 0, "0\n");
}


static void
tw_startup_pending_migrations(void **state)
{
    tw_test_db_t db;
    tw_test_server_t srv = {0};
    tw_test_options_t opts = {.manual_migrations = true};
    char *output = NULL;

    (void) state;
    assert_int_equal(tw_test_db_create(&db), 0);
    assert_int_equal(tw_test_config_write(&srv, db.url, &opts), 0);

    assert_int_equal(tw_test_run(srv.config_path, NULL, &output, "serve",
                                 NULL), 1);
    assert_non_null(strstr(output, "pending migrations"));
    free(output);

    assert_int_equal(tw_test_run(srv.config_path, NULL, &output, "migrate",
                                 NULL), 0);
    assert_null(strstr(output, "count=0"));
    free(output);
    assert_int_equal(tw_test_run(srv.config_path, NULL, &output, "migrate",
                                 NULL), 0);
    assert_non_null(strstr(output, "count=0"));
    free(output);

    tw_test_server_stop(&srv);
    tw_test_db_drop(&db);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_startup_config_error_names_file_and_line),
        cmocka_unit_test(tw_startup_bad_plugins_are_refused),
        cmocka_unit_test(tw_startup_module_switch),
        cmocka_unit_test(tw_startup_pending_migrations),
    };

    return cmocka_run_group_tests(tests, tw_startup_setup,
                                  tw_startup_teardown);
}
