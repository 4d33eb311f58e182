/*
 * test_idempotency.c - the Idempotency-Key of creating requests, through
 * HTTP: a retry replays the first answer and creates nothing twice, a
 * different request under a used key is refused, keys belong to users,
 * failed requests store nothing, expired keys count for nothing and are
 * swept, and concurrent first requests with one key run the handler once.
 *
 * The test plugin "good" creates notes (POST /api/v1/notes) and answers
 * anonymous pings (POST /api/v1/good/pings).  Users: clerk1 and clerk2,
 * both HQ clerks.  Every test uses titles and keys of its own, so notes
 * are counted by title.  The sweep runs with the server's first stored
 * key, so its test must stay the first to store one.  The last test
 * stops the server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TW_IDEM_PASSWORD "idempotency-password"
#define TW_IDEM_CONCURRENT 8
#define TW_IDEM_ROUNDS 4

typedef struct tw_idem_test {
    tw_test_db_t db;
    tw_test_server_t srv;
    char *clerk1;
    char *clerk2;
} tw_idem_test_t;

/* One of the concurrent requests: what it sends and what it got. */
typedef struct tw_idem_racer {
    const tw_idem_test_t *t;
    pthread_barrier_t *start;
    const char *key;
    const char *body;
    int rc;
    tw_test_response_t res;
} tw_idem_racer_t;


static int
tw_idem_setup(void **state)
{
    tw_idem_test_t *t = calloc(1, sizeof *t);
    tw_test_options_t opts = {.modules = "good = on\n"};

    assert_non_null(t);
    *state = t;
    tw_test_serve(&t->db, &t->srv, &opts);
    t->clerk1 = tw_test_user(&t->srv, "clerk1", TW_IDEM_PASSWORD, "HQ",
                             "clerk");
    t->clerk2 = tw_test_user(&t->srv, "clerk2", TW_IDEM_PASSWORD, "HQ",
                             "clerk");
    return 0;
}


static int
tw_idem_teardown(void **state)
{
    tw_idem_test_t *t = *state;

    if (t == NULL) {
        return 0;
    }
    tw_test_finish(&t->db, &t->srv);
    free(t->clerk1);
    free(t->clerk2);
    free(t);
    return 0;
}


/* The header block of `key` (NULL: none) in `buf`. */
static const char *
tw_idem_headers(char *buf, size_t size, const char *key)
{
    buf[0] = '\0';
    if (key != NULL) {
        snprintf(buf, size, "Idempotency-Key: %s\r\n", key);
    }
    return buf;
}


/* POSTs `body` to `path` with `key` and asserts the status; *res must be
 * freed by the caller. */
static void
tw_idem_post(const tw_idem_test_t *t, const char *path, const char *token,
             const char *key, const char *body, int status,
             tw_test_response_t *res)
{
    char headers[512];

    tw_idem_headers(headers, sizeof headers, key);
    assert_int_equal(tw_test_http(t->srv.port, "POST", path, token, headers,
                                  body, res), 0);
    if (res->status != status) {
        int got = res->status;

        print_error("POST %s: %d %s\n", path, got, res->body);
        tw_test_response_free(res);
        assert_int_equal(got, status);
    }
}


/* True when `res` carries "Idempotent-Replayed: true"; fails on any
 * other value of that header. */
static bool
tw_idem_replayed(const tw_test_response_t *res)
{
    char *value = tw_test_header(res, "Idempotent-Replayed");
    bool replayed = value != NULL;

    if (value != NULL) {
        assert_string_equal(value, "true");
    }
    free(value);
    return replayed;
}


/* POSTs a note titled `title` to HQ with `key`; returns the response. */
static void
tw_idem_note(const tw_idem_test_t *t, const char *token, const char *key,
             const char *title, int status, tw_test_response_t *res)
{
    char body[256];

    snprintf(body, sizeof body, "{\"branch\":\"HQ\",\"title\":\"%s\"}",
             title);
    tw_idem_post(t, "/api/v1/notes", token, key, body, status, res);
}


/* The id in a note's answer. */
static json_int_t
tw_idem_note_id(const tw_test_response_t *res)
{
    json_t *id = json_object_get(res->json, "id");

    assert_true(json_is_integer(id));
    return json_integer_value(id);
}


static void
tw_idem_expect_notes(const tw_idem_test_t *t, const char *title,
                     const char *count)
{
    tw_test_db_expect(&t->db,
                      "SELECT count(*) FROM good.notes WHERE title = $1",
                      title, count);
}


/* Expired keys of user 424242 are deleted by the server's first stored
 * key; a live one stays. */
static void
tw_idem_sweeps_expired_keys(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t res;

    tw_test_db_expect(&t->db,
                      "WITH k AS (INSERT INTO core.idempotency (user_id, key,"
                      " request_hash, method, route, status, content_type,"
                      " response, created_at)"
                      " SELECT 424242, 'old-' || i, '\\x00', 'POST', '/x',"
                      " 201, 'application/json', '{}',"
                      " now() - $1::interval FROM generate_series(1, 3) i"
                      " RETURNING 1) SELECT count(*) FROM k",
                      "25 hours", "3");
    tw_test_db_expect(&t->db,
                      "INSERT INTO core.idempotency (user_id, key,"
                      " request_hash, method, route, status, content_type,"
                      " created_at) VALUES (424242, 'live', '\\x00', 'POST',"
                      " '/x', 204, 'application/json', now() - $1::interval)"
                      " RETURNING key", "23 hours", "live");

    tw_idem_note(t, t->clerk1, "sweep-1", "sweep", 201, &res);
    tw_test_response_free(&res);

    tw_test_db_expect(&t->db,
                      "SELECT string_agg(key, ',') FROM core.idempotency"
                      " WHERE user_id = $1::bigint", "424242", "live");
}


/* A retry gets the first answer, byte for byte, and creates nothing. */
static void
tw_idem_retry_replays(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t first;
    tw_test_response_t again;
    char id[32];

    tw_idem_note(t, t->clerk1, "replay-1", "replay", 201, &first);
    tw_idem_note(t, t->clerk1, "replay-1", "replay", 201, &again);

    assert_false(tw_idem_replayed(&first));
    assert_true(tw_idem_replayed(&again));
    assert_string_equal(again.body, first.body);
    snprintf(id, sizeof id, "%lld", (long long)tw_idem_note_id(&first));
    tw_test_response_free(&first);
    tw_test_response_free(&again);

    tw_idem_expect_notes(t, "replay", "1");
    /* A replay changes nothing, so it leaves no audit row either. */
    tw_test_db_expect(&t->db,
                      "SELECT count(*) FROM core.audit"
                      " WHERE entity = 'note' AND entity_id = $1",
                      id, "1");
}


/* The same key with another body or another path is refused. */
static void
tw_idem_reused_key_is_refused(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t res;

    tw_idem_note(t, t->clerk1, "reuse-1", "reuse-a", 201, &res);
    tw_test_response_free(&res);

    tw_idem_note(t, t->clerk1, "reuse-1", "reuse-b", 422, &res);
    assert_string_equal(json_string_value(json_object_get(
        json_object_get(res.json, "error"), "code")),
        "idempotency_key_reused");
    assert_false(tw_idem_replayed(&res));
    tw_test_response_free(&res);

    tw_idem_post(t, "/api/v1/good/pings", t->clerk1, "reuse-1", "{}", 422,
                 &res);
    tw_test_response_free(&res);

    tw_idem_expect_notes(t, "reuse-a", "1");
    tw_idem_expect_notes(t, "reuse-b", "0");
}


/* Keys belong to users: one key used by two clerks and by an anonymous
 * caller names three requests. */
static void
tw_idem_keys_are_per_user(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t one;
    tw_test_response_t two;

    tw_idem_note(t, t->clerk1, "shared-1", "shared", 201, &one);
    tw_idem_note(t, t->clerk2, "shared-1", "shared", 201, &two);
    assert_false(tw_idem_replayed(&two));
    assert_true(tw_idem_note_id(&one) != tw_idem_note_id(&two));
    tw_test_response_free(&one);
    tw_test_response_free(&two);
    tw_idem_expect_notes(t, "shared", "2");

    tw_idem_post(t, "/api/v1/good/pings", NULL, "shared-1", "{}", 201, &one);
    tw_idem_post(t, "/api/v1/good/pings", NULL, "shared-1", "{}", 201, &two);
    assert_false(tw_idem_replayed(&one));
    assert_true(tw_idem_replayed(&two));
    assert_string_equal(two.body, one.body);
    tw_test_response_free(&one);
    tw_test_response_free(&two);
}


/* A refused request stores no key, so its retry runs for real. */
static void
tw_idem_failure_can_be_retried(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t res;

    tw_idem_post(t, "/api/v1/notes", t->clerk1, "fail-1",
                 "{\"branch\":\"NOPE\",\"title\":\"fail\"}", 404, &res);
    tw_test_response_free(&res);
    tw_idem_note(t, t->clerk1, "fail-1", "fail", 201, &res);
    assert_false(tw_idem_replayed(&res));
    tw_test_response_free(&res);

    tw_idem_note(t, t->clerk1, "fail-1", "fail", 201, &res);
    assert_true(tw_idem_replayed(&res));
    tw_test_response_free(&res);
    tw_idem_expect_notes(t, "fail", "1");
}


/* 128 printable characters make a key, 129 do not. */
static void
tw_idem_key_length_is_checked(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t res;
    char key[130];

    memset(key, 'k', 129);
    key[129] = '\0';
    tw_idem_note(t, t->clerk1, key, "long", 400, &res);
    assert_string_equal(json_string_value(json_object_get(
        json_object_get(res.json, "error"), "code")), "invalid_input");
    tw_test_response_free(&res);
    tw_idem_expect_notes(t, "long", "0");

    key[128] = '\0';
    tw_idem_note(t, t->clerk1, key, "long", 201, &res);
    tw_test_response_free(&res);
    tw_idem_note(t, t->clerk1, key, "long", 201, &res);
    assert_true(tw_idem_replayed(&res));
    tw_test_response_free(&res);
    tw_idem_expect_notes(t, "long", "1");
}


/* A key older than 24 hours counts for nothing and is replaced. */
static void
tw_idem_expired_key_is_replaced(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t res;

    tw_test_db_expect(&t->db,
                      "INSERT INTO core.idempotency (user_id, key,"
                      " request_hash, method, route, status, content_type,"
                      " response, created_at)"
                      " SELECT id, 'expired-1', '\\x00', 'POST', '/x', 201,"
                      " 'application/json', '{\"id\":0}',"
                      " now() - interval '25 hours' FROM core.users"
                      " WHERE login = $1 RETURNING key", "clerk1",
                      "expired-1");

    tw_idem_note(t, t->clerk1, "expired-1", "expired", 201, &res);
    assert_false(tw_idem_replayed(&res));
    assert_true(tw_idem_note_id(&res) > 0);
    tw_test_response_free(&res);

    tw_idem_note(t, t->clerk1, "expired-1", "expired", 201, &res);
    assert_true(tw_idem_replayed(&res));
    tw_test_response_free(&res);
    tw_idem_expect_notes(t, "expired", "1");
}


static void *
tw_idem_race(void *arg)
{
    tw_idem_racer_t *r = arg;
    char headers[64];

    tw_idem_headers(headers, sizeof headers, r->key);
    pthread_barrier_wait(r->start);
    r->rc = tw_test_http(r->t->srv.port, "POST", "/api/v1/notes",
                         r->t->clerk1, headers, r->body, &r->res);
    return NULL;
}


/* Fires TW_IDEM_CONCURRENT identical keyed requests at once; asserts
 * that one ran the handler and the others replayed its answer. */
static void
tw_idem_race_round(const tw_idem_test_t *t, int round)
{
    tw_idem_racer_t racers[TW_IDEM_CONCURRENT];
    pthread_t threads[TW_IDEM_CONCURRENT];
    pthread_barrier_t start;
    char key[32];
    char body[64];
    int replays = 0;
    int i;

    snprintf(key, sizeof key, "race-%d", round);
    snprintf(body, sizeof body, "{\"branch\":\"HQ\",\"title\":\"%s\"}",
             key);
    assert_int_equal(pthread_barrier_init(&start, NULL,
                                          TW_IDEM_CONCURRENT), 0);
    for (i = 0; i < TW_IDEM_CONCURRENT; i++) {
        racers[i] = (tw_idem_racer_t){.t = t, .start = &start, .key = key,
                                      .body = body};
        assert_int_equal(pthread_create(&threads[i], NULL, tw_idem_race,
                                        &racers[i]), 0);
    }
    for (i = 0; i < TW_IDEM_CONCURRENT; i++) {
        pthread_join(threads[i], NULL);
    }
    pthread_barrier_destroy(&start);

    for (i = 0; i < TW_IDEM_CONCURRENT; i++) {
        assert_int_equal(racers[i].rc, 0);
        assert_int_equal(racers[i].res.status, 201);
        assert_string_equal(racers[i].res.body, racers[0].res.body);
        replays += tw_idem_replayed(&racers[i].res) ? 1 : 0;
    }
    for (i = 0; i < TW_IDEM_CONCURRENT; i++) {
        tw_test_response_free(&racers[i].res);
    }
    assert_int_equal(replays, TW_IDEM_CONCURRENT - 1);
    tw_idem_expect_notes(t, key, "1");
}


/* Concurrent first requests with one key: one runs the handler, the
 * others wait for it and replay its answer.  A race may go either way,
 * so it is run several times. */
static void
tw_idem_concurrent_requests_create_once(void **state)
{
    tw_idem_test_t *t = *state;
    int round;

    for (round = 1; round <= TW_IDEM_ROUNDS; round++) {
        tw_idem_race_round(t, round);
    }
}


/* Without a key every POST creates. */
static void
tw_idem_no_key_creates_each_time(void **state)
{
    tw_idem_test_t *t = *state;
    tw_test_response_t one;
    tw_test_response_t two;

    tw_idem_note(t, t->clerk1, NULL, "keyless", 201, &one);
    tw_idem_note(t, t->clerk1, NULL, "keyless", 201, &two);
    assert_false(tw_idem_replayed(&two));
    assert_true(tw_idem_note_id(&one) != tw_idem_note_id(&two));
    tw_test_response_free(&one);
    tw_test_response_free(&two);
    tw_idem_expect_notes(t, "keyless", "2");
}


static void
tw_idem_stop(void **state)
{
    tw_idem_test_t *t = *state;

    tw_test_stop(&t->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_idem_sweeps_expired_keys),
        cmocka_unit_test(tw_idem_retry_replays),
        cmocka_unit_test(tw_idem_reused_key_is_refused),
        cmocka_unit_test(tw_idem_keys_are_per_user),
        cmocka_unit_test(tw_idem_failure_can_be_retried),
        cmocka_unit_test(tw_idem_key_length_is_checked),
        cmocka_unit_test(tw_idem_expired_key_is_replaced),
        cmocka_unit_test(tw_idem_concurrent_requests_create_once),
        cmocka_unit_test(tw_idem_no_key_creates_each_time),
        cmocka_unit_test(tw_idem_stop),
    };

    return cmocka_run_group_tests(tests, tw_idem_setup, tw_idem_teardown);
}
