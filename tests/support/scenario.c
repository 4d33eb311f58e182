/*
 * scenario.c - the asserting shortcuts of integration tests: a database
 * with a server on it (or only a configuration, for the command-line
 * tools), a request whose status must match, a run of `tradewind` whose
 * exit status must match, a user who must be able to log in, a value
 * read from the test database, a file written as an editor saves it
 * (and a scratch folder removed again), a script's content hash.
 *
 * Each fails the running test through cmocka instead of returning an
 * error, and releases what it holds before asserting, since a failed
 * assertion jumps away.  Returned references belong to the caller.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "harness_internal.h"


void
tw_test_serve(tw_test_db_t *db, tw_test_server_t *srv,
              const tw_test_options_t *opts)
{
    assert_int_equal(tw_test_db_create(db), 0);
    assert_int_equal(tw_test_server_start(srv, db->url, opts), 0);
}


void
tw_test_finish(tw_test_db_t *db, tw_test_server_t *srv)
{
    /* Without a running server this only removes the folder. */
    tw_test_server_stop(srv);
    if (db != NULL) {
        tw_test_db_drop(db);
    }
}


void
tw_test_stop(tw_test_server_t *srv)
{
    tw_test_server_stop(srv);
    assert_int_equal(srv->pid, 0);
}


json_t *
tw_test_call(const tw_test_server_t *srv, const char *method,
             const char *path, const char *token, const char *extra_headers,
             const char *body, int expected_status)
{
    tw_test_response_t res;
    json_t *json;
    int status;

    assert_int_equal(tw_test_http(srv->port, method, path, token,
                                  extra_headers, body, &res), 0);
    if (res.status != expected_status) {
        print_error("%s %s: %d %s\n", method, path, res.status, res.body);
    }

    status = res.status;
    json = status == expected_status ? json_incref(res.json) : NULL;
    tw_test_response_free(&res);
    assert_int_equal(status, expected_status);
    return json;
}


json_t *
tw_test_refusal(const tw_test_server_t *srv, const char *method,
                const char *path, const char *token, const char *body,
                int expected_status, const char *expected_code)
{
    json_t *json = tw_test_call(srv, method, path, token, NULL, body,
                                expected_status);
    json_t *error = json_incref(json_object_get(json, "error"));
    const char *code = json_string_value(json_object_get(error, "code"));
    bool match = code != NULL && strcmp(code, expected_code) == 0;

    if (!match) {
        print_error("%s %s: error code %s, expected %s\n", method, path,
                    code != NULL ? code : "(none)", expected_code);
        json_decref(error);
    }
    json_decref(json);
    assert_true(match);
    return error;
}


char *
tw_test_user(const tw_test_server_t *srv, const char *login,
             const char *password, const char *branch, const char *roles)
{
    char *token;

    assert_int_equal(tw_test_add_user(srv, login, password, branch, roles),
                     0);
    token = tw_test_login(srv, login, password);
    assert_non_null(token);
    return token;
}


char *
tw_test_db_value(const tw_test_db_t *db, const char *sql, const char *param)
{
    PGconn *conn = PQconnectdb(db->url);
    PGresult *res = PQexecParams(conn, sql, param != NULL ? 1 : 0, NULL,
                                 &param, NULL, NULL, 0);
    bool one_row = PQresultStatus(res) == PGRES_TUPLES_OK &&
                   PQntuples(res) == 1;
    char *value = one_row ? strdup(PQgetvalue(res, 0, 0)) : NULL;

    if (!one_row) {
        print_error("%s: %s\n", sql, PQerrorMessage(conn));
    }
    PQclear(res);
    PQfinish(conn);
    assert_non_null(value);
    return value;
}


void
tw_test_db_expect(const tw_test_db_t *db, const char *sql, const char *param,
                  const char *expected)
{
    char *value = tw_test_db_value(db, sql, param);

    if (strcmp(value, expected) != 0) {
        print_error("%s (%s): %s, expected %s\n", sql,
                    param != NULL ? param : "", value, expected);
        free(value);
        fail();
    }
    free(value);
}


void *
tw_test_cli_setup(void **state, size_t size, const tw_test_options_t *opts)
{
    tw_test_cli_t *t = calloc(1, size);

    assert_non_null(t);
    *state = t;
    assert_int_equal(tw_test_db_create(&t->db), 0);
    assert_int_equal(tw_test_config_write(&t->srv, t->db.url, opts), 0);
    return t;
}


int
tw_test_cli_teardown(void **state)
{
    tw_test_cli_t *t = *state;

    if (t == NULL) {
        return 0;
    }
    tw_test_finish(&t->db, &t->srv);
    free(t);
    return 0;
}


char *
tw_test_cli_expect(int status, int expected, char *output, const char *args)
{
    assert_non_null(output);
    if (status != expected) {
        print_error("tradewind %s: exit %d, expected %d:\n%s", args, status,
                    expected, output);
        free(output);
    }
    assert_int_equal(status, expected);
    return output;
}


/* Creates the folders of <dir>/<rel>'s parent that are missing. */
static void
tw_test_make_parents(const char *dir, const char *rel)
{
    char path[512];

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *slash = strchr(path + strlen(dir) + 1, '/');
         slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fail_msg("mkdir %s: %s", path, strerror(errno));
        }
        *slash = '/';
    }
}


void
tw_test_save_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    char tmp[520];

    tw_test_make_parents(dir, rel);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);

    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
}


int
tw_test_remove_dir(const char *dir)
{
    char command[600];

    if (dir[0] == '\0') {
        return 0;
    }
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
        return -1;
    }
    return 0;
}


void
tw_test_sha256_hex(const char *text, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, (const unsigned char *) text, strlen(text));
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}
