/*
 * test_migrate.c - applying registered migrations against a real server:
 * counting and applying, idempotence, all-or-nothing failure, branch
 * isolation and grants on the schemas created, concurrent migrators.
 *
 * Each test gets a fresh scratch database and a fresh registry: a "core"
 * host registers a minimal core schema (branches, visible_branches())
 * and a "demo_plugin" host two migrations, as plugins would in init.
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

#include "config.h"
#include "harness.h"
#include "migrate.h"
#include "pool.h"
#include "registry.h"

#define TW_MIGTEST_CORE_SQL                                                    \
    "CREATE TABLE branches (id bigint PRIMARY KEY, code text NOT NULL, "       \
    "name text NOT NULL, parent_id bigint REFERENCES branches, "               \
    "path text NOT NULL); "                                                    \
    "INSERT INTO branches VALUES (1, 'HQ', 'hq', NULL, '/1/'), "               \
    "(4, 'B4', 'b4', 1, '/1/4/'); "                                            \
    "CREATE FUNCTION visible_branches() RETURNS bigint[] LANGUAGE sql "        \
    "STABLE AS $$ SELECT coalesce(string_to_array(nullif("                     \
    "current_setting('tw.branches', true), ''), ',')::bigint[], '{}') $$; "    \
    "GRANT USAGE ON SCHEMA core TO " TW_APP_ROLE

#define TW_MIGTEST_DEMO_1                                                      \
    "CREATE TABLE items (id bigserial PRIMARY KEY, "                           \
    "branch_id bigint NOT NULL, name text NOT NULL); "                         \
    "CREATE TABLE kinds (code text PRIMARY KEY)"

#define TW_MIGTEST_DEMO_2                                                      \
    "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 0; "                \
    "CREATE TABLE notes (branch_id bigint, body text)"

/* What must not change when migrations are run again. */
#define TW_MIGTEST_SNAPSHOT_SQL                                                \
    "SELECT (SELECT string_agg(plugin || version || name || applied_at, "      \
    "',' ORDER BY plugin, version) FROM core.schema_migrations) || '|' || "    \
    "(SELECT string_agg(tablename || policyname, ',' ORDER BY tablename) "     \
    "FROM pg_policies) || '|' || (SELECT count(*) FROM pg_class c "            \
    "JOIN pg_namespace n ON n.oid = c.relnamespace "                           \
    "WHERE n.nspname = 'demo_plugin')"

typedef struct tw_migtest {
    tw_config_t *cfg;
    tw_test_db_t tdb;
    tw_pool_t *pool;
} tw_migtest_t;


/* Registers migrations for `plugin` from NULL-terminated name/SQL pairs
 * as its init would. */
static void
tw_migtest_register(const tw_config_t *cfg, const char *plugin, ...)
{
    tw_host_t host;
    va_list ap;
    int version = 0;

    tw_host_open(&host, plugin, cfg, NULL);
    va_start(ap, plugin);
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
        const char *sql = va_arg(ap, const char *);

        assert_int_equal(tw_migration_add(&host, ++version, name, sql), TW_OK);
    }
    va_end(ap);
    tw_host_close(&host);
}


static int
tw_migtest_setup(void **state)
{
    /* static: after a failed set-up cmocka may skip the tear-down or
     * give it no state, and a static block cannot leak */
    static tw_migtest_t t;

    assert_int_equal(tw_test_db_create(&t.tdb), 0);
    *state = &t;
    t.cfg = tw_config_defaults();
    assert_non_null(t.cfg);
    t.pool = tw_pool_open(t.tdb.url, 2, 0);
    assert_non_null(t.pool);

    tw_registry_clear();
    tw_migtest_register(t.cfg, "core", "branches", TW_MIGTEST_CORE_SQL,
                        (const char *)NULL);
    tw_migtest_register(t.cfg, "demo_plugin", "items", TW_MIGTEST_DEMO_1,
                        "notes", TW_MIGTEST_DEMO_2, (const char *)NULL);
    return 0;
}


static int
tw_migtest_teardown(void **state)
{
    tw_migtest_t *t = *state;

    if (t == NULL) {
        return 0; /* the set-up failed before it had anything to undo */
    }
    tw_registry_clear();
    tw_pool_close(t->pool);
    tw_test_db_drop(&t->tdb);
    tw_config_free(t->cfg);
    return 0;
}


/* The first value of `sql` (a malloc'd copy); fails the test on error. */
static char *
tw_migtest_value(tw_pool_t *pool, const char *sql)
{
    tw_db_t *db = tw_pool_acquire(pool);
    PGresult *res;
    char *value;

    assert_non_null(db);
    res = tw_db_exec(db, sql, 0, NULL);
    if (res == NULL) {
        fail_msg("%s: %s", sql, tw_db_message(db));
    }
    value = strdup(PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    tw_pool_release(pool, db);
    assert_non_null(value);
    return value;
}


/* True when `sql` answers "t". */
static bool
tw_migtest_true(tw_pool_t *pool, const char *sql)
{
    char *value = tw_migtest_value(pool, sql);
    bool yes = strcmp(value, "t") == 0;

    free(value);
    return yes;
}


static void
tw_migtest_run_ok(tw_pool_t *pool, size_t expected)
{
    char err[512] = "stale";
    size_t applied = 99;

    if (tw_migrate_run(pool, &applied, err, sizeof err) != TW_OK) {
        fail_msg("migrate: %s", err);
    }
    assert_int_equal(applied, expected);
    assert_string_equal(err, "");
}


static void
tw_migtest_pending(tw_pool_t *pool, size_t expected)
{
    size_t pending = 99;

    assert_int_equal(tw_migrate_pending(pool, &pending), TW_OK);
    assert_int_equal(pending, expected);
}


static void
tw_migtest_applies_once(void **state)
{
    tw_migtest_t *t = *state;
    char *before;
    char *after;

    tw_migtest_pending(t->pool, 3);
    tw_migtest_run_ok(t->pool, 3);
    tw_migtest_pending(t->pool, 0);

    /* each migration ran in its own schema */
    assert_true(tw_migtest_true(
        t->pool,
        "SELECT to_regclass("
        "'demo_plugin.items') IS NOT NULL AND to_regclass('public.items') "
        "IS NULL AND to_regclass('core.branches') IS NOT NULL"));
    assert_true(tw_migtest_true(t->pool, "SELECT count(*) = 3 FROM "
                                         "core.schema_migrations"));

    before = tw_migtest_value(t->pool, TW_MIGTEST_SNAPSHOT_SQL);
    tw_migtest_run_ok(t->pool, 0);
    after = tw_migtest_value(t->pool, TW_MIGTEST_SNAPSHOT_SQL);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* a plugin's new migration is the only one pending */
    tw_migtest_register(t->cfg, "later_plugin", "one", "CREATE TABLE t (x int)",
                        (const char *)NULL);
    tw_migtest_pending(t->pool, 1);
    tw_migtest_run_ok(t->pool, 1);
    tw_migtest_pending(t->pool, 0);
}


static void
tw_migtest_isolation_policies(void **state)
{
    tw_migtest_t *t = *state;

    tw_migtest_run_ok(t->pool, 3);

    assert_true(tw_migtest_true(
        t->pool,
        "SELECT string_agg(tablename, ',' "
        "ORDER BY tablename) = 'items,notes' FROM pg_policies WHERE "
        "schemaname = 'demo_plugin' AND policyname = 'tw_branch_isolation'"));
    assert_true(tw_migtest_true(
        t->pool, "SELECT relrowsecurity FROM "
                 "pg_class WHERE oid = 'demo_plugin.items'::regclass"));
    assert_true(tw_migtest_true(
        t->pool, "SELECT NOT relrowsecurity FROM "
                 "pg_class WHERE oid = 'demo_plugin.kinds'::regclass"));
    assert_true(tw_migtest_true(
        t->pool,
        "SELECT qual = "
        "'(branch_id = ANY (core.visible_branches()))' AND with_check = qual "
        "FROM pg_policies WHERE tablename = 'notes'"));
}


static void
tw_migtest_grants(void **state)
{
    tw_migtest_t *t = *state;

    tw_migtest_run_ok(t->pool, 3);

    assert_true(tw_migtest_true(
        t->pool,
        "SELECT has_schema_privilege('" TW_APP_ROLE
        "', 'demo_plugin', 'USAGE') AND has_table_privilege('" TW_APP_ROLE
        "', 'demo_plugin.kinds', 'SELECT,INSERT,UPDATE,DELETE') "
        "AND has_table_privilege('" TW_APP_ROLE "', 'demo_plugin.notes', "
        "'SELECT,INSERT,UPDATE,DELETE') AND "
        "has_sequence_privilege('" TW_APP_ROLE
        "', 'demo_plugin.items_id_seq', 'USAGE,SELECT')"));

    /* the core's own migrations decide what the request role may see */
    assert_true(tw_migtest_true(t->pool,
                                "SELECT NOT has_table_privilege('" TW_APP_ROLE
                                "', 'core.branches', 'SELECT') AND NOT "
                                "has_table_privilege('" TW_APP_ROLE
                                "', 'core.schema_migrations', "
                                "'SELECT')"));
}


static void
tw_migtest_isolation_in_force(void **state)
{
    tw_migtest_t *t = *state;
    const char *sql = "INSERT INTO demo_plugin.items (branch_id, name) "
                      "VALUES ($1::bigint, 'x')";
    const char *own[] = {"4"};
    const char *parent[] = {"1"};
    tw_db_t *db;

    tw_migtest_run_ok(t->pool, 3);
    db = tw_pool_acquire(t->pool);
    assert_non_null(db);
    assert_int_equal(tw_db_begin(db), TW_OK);
    assert_int_equal(tw_db_enter_branch(db, 4, 1), TW_OK);

    PQclear(tw_db_exec(db, sql, 1, own));
    assert_int_equal(tw_db_rc(db), TW_OK);
    assert_null(tw_db_exec(db, sql, 1, parent));
    assert_int_equal(tw_db_rc(db), TW_ERR_FORBIDDEN);
    tw_pool_release(t->pool, db);
}


static void
tw_migtest_failure_leaves_nothing(void **state)
{
    tw_migtest_t *t = *state;
    char err[512] = "";
    size_t applied = 99;

    tw_migtest_register(t->cfg, "broken_plugin", "tables",
                        "CREATE TABLE a (branch_id bigint)", "bad",
                        "CREATE TABLE b (branch_id bigint); "
                        "CREATE INDEX ON b (nope)",
                        (const char *)NULL);

    assert_int_equal(tw_migrate_run(t->pool, &applied, err, sizeof err),
                     TW_ERR_INTERNAL);
    assert_int_equal(applied, 4);
    assert_string_equal(err, "migration broken_plugin 2 (bad) failed: "
                             "column \"nope\" does not exist");
    tw_migtest_pending(t->pool, 1);
    assert_true(tw_migtest_true(
        t->pool,
        "SELECT to_regclass("
        "'broken_plugin.a') IS NOT NULL AND to_regclass('broken_plugin.b') "
        "IS NULL AND NOT EXISTS (SELECT 1 FROM core.schema_migrations "
        "WHERE plugin = 'broken_plugin' AND version = 2)"));
    assert_int_equal(tw_pool_in_use(t->pool), 0);
}


static void
tw_migtest_failed_first_migration(void **state)
{
    tw_migtest_t *t = *state;
    char err[512] = "";
    size_t applied = 99;

    tw_registry_clear();
    tw_migtest_register(t->cfg, "broken_plugin", "bad",
                        "CREATE TABLE a (x int); SELECT 1 / 0",
                        (const char *)NULL);

    assert_int_equal(tw_migrate_run(t->pool, &applied, err, sizeof err),
                     TW_ERR_INVALID);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err, "broken_plugin 1 (bad) failed: division "
                                "by zero"));

    /* not even the schema survived; the record table did (bootstrap) */
    assert_true(tw_migtest_true(
        t->pool, "SELECT NOT EXISTS (SELECT 1 FROM "
                 "pg_namespace WHERE nspname = 'broken_plugin') AND NOT EXISTS "
                 "(SELECT 1 FROM core.schema_migrations)"));
    tw_migtest_pending(t->pool, 1);
}


typedef struct tw_migtest_runner {
    const char *url;
    size_t applied;
    tw_rc_t rc;
} tw_migtest_runner_t;


static void *
tw_migtest_run_thread(void *arg)
{
    tw_migtest_runner_t *r = arg;
    tw_pool_t *pool = tw_pool_open(r->url, 1, 0);
    char err[512];

    r->rc = tw_migrate_run(pool, &r->applied, err, sizeof err);
    tw_pool_close(pool);
    return NULL;
}


static void
tw_migtest_concurrent_migrators(void **state)
{
    tw_migtest_t *t = *state;
    tw_migtest_runner_t runs[3];
    pthread_t threads[3];
    size_t total = 0;

    for (int i = 0; i < 3; i++) {
        runs[i] = (tw_migtest_runner_t){t->tdb.url, 0, TW_ERR_INTERNAL};
        assert_int_equal(
            pthread_create(&threads[i], NULL, tw_migtest_run_thread, &runs[i]),
            0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(runs[i].rc, TW_OK);
        total += runs[i].applied;
    }

    assert_int_equal(total, 3);
    tw_migtest_pending(t->pool, 0);
}


static void
tw_migtest_unreachable(void **state)
{
    tw_migtest_t *t = *state;
    tw_pool_t *pool = tw_pool_open("host=/nonexistent-tw dbname=x", 1, 0);
    char err[256] = "";
    size_t n = 99;

    (void)t;
    assert_non_null(pool);
    assert_int_equal(tw_migrate_pending(pool, &n), TW_ERR_UNAVAILABLE);
    assert_int_equal(tw_migrate_run(pool, &n, err, sizeof err),
                     TW_ERR_UNAVAILABLE);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, "unreachable"));
    tw_pool_close(pool);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tw_migtest_applies_once,
                                        tw_migtest_setup, tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_isolation_policies,
                                        tw_migtest_setup, tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_grants, tw_migtest_setup,
                                        tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_isolation_in_force,
                                        tw_migtest_setup, tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_failure_leaves_nothing,
                                        tw_migtest_setup, tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_failed_first_migration,
                                        tw_migtest_setup, tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_concurrent_migrators,
                                        tw_migtest_setup, tw_migtest_teardown),
        cmocka_unit_test_setup_teardown(tw_migtest_unreachable,
                                        tw_migtest_setup, tw_migtest_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
