/*
 * scenario.c - the asserting shortcuts of integration tests: a database
 * with a server on it, a request whose status must match, a user who
 * must be able to log in, a value read from the test database.
 *
 * Each fails the running test through cmocka instead of returning an
 * error, and releases what it holds before asserting, since a failed
 * assertion jumps away.  Returned references belong to the caller.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
