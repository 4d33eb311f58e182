/*
 * test_auth.c - logging in and out: POST /api/v1/sessions, GET
 * /api/v1/me, DELETE /api/v1/sessions/current, session expiry, and what
 * the request role may not read (password hashes, sessions).
 *
 * One server (module "good" on, for the roles clerk and viewer) on one
 * fresh database for the group; the expiry test starts a second server
 * with a 2-second session lifetime on the same database.  The last test
 * stops the first server, so an unclean stop fails a test.
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

#define TW_AUTH_PASSWORD "root-password"

typedef struct tw_auth {
    tw_test_db_t db;
    tw_test_server_t srv;
} tw_auth_t;


static int
tw_auth_setup(void **state)
{
    tw_auth_t *auth = calloc(1, sizeof *auth);
    tw_test_options_t opts = {.modules = "good = on\n"};

    assert_non_null(auth);
    *state = auth;
    tw_test_serve(&auth->db, &auth->srv, &opts);
    assert_int_equal(tw_test_add_user(&auth->srv, "root", TW_AUTH_PASSWORD,
                                      "HQ", "admin"), 0);
    assert_int_equal(tw_test_add_user(&auth->srv, "multi", TW_AUTH_PASSWORD,
                                      "HQ", "viewer,clerk"), 0);
    return 0;
}


static int
tw_auth_teardown(void **state)
{
    tw_auth_t *auth = *state;

    if (auth == NULL) {
        return 0;
    }
    tw_test_finish(&auth->db, &auth->srv);
    free(auth);
    return 0;
}


static char *
tw_auth_login(const tw_test_server_t *srv, const char *login)
{
    char *token = tw_test_login(srv, login, TW_AUTH_PASSWORD);

    assert_non_null(token);
    return token;
}


static void
tw_auth_login_issues_token(void **state)
{
    tw_auth_t *auth = *state;
    json_t *session = tw_test_call(&auth->srv, "POST", "/api/v1/sessions",
                                   NULL, NULL, "{\"login\":\"root\","
                                   "\"password\":\"" TW_AUTH_PASSWORD "\"}",
                                   201);
    const char *token = json_string_value(json_object_get(session, "token"));
    const char *expires = json_string_value(json_object_get(session,
                                                            "expires_at"));

    assert_non_null(token);
    assert_int_equal(strlen(token), 43); /* 32 bytes, base64url */
    assert_non_null(expires);
    assert_int_equal(strlen(expires), 20); /* 2026-01-01T00:00:00Z */
    assert_int_equal(expires[19], 'Z');

    json_t *me = tw_test_call(&auth->srv, "GET", "/api/v1/me", token, NULL,
                              NULL, 200);

    assert_string_equal(json_string_value(json_object_get(me, "login")),
                        "root");
    json_decref(me);
    json_decref(session);
}


static void
tw_auth_bad_credentials_look_alike(void **state)
{
    tw_auth_t *auth = *state;
    const tw_test_server_t *srv = &auth->srv;
    json_t *wrong = tw_test_refusal(srv, "POST", "/api/v1/sessions", NULL,
        "{\"login\":\"root\",\"password\":\"not-the-password\"}", 401,
        "invalid_credentials");
    json_t *unknown = tw_test_refusal(srv, "POST", "/api/v1/sessions", NULL,
        "{\"login\":\"nobody\",\"password\":\"not-the-password\"}", 401,
        "invalid_credentials");

    /* Nothing in the answer tells an unknown login from a wrong password. */
    assert_true(json_equal(wrong, unknown));
    assert_non_null(json_string_value(json_object_get(wrong, "message")));
    json_decref(wrong);
    json_decref(unknown);
}


static void
tw_auth_login_needs_fields(void **state)
{
    tw_auth_t *auth = *state;
    static const char *const bodies[] = {
        "{}", "{\"login\":\"root\"}", "{\"password\":\"" TW_AUTH_PASSWORD "\"}",
        "{\"login\":5,\"password\":\"" TW_AUTH_PASSWORD "\"}", "[]",
    };

    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_decref(tw_test_refusal(&auth->srv, "POST", "/api/v1/sessions",
                                    NULL, bodies[i], 400, "invalid_input"));
    }
}


static void
tw_auth_me_describes_user(void **state)
{
    tw_auth_t *auth = *state;
    char *token = tw_auth_login(&auth->srv, "multi");
    json_t *me = tw_test_call(&auth->srv, "GET", "/api/v1/me", token, NULL,
                              NULL, 200);
    json_t *branch = json_object_get(me, "branch");
    json_t *roles = json_object_get(me, "roles");

    assert_true(json_integer_value(json_object_get(me, "id")) > 0);
    assert_string_equal(json_string_value(json_object_get(me, "login")),
                        "multi");
    assert_true(json_integer_value(json_object_get(branch, "id")) > 0);
    assert_string_equal(json_string_value(json_object_get(branch, "code")),
                        "HQ");
    assert_string_equal(json_string_value(json_object_get(branch, "name")),
                        "总部");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), "clerk");
    assert_string_equal(json_string_value(json_array_get(roles, 1)),
                        "viewer");
    json_decref(me);
    free(token);
}


static void
tw_auth_token_required(void **state)
{
    tw_auth_t *auth = *state;
    const tw_test_server_t *srv = &auth->srv;
    tw_test_response_t res;

    json_decref(tw_test_refusal(srv, "GET", "/api/v1/me", NULL, NULL, 401,
                                "unauthenticated"));
    json_decref(tw_test_refusal(srv, "GET", "/api/v1/me",
                                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                NULL, 401, "unauthenticated"));

    /* A credential of another scheme is no bearer token. */
    assert_int_equal(tw_test_http(srv->port, "GET", "/api/v1/me", NULL,
                                  "Authorization: Basic cm9vdDpyb290\r\n",
                                  NULL, &res), 0);
    assert_int_equal(res.status, 401);
    tw_test_response_free(&res);
}


static void
tw_auth_revocation(void **state)
{
    tw_auth_t *auth = *state;
    const tw_test_server_t *srv = &auth->srv;
    char *ended = tw_auth_login(srv, "root");
    char *other = tw_auth_login(srv, "root");
    json_t *none = tw_test_call(srv, "DELETE", "/api/v1/sessions/current",
                                ended, NULL, NULL, 204);

    assert_null(none);
    json_decref(tw_test_refusal(srv, "GET", "/api/v1/me", ended, NULL, 401,
                                "unauthenticated"));
    json_decref(tw_test_refusal(srv, "DELETE", "/api/v1/sessions/current",
                                ended, NULL, 401, "unauthenticated"));

    /* Only that session ended. */
    json_decref(tw_test_call(srv, "GET", "/api/v1/me", other, NULL, NULL,
                             200));
    free(ended);
    free(other);
}


static void
tw_auth_expiry(void **state)
{
    tw_auth_t *auth = *state;
    tw_test_options_t opts = {.modules = "good = on\n", .session_ttl_s = 2};
    tw_test_server_t brief;

    assert_int_equal(tw_test_server_start(&brief, auth->db.url, &opts), 0);

    char *token = tw_auth_login(&brief, "root");

    json_decref(tw_test_call(&brief, "GET", "/api/v1/me", token, NULL, NULL,
                             200));
    sleep(3);
    json_decref(tw_test_refusal(&brief, "GET", "/api/v1/me", token, NULL,
                                401, "unauthenticated"));
    free(token);
    tw_test_stop(&brief);
}


static void
tw_auth_secrets_out_of_reach(void **state)
{
    tw_auth_t *auth = *state;
    char *token = tw_auth_login(&auth->srv, "root");
    unsigned char hash[crypto_generichash_BYTES];
    char hex[2 * sizeof hash + 1];

    tw_test_db_expect(&auth->db, "SELECT has_column_privilege("
                      "'tradewind_app', 'core.users', 'password_hash',"
                      " 'SELECT')", NULL, "f");
    tw_test_db_expect(&auth->db, "SELECT has_table_privilege("
                      "'tradewind_app', 'core.sessions',"
                      " 'SELECT, INSERT, UPDATE, DELETE')", NULL, "f");

    /* The session is found by the BLAKE2b-256 of the token, never by the
     * token itself. */
    crypto_generichash(hash, sizeof hash, (const unsigned char *) token,
                       strlen(token), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    tw_test_db_expect(&auth->db, "SELECT count(*) FROM core.sessions"
                      " WHERE token_hash = decode($1, 'hex')", hex, "1");
    tw_test_db_expect(&auth->db, "SELECT count(*) FROM core.sessions"
                      " WHERE token_hash = convert_to($1, 'UTF8')", token,
                      "0");
    free(token);
}


static void
tw_auth_stop(void **state)
{
    tw_auth_t *auth = *state;

    tw_test_stop(&auth->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_auth_login_issues_token),
        cmocka_unit_test(tw_auth_bad_credentials_look_alike),
        cmocka_unit_test(tw_auth_login_needs_fields),
        cmocka_unit_test(tw_auth_me_describes_user),
        cmocka_unit_test(tw_auth_token_required),
        cmocka_unit_test(tw_auth_revocation),
        cmocka_unit_test(tw_auth_expiry),
        cmocka_unit_test(tw_auth_secrets_out_of_reach),
        cmocka_unit_test(tw_auth_stop),
    };

    return cmocka_run_group_tests(tests, tw_auth_setup, tw_auth_teardown);
}
