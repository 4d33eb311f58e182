/*
 * test_db.c - the PostgreSQL layer against a real server: parameterised
 * statements, SQLSTATE mapping, transactions and their retry, branch
 * isolation for a request, and the pool (reuse, waiting, reconnecting,
 * an unreachable server).
 *
 * The group set-up creates a scratch database with a minimal core schema
 * (core.branches, core.visible_branches()) and one isolated table; the
 * group tear-down drops it.  Every test restores what it changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pool.h"

#define TW_DBTEST_SCHEMA                                                       \
    "CREATE SCHEMA core; "                                                     \
    "GRANT USAGE ON SCHEMA core TO " TW_APP_ROLE "; "                          \
    "CREATE TABLE core.branches (id bigint PRIMARY KEY, "                      \
    "code text NOT NULL UNIQUE, name text NOT NULL, "                          \
    "parent_id bigint REFERENCES core.branches, path text NOT NULL); "         \
    "INSERT INTO core.branches VALUES (1, 'HQ', 'hq', NULL, '/1/'), "          \
    "(4, 'B4', 'b4', 1, '/1/4/'), (9, 'B9', 'b9', 4, '/1/4/9/'), "             \
    "(5, 'B5', 'b5', 1, '/1/5/'); "                                            \
    "CREATE FUNCTION core.visible_branches() RETURNS bigint[] "                \
    "LANGUAGE sql STABLE AS $$ SELECT coalesce(string_to_array("               \
    "nullif(current_setting('tw.branches', true), ''), ',')::bigint[], "       \
    "'{}') $$; "                                                               \
    "CREATE SCHEMA demo; "                                                     \
    "CREATE TABLE demo.items (id bigserial PRIMARY KEY, "                      \
    "branch_id bigint NOT NULL, name text NOT NULL); "                         \
    "ALTER TABLE demo.items ENABLE ROW LEVEL SECURITY; "                       \
    "CREATE POLICY tw_branch_isolation ON demo.items "                         \
    "USING (branch_id = ANY (core.visible_branches())) "                       \
    "WITH CHECK (branch_id = ANY (core.visible_branches())); "                 \
    "INSERT INTO demo.items (branch_id, name) VALUES (1, 'hq'), "              \
    "(4, 'b4'), (9, 'b9'), (5, 'b5'); "                                        \
    "CREATE TABLE demo.plain (id int PRIMARY KEY, note text, "                 \
    "qty int CHECK (qty >= 0)); "                                              \
    "CREATE TABLE demo.counter (id int PRIMARY KEY, v int NOT NULL); "         \
    "GRANT USAGE ON SCHEMA demo TO " TW_APP_ROLE "; "                          \
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA demo "       \
    "TO " TW_APP_ROLE "; "                                                     \
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA demo TO " TW_APP_ROLE

typedef struct tw_dbtest {
    tw_test_db_t tdb;
    tw_pool_t *pool; /* size 2, no statement timeout */
} tw_dbtest_t;


static double
tw_dbtest_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* The first value of the first row of `sql` into out ("" for none);
 * fails the test when the statement fails. */
static void
tw_dbtest_value(tw_db_t *db, const char *sql, char *out, size_t size)
{
    PGresult *res = tw_db_exec(db, sql, 0, NULL);

    if (res == NULL) {
        fail_msg("%s: %s", sql, tw_db_message(db));
    }
    snprintf(out, size, "%s", PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
}


/* Runs `sql` on a connection of its own and returns the value. */
static long long
tw_dbtest_number(tw_pool_t *pool, const char *sql)
{
    tw_db_t *db = tw_pool_acquire(pool);
    char text[64];

    assert_non_null(db);
    tw_dbtest_value(db, sql, text, sizeof text);
    tw_pool_release(pool, db);
    return strtoll(text, NULL, 10);
}


/* The rows left in demo.plain, read on a connection of its own. */
static long long
tw_dbtest_plain_rows(tw_pool_t *pool)
{
    return tw_dbtest_number(pool, "SELECT count(*) FROM demo.plain");
}


/* A connection of `pool` inside a transaction just begun. */
static tw_db_t *
tw_dbtest_begin(tw_pool_t *pool)
{
    tw_db_t *db = tw_pool_acquire(pool);

    assert_non_null(db);
    assert_int_equal(tw_db_begin(db), TW_OK);
    return db;
}


/* Runs `sql` on a connection of its own; it must succeed. */
static void
tw_dbtest_script(tw_pool_t *pool, const char *sql)
{
    tw_db_t *db = tw_pool_acquire(pool);

    assert_non_null(db);
    if (tw_db_exec_script(db, sql) != TW_OK) {
        fail_msg("%s: %s", sql, tw_db_message(db));
    }
    tw_pool_release(pool, db);
}


static int
tw_dbtest_setup(void **state)
{
    /* static: after a failed set-up cmocka may skip the tear-down or
     * give it no state, and a static block cannot leak */
    static tw_dbtest_t t;

    assert_int_equal(tw_test_db_create(&t.tdb), 0);
    *state = &t;
    t.pool = tw_pool_open(t.tdb.url, 2, 0);
    assert_non_null(t.pool);
    tw_dbtest_script(t.pool, TW_DBTEST_SCHEMA);
    return 0;
}


static int
tw_dbtest_teardown(void **state)
{
    tw_dbtest_t *t = *state;

    if (t == NULL) {
        return 0; /* the set-up failed before it had anything to undo */
    }
    tw_pool_close(t->pool);
    tw_test_db_drop(&t->tdb);
    return 0;
}


static void
tw_dbtest_exec_params(void **state)
{
    tw_dbtest_t *t = *state;
    const char *evil = "x'); DROP TABLE demo.plain; --";
    const char *row1[] = {"1", NULL, "3"};
    const char *row2[] = {"2", evil, "0"};
    const char *sql = "INSERT INTO demo.plain (id, note, qty) "
                      "VALUES ($1::int, $2, $3::int)";
    tw_db_t *db = tw_pool_acquire(t->pool);
    PGresult *res;

    assert_non_null(db);
    PQclear(tw_db_exec(db, sql, 3, row1));
    assert_int_equal(tw_db_rc(db), TW_OK);
    PQclear(tw_db_exec(db, sql, 3, row2));
    assert_int_equal(tw_db_rc(db), TW_OK);

    res = tw_db_exec(db,
                     "SELECT note FROM demo.plain WHERE id IN (1, 2) "
                     "ORDER BY id",
                     0, NULL);
    assert_non_null(res);
    assert_int_equal(PQntuples(res), 2);
    assert_true(PQgetisnull(res, 0, 0));
    assert_string_equal(PQgetvalue(res, 1, 0), evil);
    PQclear(res);

    tw_pool_release(t->pool, db);
    tw_dbtest_script(t->pool, "DELETE FROM demo.plain");
}


/* Runs a failing statement and checks what the connection reports. */
static void
tw_dbtest_expect_failure(tw_db_t *db, const char *sql, tw_rc_t rc,
                         const char *sqlstate)
{
    assert_null(tw_db_exec(db, sql, 0, NULL));
    assert_int_equal(tw_db_rc(db), rc);
    assert_string_equal(tw_db_sqlstate(db), sqlstate);
    assert_true(tw_db_message(db)[0] != '\0');
}


static void
tw_dbtest_error_mapping(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_pool_acquire(t->pool);
    PGresult *res;

    assert_non_null(db);
    assert_int_equal(tw_db_exec_script(db, "INSERT INTO demo.plain "
                                           "VALUES (7, 'a', 1)"),
                     TW_OK);
    tw_dbtest_expect_failure(db, "INSERT INTO demo.plain VALUES (7, 'b', 1)",
                             TW_ERR_CONFLICT, "23505");
    assert_non_null(strstr(tw_db_message(db), "duplicate key"));
    assert_string_equal(tw_db_constraint(db), "plain_pkey");
    tw_dbtest_expect_failure(db, "SELECT 'abc'::int", TW_ERR_INVALID, "22P02");
    assert_string_equal(tw_db_constraint(db), "");
    tw_dbtest_expect_failure(db, "INSERT INTO demo.plain VALUES (8, 'c', -1)",
                             TW_ERR_INVALID, "23514");
    assert_string_equal(tw_db_constraint(db), "plain_qty_check");
    tw_dbtest_expect_failure(db, "SELEC 1", TW_ERR_INTERNAL, "42601");
    assert_string_equal(tw_db_constraint(db), "");
    tw_dbtest_expect_failure(db,
                             "DO $$BEGIN RAISE EXCEPTION 'x' USING "
                             "ERRCODE = '40P01'; END$$",
                             TW_ERR_RETRY, "40P01");

    /* a success forgets the last failure */
    res = tw_db_exec(db, "SELECT 1", 0, NULL);
    assert_non_null(res);
    PQclear(res);
    assert_int_equal(tw_db_rc(db), TW_OK);
    assert_string_equal(tw_db_sqlstate(db), "");
    assert_string_equal(tw_db_message(db), "");

    tw_pool_release(t->pool, db);
    tw_dbtest_script(t->pool, "DELETE FROM demo.plain");

    assert_null(tw_db_exec(NULL, "SELECT 1", 0, NULL));
    assert_int_equal(tw_db_rc(NULL), TW_ERR_UNAVAILABLE);
    assert_string_equal(tw_db_sqlstate(NULL), "");
}


static void
tw_dbtest_script_is_atomic(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_pool_acquire(t->pool);
    char exists[8];

    assert_non_null(db);
    assert_int_equal(tw_db_exec_script(db, "CREATE TABLE demo.s1 (x int); "
                                           "INSERT INTO demo.s1 VALUES (1); "
                                           "SELECT 1 / 0"),
                     TW_ERR_INVALID);
    assert_string_equal(tw_db_sqlstate(db), "22012");
    tw_dbtest_value(db, "SELECT to_regclass('demo.s1') IS NULL", exists,
                    sizeof exists);
    assert_string_equal(exists, "t");
    tw_pool_release(t->pool, db);
}


static void
tw_dbtest_commit_of_failed_transaction(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_dbtest_begin(t->pool);

    assert_int_equal(tw_db_exec_script(db, "INSERT INTO demo.plain "
                                           "VALUES (9, 'lost', 1)"),
                     TW_OK);
    assert_null(tw_db_exec(db, "SELECT 'x'::int", 0, NULL));

    /* PostgreSQL answers COMMIT with ROLLBACK here: that is a failure */
    assert_int_equal(tw_db_commit(db), TW_ERR_INTERNAL);
    assert_string_equal(tw_db_sqlstate(db), "25P02");
    tw_pool_release(t->pool, db);

    assert_int_equal(tw_dbtest_plain_rows(t->pool), 0);
}


static void
tw_dbtest_release_rolls_back(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_dbtest_begin(t->pool);

    assert_int_equal(tw_db_exec_script(db, "INSERT INTO demo.plain "
                                           "VALUES (10, 'open', 1)"),
                     TW_OK);
    tw_pool_release(t->pool, db);

    assert_int_equal(tw_dbtest_plain_rows(t->pool), 0);
}


/* The names of the items `db` can see, sorted, comma-separated. */
static void
tw_dbtest_visible(tw_db_t *db, char *out, size_t size)
{
    tw_dbtest_value(db,
                    "SELECT coalesce(string_agg(name, ',' ORDER BY "
                    "name), '') FROM demo.items",
                    out, size);
}


static void
tw_dbtest_enter_branch(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_dbtest_begin(t->pool);
    const char *other[] = {"5"};
    const char *below[] = {"9"};
    const char *sql = "INSERT INTO demo.items (branch_id, name) "
                      "VALUES ($1::bigint, 'new')";
    char text[128];

    assert_int_equal(tw_db_enter_branch(db, 4, 42), TW_OK);
    tw_dbtest_visible(db, text, sizeof text);
    assert_string_equal(text, "b4,b9");
    tw_dbtest_value(db, "SELECT current_user", text, sizeof text);
    assert_string_equal(text, TW_APP_ROLE);
    tw_dbtest_value(db, "SELECT current_setting('tw.user_id')", text,
                    sizeof text);
    assert_string_equal(text, "42");

    PQclear(tw_db_exec(db, sql, 1, below));
    assert_int_equal(tw_db_rc(db), TW_OK);
    assert_null(tw_db_exec(db, sql, 1, other));
    assert_int_equal(tw_db_rc(db), TW_ERR_FORBIDDEN);
    assert_string_equal(tw_db_sqlstate(db), "42501");
    assert_int_equal(tw_db_rollback(db), TW_OK);

    /* the role and the settings ended with the transaction */
    tw_dbtest_value(db, "SELECT current_user", text, sizeof text);
    assert_string_not_equal(text, TW_APP_ROLE);
    tw_dbtest_visible(db, text, sizeof text);
    assert_string_equal(text, "b4,b5,b9,hq");
    tw_pool_release(t->pool, db);
}


static void
tw_dbtest_enter_branch_limits(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_pool_acquire(t->pool);
    char text[128];

    /* refused outside a transaction, where SET LOCAL would not hold */
    assert_non_null(db);
    assert_int_equal(tw_db_enter_branch(db, 4, 7), TW_ERR_STATE);
    assert_int_equal(tw_db_rc(db), TW_ERR_STATE);
    tw_dbtest_value(db, "SELECT current_user", text, sizeof text);
    assert_string_not_equal(text, TW_APP_ROLE);

    assert_int_equal(tw_db_begin(db), TW_OK);
    assert_int_equal(tw_db_enter_branch(db, 0, 7), TW_OK);
    tw_dbtest_visible(db, text, sizeof text);
    assert_string_equal(text, "");
    assert_int_equal(tw_db_exec_script(db, "INSERT INTO demo.items "
                                           "(branch_id, name) VALUES (1, 'x')"),
                     TW_ERR_FORBIDDEN);
    tw_pool_release(t->pool, db);

    /* HQ sees its whole tree */
    db = tw_dbtest_begin(t->pool);
    assert_int_equal(tw_db_enter_branch(db, 1, 7), TW_OK);
    tw_dbtest_visible(db, text, sizeof text);
    assert_string_equal(text, "b4,b5,b9,hq");
    tw_pool_release(t->pool, db);
}


typedef struct tw_dbtest_tx {
    tw_pool_t *pool;
    int calls;
    tw_rc_t result; /* what the body returns after inserting */
} tw_dbtest_tx_t;


static tw_rc_t
tw_dbtest_insert_body(tw_db_t *db, void *ctx)
{
    tw_dbtest_tx_t *tx = ctx;

    tx->calls++;
    if (tw_db_exec_script(db, "INSERT INTO demo.plain VALUES (20, 'tx', 1)") !=
        TW_OK) {
        return tw_db_rc(db);
    }
    return tx->result;
}


static void
tw_dbtest_transaction_commit_and_rollback(void **state)
{
    tw_dbtest_t *t = *state;
    tw_dbtest_tx_t tx = {t->pool, 0, TW_ERR_INVALID};

    assert_int_equal(tw_db_transaction(t->pool, tw_dbtest_insert_body, &tx),
                     TW_ERR_INVALID);
    assert_int_equal(tx.calls, 1);
    assert_int_equal(tw_dbtest_plain_rows(t->pool), 0);

    tx.result = TW_OK;
    assert_int_equal(tw_db_transaction(t->pool, tw_dbtest_insert_body, &tx),
                     TW_OK);
    assert_int_equal(tx.calls, 2);
    assert_int_equal(tw_dbtest_number(t->pool, "SELECT count(*) FROM "
                                               "demo.plain WHERE id = 20"),
                     1);
    tw_dbtest_script(t->pool, "DELETE FROM demo.plain");
    assert_int_equal(tw_pool_in_use(t->pool), 0);
}


/* Reads the counter, lets another connection update it in between on the
 * first attempt only, then updates it: a real serialization failure. */
static tw_rc_t
tw_dbtest_contended_body(tw_db_t *db, void *ctx)
{
    tw_dbtest_tx_t *tx = ctx;
    char value[16];

    tx->calls++;
    if (tw_db_exec_script(db, "SET TRANSACTION ISOLATION LEVEL "
                              "REPEATABLE READ") != TW_OK) {
        return tw_db_rc(db);
    }
    tw_dbtest_value(db, "SELECT v FROM demo.counter WHERE id = 1", value,
                    sizeof value);

    if (tx->calls == 1) {
        assert_int_equal(tw_dbtest_number(tx->pool,
                                          "UPDATE demo.counter "
                                          "SET v = v + 1 RETURNING v"),
                         1);
    }

    if (tw_db_exec_script(db, "UPDATE demo.counter SET v = v + 10 "
                              "WHERE id = 1") != TW_OK) {
        return tw_db_rc(db);
    }
    return TW_OK;
}


static void
tw_dbtest_transaction_retries(void **state)
{
    tw_dbtest_t *t = *state;
    tw_dbtest_tx_t tx = {t->pool, 0, TW_OK};

    tw_dbtest_script(t->pool, "INSERT INTO demo.counter VALUES (1, 0)");

    assert_int_equal(tw_db_transaction(t->pool, tw_dbtest_contended_body, &tx),
                     TW_OK);
    assert_int_equal(tx.calls, 2);
    assert_int_equal(tw_dbtest_number(t->pool, "SELECT v FROM demo.counter"),
                     11);
    assert_int_equal(tw_pool_in_use(t->pool), 0);
}


static tw_rc_t
tw_dbtest_always_conflicting_body(tw_db_t *db, void *ctx)
{
    tw_dbtest_tx_t *tx = ctx;

    tx->calls++;
    return tw_db_exec_script(db, "DO $$BEGIN RAISE EXCEPTION 'forced' USING "
                                 "ERRCODE = 'serialization_failure'; END$$");
}


static void
tw_dbtest_transaction_gives_up(void **state)
{
    tw_dbtest_t *t = *state;
    tw_dbtest_tx_t tx = {t->pool, 0, TW_OK};
    double start = tw_dbtest_now();

    assert_int_equal(
        tw_db_transaction(t->pool, tw_dbtest_always_conflicting_body, &tx),
        TW_ERR_RETRY);
    assert_int_equal(tx.calls, TW_DB_MAX_ATTEMPTS);
    assert_true(tw_dbtest_now() - start < 1.0);
    assert_int_equal(tw_pool_in_use(t->pool), 0);
}


static void
tw_dbtest_retry_rule(void **state)
{
    (void)state;
    for (int attempt = 1; attempt < TW_DB_MAX_ATTEMPTS; attempt++) {
        assert_true(tw_db_should_retry(TW_ERR_RETRY, attempt));
        assert_false(tw_db_should_retry(TW_ERR_CONFLICT, attempt));
        assert_false(tw_db_should_retry(TW_OK, attempt));
    }
    assert_false(tw_db_should_retry(TW_ERR_RETRY, TW_DB_MAX_ATTEMPTS));
}


static long long
tw_dbtest_pid(tw_db_t *db)
{
    char pid[16];

    tw_dbtest_value(db, "SELECT pg_backend_pid()", pid, sizeof pid);
    return strtoll(pid, NULL, 10);
}


static void
tw_dbtest_pool_reuse(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *a, *b, *c;
    long long pid;

    assert_int_equal(tw_pool_size(t->pool), 2);
    assert_int_equal(tw_pool_in_use(t->pool), 0);
    a = tw_pool_acquire(t->pool);
    assert_non_null(a);
    pid = tw_dbtest_pid(a);
    assert_int_equal(tw_pool_in_use(t->pool), 1);
    b = tw_pool_acquire(t->pool);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal(tw_pool_in_use(t->pool), 2);

    tw_pool_release(t->pool, a);
    assert_int_equal(tw_pool_in_use(t->pool), 1);
    c = tw_pool_acquire(t->pool);
    assert_ptr_equal(c, a);
    assert_int_equal(tw_dbtest_pid(c), pid);

    tw_pool_release(t->pool, b);
    tw_pool_release(t->pool, c);
    assert_int_equal(tw_pool_in_use(t->pool), 0);
    assert_true(tw_pool_ping(t->pool));
}


typedef struct tw_dbtest_waiter {
    tw_pool_t *pool;
    tw_db_t *got;
} tw_dbtest_waiter_t;


static void *
tw_dbtest_wait_thread(void *arg)
{
    tw_dbtest_waiter_t *w = arg;

    w->got = tw_pool_acquire(w->pool);
    return NULL;
}


static void
tw_dbtest_pool_waits_for_release(void **state)
{
    tw_dbtest_t *t = *state;
    tw_pool_t *pool = tw_pool_open(t->tdb.url, 1, 0);
    tw_dbtest_waiter_t w = {pool, NULL};
    struct timespec pause = {0, 200000000L};
    pthread_t thread;
    tw_db_t *held;
    double start;

    assert_non_null(pool);
    held = tw_pool_acquire(pool);
    assert_non_null(held);
    start = tw_dbtest_now();
    assert_int_equal(pthread_create(&thread, NULL, tw_dbtest_wait_thread, &w),
                     0);
    nanosleep(&pause, NULL);
    tw_pool_release(pool, held);
    pthread_join(thread, NULL);

    assert_ptr_equal(w.got, held);
    assert_true(tw_dbtest_now() - start >= 0.15);
    tw_pool_release(pool, w.got);
    tw_pool_close(pool);
}


static void
tw_dbtest_pool_exhausted(void **state)
{
    tw_dbtest_t *t = *state;
    tw_pool_t *pool = tw_pool_open(t->tdb.url, 1, 0);
    tw_db_t *held;
    double waited;

    assert_non_null(pool);
    held = tw_pool_acquire(pool);
    assert_non_null(held);

    double start = tw_dbtest_now();

    assert_null(tw_pool_acquire(pool));
    waited = tw_dbtest_now() - start;
    assert_true(waited >= 4.5 && waited < 7.0);
    assert_int_equal(tw_pool_in_use(pool), 1);

    tw_pool_release(pool, held);
    tw_pool_close(pool);
}


static void
tw_dbtest_pool_unreachable(void **state)
{
    char dir[] = "/tmp/tw-nopg-XXXXXX";
    char conninfo[128];
    tw_dbtest_tx_t tx = {NULL, 0, TW_OK};
    tw_pool_t *pool;
    double start;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(conninfo, sizeof conninfo, "host=%s dbname=none user=none", dir);
    pool = tw_pool_open(conninfo, 2, 1000);
    assert_non_null(pool);

    start = tw_dbtest_now();
    assert_null(tw_pool_acquire(pool));
    assert_false(tw_pool_ping(pool));
    assert_int_equal(tw_db_transaction(pool, tw_dbtest_insert_body, &tx),
                     TW_ERR_UNAVAILABLE);
    assert_true(tw_dbtest_now() - start < 1.0);
    assert_int_equal(tx.calls, 0);
    assert_int_equal(tw_pool_in_use(pool), 0);

    tw_pool_close(pool);
    rmdir(dir);
}


/* Ends the backend of `db` from another connection, as an administrator
 * or a server restart would. */
static void
tw_dbtest_kill_backend(tw_pool_t *pool, tw_db_t *db)
{
    char sql[64];
    struct timespec pause = {0, 100000000L};

    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)::int",
             tw_dbtest_pid(db));
    assert_int_equal(tw_dbtest_number(pool, sql), 1);
    nanosleep(&pause, NULL);
}


static void
tw_dbtest_pool_reconnects(void **state)
{
    tw_dbtest_t *t = *state;
    tw_db_t *db = tw_pool_acquire(t->pool);
    long long pid;

    /* a statement on a lost connection reports it as unavailable */
    assert_non_null(db);
    tw_dbtest_kill_backend(t->pool, db);
    assert_null(tw_db_exec(db, "SELECT 1", 0, NULL));
    assert_int_equal(tw_db_rc(db), TW_ERR_UNAVAILABLE);
    tw_pool_release(t->pool, db);

    /* a connection lost while idle in the pool is replaced on acquire */
    db = tw_pool_acquire(t->pool);
    assert_non_null(db);
    pid = tw_dbtest_pid(db);
    tw_pool_release(t->pool, db);
    db = tw_pool_acquire(t->pool);
    assert_non_null(db);
    tw_dbtest_kill_backend(t->pool, db);
    tw_pool_release(t->pool, db);

    db = tw_pool_acquire(t->pool);
    assert_non_null(db);
    assert_true(tw_dbtest_pid(db) != pid);
    tw_pool_release(t->pool, db);
    assert_int_equal(tw_pool_in_use(t->pool), 0);
}


static void
tw_dbtest_pool_options(void **state)
{
    tw_dbtest_t *t = *state;
    char conninfo[700];
    char text[32];
    tw_pool_t *pool;
    tw_db_t *db;

    snprintf(conninfo, sizeof conninfo, "%s options='-c work_mem=8MB'",
             t->tdb.url);
    pool = tw_pool_open(conninfo, 1, 150);
    assert_non_null(pool);
    db = tw_pool_acquire(pool);
    assert_non_null(db);
    tw_dbtest_value(db, "SHOW work_mem", text, sizeof text);
    assert_string_equal(text, "8MB");
    tw_dbtest_value(db, "SHOW statement_timeout", text, sizeof text);
    assert_string_equal(text, "150ms");
    assert_null(tw_db_exec(db, "SELECT pg_sleep(2)", 0, NULL));
    assert_string_equal(tw_db_sqlstate(db), "57014");
    tw_pool_release(pool, db);
    tw_pool_close(pool);

    assert_null(tw_pool_open("host=/tmp bogus_key=1", 1, 0));
    assert_null(tw_pool_open(t->tdb.url, 0, 0));
    assert_null(tw_pool_open(NULL, 1, 0));
}


static void
tw_dbtest_pool_url(void **state)
{
    tw_dbtest_t *t = *state;
    char url[700];
    tw_pool_t *pool;

    snprintf(url, sizeof url, "postgresql:///%s?host=%s&user=%s", t->tdb.name,
             getenv("TW_TEST_PGHOST"),
             getenv("TW_TEST_PGUSER") != NULL ? getenv("TW_TEST_PGUSER")
                                              : "tradewind");
    pool = tw_pool_open(url, 1, 0);
    assert_non_null(pool);
    assert_int_equal(tw_dbtest_number(pool, "SELECT count(*) FROM "
                                            "core.branches"),
                     4);
    tw_pool_close(pool);
}


static void
tw_dbtest_pool_default(void **state)
{
    tw_dbtest_t *t = *state;

    assert_null(tw_pool_default());
    tw_pool_set_default(t->pool);
    assert_ptr_equal(tw_pool_default(), t->pool);
    tw_pool_set_default(NULL);
    assert_null(tw_pool_default());
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_dbtest_exec_params),
        cmocka_unit_test(tw_dbtest_error_mapping),
        cmocka_unit_test(tw_dbtest_script_is_atomic),
        cmocka_unit_test(tw_dbtest_commit_of_failed_transaction),
        cmocka_unit_test(tw_dbtest_release_rolls_back),
        cmocka_unit_test(tw_dbtest_enter_branch),
        cmocka_unit_test(tw_dbtest_enter_branch_limits),
        cmocka_unit_test(tw_dbtest_transaction_commit_and_rollback),
        cmocka_unit_test(tw_dbtest_transaction_retries),
        cmocka_unit_test(tw_dbtest_transaction_gives_up),
        cmocka_unit_test(tw_dbtest_retry_rule),
        cmocka_unit_test(tw_dbtest_pool_reuse),
        cmocka_unit_test(tw_dbtest_pool_waits_for_release),
        cmocka_unit_test(tw_dbtest_pool_exhausted),
        cmocka_unit_test(tw_dbtest_pool_unreachable),
        cmocka_unit_test(tw_dbtest_pool_reconnects),
        cmocka_unit_test(tw_dbtest_pool_options),
        cmocka_unit_test(tw_dbtest_pool_url),
        cmocka_unit_test(tw_dbtest_pool_default),
    };

    return cmocka_run_group_tests(tests, tw_dbtest_setup, tw_dbtest_teardown);
}
