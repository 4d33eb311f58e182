/*
 * test_audit.c - the audit trail: what a change writes, that a refused
 * request writes nothing and keeps nothing, how GET /api/v1/audit pages
 * and filters, and that a branch user sees only its subtree's rows.
 *
 * Branches A and B below HQ come from the command line (audited with
 * login "cli").  Users: root (HQ, admin), a_admin (A, admin), a_clerk
 * (A, clerk), b_clerk (B, clerk).  Requests carry an X-Request-Id, so
 * their rows can be found by it.  The last test stops the server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TW_AUDIT_PASSWORD "audit-password"

typedef struct tw_audit_test {
    tw_test_db_t db;
    tw_test_server_t srv;
    char *root;
    char *a_admin;
    char *a_clerk;
    char *b_clerk;
} tw_audit_test_t;


/* tw_test_call() with X-Request-Id `request_id` (may be NULL). */
static json_t *
tw_audit_call(const tw_audit_test_t *t, const char *method, const char *path,
              const char *token, const char *request_id, const char *body,
              int status)
{
    char header[128] = "";

    if (request_id != NULL) {
        snprintf(header, sizeof header, "X-Request-Id: %s\r\n", request_id);
    }
    return tw_test_call(&t->srv, method, path, token, header, body, status);
}


static void
tw_audit_cli_branch(const tw_audit_test_t *t, const char *code)
{
    char *output = NULL;
    int status = tw_test_run(t->srv.config_path, NULL, &output, "branch",
                             "add", code, "--name", code, "--parent", "HQ",
                             NULL);

    if (status != 0) {
        print_error("branch add %s: %s\n", code, output);
    }
    assert_int_equal(status, 0);
    free(output);
}


static int
tw_audit_setup(void **state)
{
    tw_audit_test_t *t = calloc(1, sizeof *t);
    tw_test_options_t opts = {.modules = "good = on\n"};

    assert_non_null(t);
    *state = t;
    tw_test_serve(&t->db, &t->srv, &opts);
    tw_audit_cli_branch(t, "A");
    tw_audit_cli_branch(t, "B");
    t->root = tw_test_user(&t->srv, "root", TW_AUDIT_PASSWORD, "HQ",
                           "admin");
    t->a_admin = tw_test_user(&t->srv, "a_admin", TW_AUDIT_PASSWORD, "A",
                              "admin");
    t->a_clerk = tw_test_user(&t->srv, "a_clerk", TW_AUDIT_PASSWORD, "A",
                              "clerk");
    t->b_clerk = tw_test_user(&t->srv, "b_clerk", TW_AUDIT_PASSWORD, "B",
                              "clerk");
    return 0;
}


static int
tw_audit_teardown(void **state)
{
    tw_audit_test_t *t = *state;

    if (t == NULL) {
        return 0;
    }
    tw_test_finish(&t->db, &t->srv);
    free(t->root);
    free(t->a_admin);
    free(t->a_clerk);
    free(t->b_clerk);
    free(t);
    return 0;
}


/* The audit rows `token` may see (at most 200, newest first); a new
 * reference to the items array. */
static json_t *
tw_audit_rows(const tw_audit_test_t *t, const char *token)
{
    json_t *page = tw_audit_call(t, "GET", "/api/v1/audit?limit=200", token,
                                 NULL, NULL, 200);
    json_t *items = json_incref(json_object_get(page, "items"));

    assert_true(json_is_null(json_object_get(page, "next")));
    json_decref(page);
    return items;
}


/* The row of `rows` whose `key` is `value`; NULL when none. */
static json_t *
tw_audit_find(json_t *rows, const char *key, const char *value)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        const char *v = json_string_value(json_object_get(row, key));

        if (v != NULL && strcmp(v, value) == 0) {
            return row;
        }
    }
    return NULL;
}


static void
tw_audit_expect_field(json_t *row, const char *key, const char *value)
{
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, key)), value);
}


/* The branch id of the user of `token`. */
static json_int_t
tw_audit_branch_of(const tw_audit_test_t *t, const char *token)
{
    json_t *me = tw_audit_call(t, "GET", "/api/v1/me", token, NULL, NULL,
                               200);
    json_int_t id = json_integer_value(
        json_object_get(json_object_get(me, "branch"), "id"));

    json_decref(me);
    return id;
}


static void
tw_audit_changes_are_audited(void **state)
{
    tw_audit_test_t *t = *state;
    json_t *note = tw_audit_call(t, "POST", "/api/v1/notes", t->a_clerk,
                                 "audit-note", "{\"branch\":\"A\","
                                 "\"title\":\"audited\"}", 201);
    char note_id[32];

    snprintf(note_id, sizeof note_id, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(note, "id")));
    json_decref(note);
    json_decref(tw_audit_call(t, "POST", "/api/v1/branches", t->root,
                              "audit-branch", "{\"code\":\"AUD\","
                              "\"name\":\"审计\",\"parent\":\"HQ\"}", 201));

    json_t *rows = tw_audit_rows(t, t->root);
    json_t *row = tw_audit_find(rows, "request_id", "audit-note");

    tw_audit_expect_field(row, "login", "a_clerk");
    tw_audit_expect_field(row, "action", "create");
    tw_audit_expect_field(row, "entity", "note");
    tw_audit_expect_field(row, "entity_id", note_id);
    assert_int_equal(json_integer_value(json_object_get(row, "branch_id")),
                     tw_audit_branch_of(t, t->a_clerk));

    row = tw_audit_find(rows, "request_id", "audit-branch");
    tw_audit_expect_field(row, "login", "root");
    tw_audit_expect_field(row, "action", "create");
    tw_audit_expect_field(row, "entity", "branch");
    tw_audit_expect_field(row, "entity_id", "AUD");

    /* The command line's changes and the logins are there too. */
    row = tw_audit_find(rows, "entity_id", "A");
    tw_audit_expect_field(row, "login", "cli");
    tw_audit_expect_field(row, "entity", "branch");
    row = tw_audit_find(rows, "action", "login");
    tw_audit_expect_field(row, "entity", "session");
    json_decref(rows);
}


static void
tw_audit_refusals_leave_nothing(void **state)
{
    tw_audit_test_t *t = *state;
    json_t *before = tw_audit_rows(t, t->root);
    json_t *notes = tw_audit_call(t, "GET", "/api/v1/notes", t->root, NULL,
                                  NULL, 200);
    size_t note_count = json_array_size(json_object_get(notes, "items"));

    json_decref(notes);
    json_decref(tw_audit_call(t, "POST", "/api/v1/notes", t->b_clerk,
                              "audit-fail-1", "{\"branch\":\"A\","
                              "\"title\":\"refused\"}", 403));
    json_decref(tw_audit_call(t, "POST", "/api/v1/branches", t->root,
                              "audit-fail-2", "{\"code\":\"AUD\","
                              "\"name\":\"again\",\"parent\":\"HQ\"}", 409));
    json_decref(tw_audit_call(t, "POST", "/api/v1/users", t->a_admin,
                              "audit-fail-3", "{\"login\":\"intruder\","
                              "\"password\":\"long-enough\",\"branch\":\"B\","
                              "\"roles\":[\"clerk\"]}", 403));

    json_t *after = tw_audit_rows(t, t->root);

    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);

    notes = tw_audit_call(t, "GET", "/api/v1/notes", t->root, NULL, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(notes, "items")),
                     note_count);
    json_decref(notes);

    json_t *users = tw_audit_call(t, "GET", "/api/v1/users?limit=200",
                                  t->root, NULL, NULL, 200);

    assert_null(tw_audit_find(json_object_get(users, "items"), "login",
                              "intruder"));
    json_decref(users);
}


static void
tw_audit_branch_sees_subtree_rows(void **state)
{
    tw_audit_test_t *t = *state;

    json_decref(tw_audit_call(t, "POST", "/api/v1/notes", t->b_clerk,
                              "audit-b-note", "{\"branch\":\"B\","
                              "\"title\":\"of B\"}", 201));

    json_int_t a = tw_audit_branch_of(t, t->a_admin);
    json_t *rows = tw_audit_rows(t, t->a_admin);
    json_t *row;
    size_t i;

    assert_non_null(tw_audit_find(rows, "request_id", "audit-note"));
    assert_null(tw_audit_find(rows, "request_id", "audit-b-note"));
    assert_null(tw_audit_find(rows, "request_id", "audit-branch"));
    json_array_foreach(rows, i, row) {
        assert_int_equal(json_integer_value(json_object_get(row,
                                                            "branch_id")), a);
    }
    json_decref(rows);

    rows = tw_audit_rows(t, t->root);
    assert_non_null(tw_audit_find(rows, "request_id", "audit-b-note"));
    json_decref(rows);
}


static void
tw_audit_pages_and_filters(void **state)
{
    tw_audit_test_t *t = *state;
    json_t *first = tw_audit_call(t, "GET", "/api/v1/audit?limit=1", t->root,
                                  NULL, NULL, 200);
    const char *next = json_string_value(json_object_get(first, "next"));
    json_int_t first_id = json_integer_value(json_object_get(
        json_array_get(json_object_get(first, "items"), 0), "id"));
    char path[128];

    assert_int_equal(json_array_size(json_object_get(first, "items")), 1);
    assert_non_null(next);
    snprintf(path, sizeof path, "/api/v1/audit?limit=1&after=%s", next);

    json_t *second = tw_audit_call(t, "GET", path, t->root, NULL, NULL, 200);
    json_int_t second_id = json_integer_value(json_object_get(
        json_array_get(json_object_get(second, "items"), 0), "id"));

    assert_true(second_id > 0 && second_id < first_id);
    json_decref(first);
    json_decref(second);

    json_t *notes = tw_audit_call(t, "GET",
                                  "/api/v1/audit?entity=note&action=create",
                                  t->root, NULL, NULL, 200);
    json_t *row;
    size_t i;

    assert_int_equal(json_array_size(json_object_get(notes, "items")), 2);
    json_array_foreach(json_object_get(notes, "items"), i, row) {
        tw_audit_expect_field(row, "entity", "note");
        tw_audit_expect_field(row, "action", "create");
    }
    json_decref(notes);
    json_decref(tw_audit_call(t, "GET", "/api/v1/audit?limit=201", t->root,
                              NULL, NULL, 400));
    json_decref(tw_audit_call(t, "GET", "/api/v1/audit?after=x", t->root,
                              NULL, NULL, 400));
}


/* A public POST without a token still leaves a row, with no user. */
static void
tw_audit_anonymous_change_is_audited(void **state)
{
    tw_audit_test_t *t = *state;

    json_decref(tw_audit_call(t, "POST", "/api/v1/good/pings", NULL,
                              "audit-anonymous", "{}", 201));

    json_t *rows = tw_audit_rows(t, t->root);
    json_t *row = tw_audit_find(rows, "request_id", "audit-anonymous");

    tw_audit_expect_field(row, "action", "POST");
    tw_audit_expect_field(row, "entity", "/api/v1/good/pings");
    assert_true(json_is_null(json_object_get(row, "login")));
    json_decref(rows);
}


static void
tw_audit_stop(void **state)
{
    tw_audit_test_t *t = *state;

    tw_test_stop(&t->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_audit_changes_are_audited),
        cmocka_unit_test(tw_audit_refusals_leave_nothing),
        cmocka_unit_test(tw_audit_branch_sees_subtree_rows),
        cmocka_unit_test(tw_audit_pages_and_filters),
        cmocka_unit_test(tw_audit_anonymous_change_is_audited),
        cmocka_unit_test(tw_audit_stop),
    };

    return cmocka_run_group_tests(tests, tw_audit_setup, tw_audit_teardown);
}
