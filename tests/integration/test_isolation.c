/*
 * test_isolation.c - branch isolation end to end, with the test plugin
 * "good" (notes that carry a branch_id).
 *
 * The tree: HQ with A and B below it, A_1 below A.  Users: hq.admin
 * (HQ, admin), a_admin (A, admin), a_clerk (A, clerk), b_clerk (B,
 * clerk).  The tests form one scenario and run in order: the notes
 * created by the first are read by the later ones.  The last test stops
 * the server, so an unclean stop fails a test.
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

#define TW_ISO_PASSWORD "isolation-password"

typedef struct tw_iso {
    tw_test_db_t db;
    tw_test_server_t srv;
    char *hq_admin;
    char *a_admin;
    char *a_clerk;
    char *b_clerk;
    json_int_t note_a;   /* a_clerk's note in A */
    json_int_t note_a_1; /* a_clerk's note in A_1 */
    json_int_t note_b;   /* b_clerk's note in B */
} tw_iso_t;


static void
tw_iso_add_branch(const tw_iso_t *iso, const char *code, const char *parent)
{
    char body[128];

    snprintf(body, sizeof body,
             "{\"code\":\"%s\",\"name\":\"%s分公司\",\"parent\":\"%s\"}",
             code, code, parent);
    json_decref(tw_test_call(&iso->srv, "POST", "/api/v1/branches",
                             iso->hq_admin, NULL, body, 201));
}


static int
tw_iso_setup(void **state)
{
    tw_iso_t *iso = calloc(1, sizeof *iso);
    tw_test_options_t opts = {.modules = "good = on\n"};

    assert_non_null(iso);
    *state = iso;
    tw_test_serve(&iso->db, &iso->srv, &opts);
    iso->hq_admin = tw_test_user(&iso->srv, "hq.admin", TW_ISO_PASSWORD, "HQ",
                                 "admin");
    tw_iso_add_branch(iso, "A", "HQ");
    tw_iso_add_branch(iso, "B", "HQ");
    tw_iso_add_branch(iso, "A_1", "A");
    iso->a_admin = tw_test_user(&iso->srv, "a_admin", TW_ISO_PASSWORD, "A",
                                "admin");
    iso->a_clerk = tw_test_user(&iso->srv, "a_clerk", TW_ISO_PASSWORD, "A",
                                "clerk");
    iso->b_clerk = tw_test_user(&iso->srv, "b_clerk", TW_ISO_PASSWORD, "B",
                                "clerk");
    return 0;
}


static int
tw_iso_teardown(void **state)
{
    tw_iso_t *iso = *state;

    if (iso == NULL) {
        return 0;
    }
    tw_test_finish(&iso->db, &iso->srv);
    free(iso->hq_admin);
    free(iso->a_admin);
    free(iso->a_clerk);
    free(iso->b_clerk);
    free(iso);
    return 0;
}


/* Creates a note in `branch` as `token`; returns its id. */
static json_int_t
tw_iso_note(const tw_iso_t *iso, const char *token, const char *branch)
{
    char body[128];

    snprintf(body, sizeof body, "{\"branch\":\"%s\",\"title\":\"note of %s\"}",
             branch, branch);

    json_t *note = tw_test_call(&iso->srv, "POST", "/api/v1/notes", token,
                                NULL, body, 201);
    json_int_t id = json_integer_value(json_object_get(note, "id"));

    assert_true(id > 0);
    json_decref(note);
    return id;
}


/* The values of `key` in the "items" of GET `path`, in order, joined by
 * spaces into `out`. */
static void
tw_iso_list(const tw_iso_t *iso, const char *path, const char *token,
            const char *key, char *out, size_t out_size)
{
    json_t *page = tw_test_call(&iso->srv, "GET", path, token, NULL, NULL,
                                200);
    json_t *item;
    size_t i;
    size_t len = 0;

    out[0] = '\0';
    json_array_foreach(json_object_get(page, "items"), i, item) {
        json_t *value = json_object_get(item, key);

        if (json_is_integer(value)) {
            len += (size_t) snprintf(out + len, out_size - len, "%s%"
                                     JSON_INTEGER_FORMAT, i ? " " : "",
                                     json_integer_value(value));
        } else {
            len += (size_t) snprintf(out + len, out_size - len, "%s%s",
                                     i ? " " : "", json_string_value(value));
        }
        assert_true(len < out_size);
    }
    json_decref(page);
}


static void
tw_iso_notes_in_own_subtree(void **state)
{
    tw_iso_t *iso = *state;

    iso->note_a = tw_iso_note(iso, iso->a_clerk, "A");
    iso->note_a_1 = tw_iso_note(iso, iso->a_clerk, "A_1");
    iso->note_b = tw_iso_note(iso, iso->b_clerk, "B");
}


static void
tw_iso_other_branch_invisible(void **state)
{
    tw_iso_t *iso = *state;
    char path[64];

    snprintf(path, sizeof path, "/api/v1/notes/%" JSON_INTEGER_FORMAT,
             iso->note_a);
    json_decref(tw_test_refusal(&iso->srv, "GET", path, iso->b_clerk, NULL,
                                404, "not_found"));

    /* The same note, read from its own branch and from above. */
    json_decref(tw_test_call(&iso->srv, "GET", path, iso->a_clerk, NULL, NULL,
                             200));
    json_decref(tw_test_call(&iso->srv, "GET", path, iso->hq_admin, NULL,
                             NULL, 200));

    snprintf(path, sizeof path, "/api/v1/notes/%" JSON_INTEGER_FORMAT,
             iso->note_b);
    json_decref(tw_test_refusal(&iso->srv, "GET", path, iso->a_clerk, NULL,
                                404, "not_found"));
}


static void
tw_iso_other_branch_write_refused(void **state)
{
    tw_iso_t *iso = *state;

    json_decref(tw_test_refusal(&iso->srv, "POST", "/api/v1/notes",
                                iso->b_clerk,
                                "{\"branch\":\"A\",\"title\":\"intrusion\"}",
                                403, "forbidden_branch"));

    /* A parent branch is outside a child's subtree too. */
    json_decref(tw_test_refusal(&iso->srv, "POST", "/api/v1/notes",
                                iso->a_clerk,
                                "{\"branch\":\"HQ\",\"title\":\"upwards\"}",
                                403, "forbidden_branch"));
}


static void
tw_iso_lists_show_subtree(void **state)
{
    tw_iso_t *iso = *state;
    char expected[128];
    char ids[128];

    snprintf(expected, sizeof expected, "%" JSON_INTEGER_FORMAT " %"
             JSON_INTEGER_FORMAT, iso->note_a, iso->note_a_1);
    tw_iso_list(iso, "/api/v1/notes", iso->a_clerk, "id", ids, sizeof ids);
    assert_string_equal(ids, expected);

    snprintf(expected, sizeof expected, "%" JSON_INTEGER_FORMAT,
             iso->note_b);
    tw_iso_list(iso, "/api/v1/notes", iso->b_clerk, "id", ids, sizeof ids);
    assert_string_equal(ids, expected);

    snprintf(expected, sizeof expected, "%" JSON_INTEGER_FORMAT " %"
             JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT, iso->note_a,
             iso->note_a_1, iso->note_b);
    tw_iso_list(iso, "/api/v1/notes", iso->hq_admin, "id", ids, sizeof ids);
    assert_string_equal(ids, expected);
}


static void
tw_iso_clerk_cannot_administer(void **state)
{
    tw_iso_t *iso = *state;

    json_decref(tw_test_refusal(&iso->srv, "POST", "/api/v1/branches",
                                iso->a_clerk, "{\"code\":\"A_2\","
                                "\"name\":\"x\",\"parent\":\"A\"}", 403,
                                "forbidden"));
    json_decref(tw_test_refusal(&iso->srv, "GET", "/api/v1/branches",
                                iso->a_clerk, NULL, 403, "forbidden"));
    json_decref(tw_test_refusal(&iso->srv, "POST", "/api/v1/users",
                                iso->a_clerk, "{\"login\":\"x\","
                                "\"password\":\"long-enough\","
                                "\"branch\":\"A\",\"roles\":[\"clerk\"]}", 403,
                                "forbidden"));
    json_decref(tw_test_refusal(&iso->srv, "GET", "/api/v1/audit",
                                iso->b_clerk, NULL, 403, "forbidden"));
}


static void
tw_iso_branch_admin_keeps_to_subtree(void **state)
{
    tw_iso_t *iso = *state;
    char codes[256];

    tw_iso_list(iso, "/api/v1/branches", iso->a_admin, "code", codes,
                sizeof codes);
    assert_string_equal(codes, "A A_1");

    json_decref(tw_test_refusal(&iso->srv, "POST", "/api/v1/branches",
                                iso->a_admin, "{\"code\":\"B_1\","
                                "\"name\":\"x\",\"parent\":\"B\"}", 403,
                                "forbidden_branch"));
    json_decref(tw_test_call(&iso->srv, "POST", "/api/v1/branches",
                             iso->a_admin, NULL, "{\"code\":\"A_2\","
                             "\"name\":\"x\",\"parent\":\"A\"}", 201));

    json_decref(tw_test_refusal(&iso->srv, "POST", "/api/v1/users",
                                iso->a_admin, "{\"login\":\"b_new\","
                                "\"password\":\"long-enough\","
                                "\"branch\":\"B\",\"roles\":[\"clerk\"]}", 403,
                                "forbidden_branch"));
    json_decref(tw_test_call(&iso->srv, "POST", "/api/v1/users", iso->a_admin,
                             NULL, "{\"login\":\"a_new\","
                             "\"password\":\"long-enough\","
                             "\"branch\":\"A_2\",\"roles\":[\"clerk\"]}", 201));

    tw_iso_list(iso, "/api/v1/users", iso->a_admin, "login", codes,
                sizeof codes);
    assert_string_equal(codes, "a_admin a_clerk a_new");
    tw_iso_list(iso, "/api/v1/users", iso->hq_admin, "login", codes,
                sizeof codes);
    assert_string_equal(codes, "hq.admin a_admin a_clerk b_clerk a_new");
}


static void
tw_iso_stop(void **state)
{
    tw_iso_t *iso = *state;

    tw_test_stop(&iso->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_iso_notes_in_own_subtree),
        cmocka_unit_test(tw_iso_other_branch_invisible),
        cmocka_unit_test(tw_iso_other_branch_write_refused),
        cmocka_unit_test(tw_iso_lists_show_subtree),
        cmocka_unit_test(tw_iso_clerk_cannot_administer),
        cmocka_unit_test(tw_iso_branch_admin_keeps_to_subtree),
        cmocka_unit_test(tw_iso_stop),
    };

    return cmocka_run_group_tests(tests, tw_iso_setup, tw_iso_teardown);
}
