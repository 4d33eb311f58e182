/*
 * test_outage.c - the server through a database outage: while PostgreSQL
 * is down, requests that need it answer 503 "database_unavailable" and
 * /readyz 503 while /healthz stays 200; once it is back, the same server
 * process and the same session token work again.
 *
 * Uses a private cluster (it is stopped and started), with one database
 * "tw".  The tests run in order and share one server; the last one stops
 * it so that an unclean stop fails a test.
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
#include <time.h>

#include "harness.h"

#define TW_OUTAGE_PASSWORD "outage pass 1"
#define TW_OUTAGE_RECOVERY_S 20

typedef struct tw_outage {
    tw_test_cluster_t cluster;
    tw_test_server_t srv;
    char url[600];
    char *token;
} tw_outage_t;


/* Creates database "tw" in the private cluster; 0 on success. */
static int
tw_outage_create_db(const tw_test_cluster_t *cluster)
{
    PGconn *conn = PQconnectdb(cluster->url);
    PGresult *res = NULL;
    int rc = -1;

    if (PQstatus(conn) == CONNECTION_OK) {
        res = PQexec(conn, "CREATE DATABASE tw");
        rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    }
    if (rc != 0)
        print_error("create database tw: %s", PQerrorMessage(conn));

    PQclear(res);
    PQfinish(conn);
    return rc;
}


static int
tw_outage_setup(void **state)
{
    tw_outage_t *o = calloc(1, sizeof(*o));

    assert_non_null(o);
    *state = o;
    assert_int_equal(tw_test_cluster_start(&o->cluster), 0);
    assert_int_equal(tw_outage_create_db(&o->cluster), 0);

    /* In a libpq conninfo a later keyword overrides an earlier one. */
    snprintf(o->url, sizeof(o->url), "%s dbname=tw", o->cluster.url);
    assert_int_equal(tw_test_server_start(&o->srv, o->url, NULL), 0);

    o->token = tw_test_user(&o->srv, "admin", TW_OUTAGE_PASSWORD, "HQ",
                            "admin");
    return 0;
}


static int
tw_outage_teardown(void **state)
{
    tw_outage_t *o = *state;

    if (o == NULL)
        return 0;

    tw_test_finish(NULL, &o->srv);
    tw_test_cluster_destroy(&o->cluster);
    free(o->token);
    free(o);
    return 0;
}


/* The status of `path` (0 when no answer came); `code` receives the
 * error code, if any, when not NULL. */
static int
tw_outage_get(const tw_outage_t *o, const char *path, const char *token,
              char *code, size_t code_size)
{
    tw_test_response_t res;
    const char *text;
    int status;

    if (tw_test_http(o->srv.port, "GET", path, token, NULL, NULL, &res) != 0)
        return 0;

    text = json_string_value(json_object_get(
        json_object_get(res.json, "error"), "code"));
    if (code != NULL)
        snprintf(code, code_size, "%s", text != NULL ? text : "");
    status = res.status;
    tw_test_response_free(&res);
    return status;
}


static void
test_serves_while_database_is_up(void **state)
{
    tw_outage_t *o = *state;

    assert_int_equal(tw_outage_get(o, "/api/v1/me", o->token, NULL, 0), 200);
    assert_int_equal(tw_outage_get(o, "/readyz", NULL, NULL, 0), 200);
}


static void
test_outage_answers_503(void **state)
{
    tw_outage_t *o = *state;
    tw_test_response_t res;
    char code[64];
    json_t *details;

    assert_int_equal(tw_test_cluster_stop(&o->cluster), 0);

    assert_int_equal(tw_outage_get(o, "/api/v1/me", o->token, code,
                                   sizeof(code)), 503);
    assert_string_equal(code, "database_unavailable");

    assert_int_equal(tw_test_http(o->srv.port, "GET", "/readyz", NULL, NULL,
                                  NULL, &res), 0);
    assert_int_equal(res.status, 503);
    details = json_object_get(json_object_get(res.json, "error"), "details");
    assert_string_equal(json_string_value(json_object_get(details,
                                                          "database")),
                        "down");
    tw_test_response_free(&res);

    assert_int_equal(tw_outage_get(o, "/healthz", NULL, NULL, 0), 200);
}


static void
test_recovers_without_restart(void **state)
{
    tw_outage_t *o = *state;
    time_t deadline;
    int status = 0;

    assert_int_equal(tw_test_cluster_restart(&o->cluster), 0);

    deadline = time(NULL) + TW_OUTAGE_RECOVERY_S;
    while (time(NULL) < deadline) {
        status = tw_outage_get(o, "/api/v1/me", o->token, NULL, 0);
        if (status == 200)
            break;
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
    }

    assert_int_equal(status, 200);
    assert_int_equal(tw_outage_get(o, "/readyz", NULL, NULL, 0), 200);
}


static void
test_server_stops_cleanly(void **state)
{
    tw_outage_t *o = *state;

    tw_test_stop(&o->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serves_while_database_is_up),
        cmocka_unit_test(test_outage_answers_503),
        cmocka_unit_test(test_recovers_without_restart),
        cmocka_unit_test(test_server_stops_cleanly),
    };

    return cmocka_run_group_tests(tests, tw_outage_setup, tw_outage_teardown);
}
