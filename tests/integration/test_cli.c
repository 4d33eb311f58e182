/*
 * test_cli.c - `tradewind user`, `tradewind branch` and `tradewind
 * demo-data` as an administrator runs them: exit codes (0 ok, 1 runtime
 * failure, 2 bad usage), --help, the password on standard input, the
 * audit rows they write, and the demo data loading once.
 *
 * No server: a configuration for a fresh database, migrated with
 * `tradewind migrate`; the database is checked directly with libpq.
 * The demo data is loaded first; later tests add below its branches.
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

#include "harness.h"

/* Runs `tradewind ARGS...` with `input`, expects exit `status`, and
 * returns the output (malloc'd). */
#define tw_cli_expect(t, input, status, ...)                               \
    tw_cli_check_run(                                                      \
        tw_test_run((t)->srv.config_path, (input), &tw_cli_output,        \
                    __VA_ARGS__, NULL),                                    \
        (status), #__VA_ARGS__)

static char *tw_cli_output;


/* Checks the exit status of the run behind tw_cli_expect() and hands
 * its output over. */
static char *
tw_cli_check_run(int status, int expected, const char *args)
{
    char *output = tw_cli_output;

    tw_cli_output = NULL;
    return tw_test_cli_expect(status, expected, output, args);
}


static int
tw_cli_setup(void **state)
{
    tw_test_cli_t *t = tw_test_cli_setup(state, sizeof *t, NULL);

    free(tw_cli_expect(t, NULL, 0, "migrate"));
    return 0;
}


static void
tw_cli_help(void **state)
{
    tw_test_cli_t *t = *state;
    char *outputs[] = {
        tw_cli_expect(t, NULL, 0, "user", "--help"),
        tw_cli_expect(t, NULL, 0, "user", "add", "--help"),
        tw_cli_expect(t, NULL, 0, "user", "list", "--help"),
        tw_cli_expect(t, NULL, 0, "branch", "--help"),
        tw_cli_expect(t, NULL, 0, "branch", "add", "--help"),
        tw_cli_expect(t, NULL, 0, "branch", "list", "-h"),
        tw_cli_expect(t, NULL, 0, "demo-data", "--help"),
    };

    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        assert_non_null(strstr(outputs[i], "usage: tradewind"));
        free(outputs[i]);
    }
    free(tw_cli_expect(t, NULL, 2, "user"));
    free(tw_cli_expect(t, NULL, 2, "branch", "move"));
}


static void
tw_cli_demo_data_once(void **state)
{
    tw_test_cli_t *t = *state;
    char *output = tw_cli_expect(t, NULL, 0, "demo-data");

    assert_non_null(strstr(output, "demo data: 61 branches, 61 users"));
    assert_non_null(strstr(output, "\"login\":\"admin\""));
    free(output);
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.branches", NULL, "61");
    tw_test_db_expect(&t->db, "SELECT b.path = p.path || b.id || '/'"
                      " FROM core.branches b JOIN core.branches p"
                      " ON p.id = b.parent_id WHERE b.code = $1", "GD_SZ",
                      "t");
    tw_test_db_expect(&t->db, "SELECT b.code || ':' || r.role FROM core.users u"
                      " JOIN core.branches b ON b.id = u.branch_id"
                      " JOIN core.user_roles r ON r.user_id = u.id"
                      " WHERE u.login = $1", "gd_sz.admin", "GD_SZ:admin");

    output = tw_cli_expect(t, NULL, 0, "demo-data");
    assert_non_null(strstr(output, "already loaded"));
    assert_non_null(strstr(output, "demo data: 61 branches, 61 users"));
    free(output);
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.branches", NULL, "61");
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.audit"
                      " WHERE entity = $1", "demo_data", "1");
}


static void
tw_cli_user_add_reads_stdin(void **state)
{
    tw_test_cli_t *t = *state;
    char *output = tw_cli_expect(t, "carol-password\nignored\n", 0, "user",
                                 "add", "carol", "--branch", "BJ", "--role",
                                 "admin");
    char *hash = tw_test_db_value(&t->db, "SELECT password_hash"
                                  " FROM core.users WHERE login = $1",
                                  "carol");
    static const char password[] = "carol-password";

    /* Only the first line, without its line end, is the password. */
    assert_int_equal(crypto_pwhash_str_verify(hash, password,
                                              sizeof password - 1), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "carol-password\n",
                                                  15), 0);
    assert_non_null(strstr(hash, "$argon2id$"));
    free(hash);
    free(output);

    output = tw_cli_expect(t, NULL, 0, "user", "list");
    assert_non_null(strstr(output, "carol"));
    assert_null(strstr(output, "$argon2"));
    free(output);
    tw_test_db_expect(&t->db, "SELECT login || ' ' || action || ' ' || entity"
                      " FROM core.audit WHERE entity_id = $1", "carol",
                      "cli create user");
}


static void
tw_cli_user_add_refusals(void **state)
{
    tw_test_cli_t *t = *state;
    static const char pw[] = "dave-password\n";

    free(tw_cli_expect(t, pw, 2, "user", "add", "dave", "--role", "admin"));
    free(tw_cli_expect(t, pw, 2, "user", "add", "dave", "--branch", "BJ"));
    free(tw_cli_expect(t, pw, 2, "user", "add", "--branch", "BJ", "--role",
                       "admin"));
    free(tw_cli_expect(t, pw, 2, "user", "add", "dave", "--branch", "BJ",
                       "--role", "no_such_role"));
    free(tw_cli_expect(t, pw, 2, "user", "add", "da ve", "--branch", "BJ",
                       "--role", "admin"));
    free(tw_cli_expect(t, pw, 2, "user", "add", "dave", "--branch", "BJ",
                       "--role", "admin", "--colour", "red"));
    free(tw_cli_expect(t, "short\n", 2, "user", "add", "dave", "--branch",
                       "BJ", "--role", "admin"));
    free(tw_cli_expect(t, "", 2, "user", "add", "dave", "--branch", "BJ",
                       "--role", "admin"));
    free(tw_cli_expect(t, pw, 1, "user", "add", "dave", "--branch", "NOPE",
                       "--role", "admin"));
    free(tw_cli_expect(t, pw, 1, "user", "add", "carol", "--branch", "BJ",
                       "--role", "admin"));
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.users"
                      " WHERE login = $1", "dave", "0");
}


static void
tw_cli_branch_add_and_list(void **state)
{
    tw_test_cli_t *t = *state;

    free(tw_cli_expect(t, NULL, 0, "branch", "add", "ZJ_LS", "--name",
                       "丽水分公司", "--parent", "ZJ"));
    tw_test_db_expect(&t->db, "SELECT p.code || ' ' || b.name || ' '"
                      " || (b.path = p.path || b.id || '/')"
                      " FROM core.branches b JOIN core.branches p"
                      " ON p.id = b.parent_id WHERE b.code = $1", "ZJ_LS",
                      "ZJ 丽水分公司 true");
    tw_test_db_expect(&t->db, "SELECT login FROM core.audit"
                      " WHERE entity = 'branch' AND entity_id = $1", "ZJ_LS",
                      "cli");

    char *output = tw_cli_expect(t, NULL, 0, "branch", "list");

    assert_non_null(strstr(output, "ZJ_LS"));
    assert_non_null(strstr(output, "丽水分公司"));
    free(output);

    free(tw_cli_expect(t, NULL, 2, "branch", "add", "zj_x", "--name", "x",
                       "--parent", "ZJ"));
    free(tw_cli_expect(t, NULL, 2, "branch", "add", "ZJ_X", "--parent",
                       "ZJ"));
    free(tw_cli_expect(t, NULL, 1, "branch", "add", "ZJ_X", "--name", "x",
                       "--parent", "NOPE"));
    free(tw_cli_expect(t, NULL, 1, "branch", "add", "ZJ_LS", "--name", "x",
                       "--parent", "ZJ"));
    free(tw_cli_expect(t, NULL, 2, "branch", "list", "extra"));
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.branches", NULL, "62");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_cli_help),
        cmocka_unit_test(tw_cli_demo_data_once),
        cmocka_unit_test(tw_cli_user_add_reads_stdin),
        cmocka_unit_test(tw_cli_user_add_refusals),
        cmocka_unit_test(tw_cli_branch_add_and_list),
    };

    return cmocka_run_group_tests(tests, tw_cli_setup, tw_test_cli_teardown);
}
