/*
 * migrate.c - applies the registered migrations and sets up branch
 * isolation on the schemas they create.
 *
 * Every migration transaction (and the bootstrap that creates the record
 * table) first takes one transaction-level advisory lock, then re-checks
 * core.schema_migrations, so several processes started at once against
 * one database apply each migration exactly once.  Migration SQL is
 * trusted text from plugins, never input; the DDL built here quotes
 * every identifier it takes from the registry or the catalog.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbconn.h"
#include "migrate.h"
#include "pool.h"
#include "registry.h"
#include "tradewind/log.h"

/* The advisory lock key of migrations: any fixed number no other part of
 * Tradewind uses. */
#define TW_MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(7305120419)"

/* The schema whose grants its own migrations manage. */
#define TW_MIGRATE_CORE_SCHEMA "core"

#define TW_MIGRATE_POLICY_TEST "branch_id = ANY (core.visible_branches())"


/* Runs DDL built from `fmt` and already-quoted identifiers. */
__attribute__((format(printf, 2, 3))) static tw_rc_t
tw_migrate_exec_fmt(tw_db_t *db, const char *fmt, ...)
{
    va_list ap;
    char *sql = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&sql, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return TW_ERR_NOMEM;
    }

    tw_rc_t rc = tw_db_exec_script(db, sql);

    free(sql);
    return rc;
}


/* `schema`, or `schema`.`table` when table is not NULL, quoted for SQL
 * (free with free()); NULL when memory ran out. */
static char *
tw_migrate_quote(tw_db_t *db, const char *schema, const char *table)
{
    char *s = PQescapeIdentifier(db->conn, schema, strlen(schema));
    char *t = NULL;
    char *out = NULL;
    int n = -1;

    if (s != NULL && table != NULL) {
        t = PQescapeIdentifier(db->conn, table, strlen(table));
    }
    if (s != NULL && table == NULL) {
        n = asprintf(&out, "%s", s);
    } else if (t != NULL) {
        n = asprintf(&out, "%s.%s", s, t);
    }

    PQfreemem(s);
    PQfreemem(t);
    return n < 0 ? NULL : out;
}


/* Branch isolation for one table, replacing an older policy. */
static tw_rc_t
tw_migrate_isolate_table(tw_db_t *db, const char *schema, const char *table)
{
    char *name = tw_migrate_quote(db, schema, table);

    if (name == NULL) {
        return TW_ERR_NOMEM;
    }

    tw_rc_t rc =
        tw_migrate_exec_fmt(db,
                            "ALTER TABLE %s ENABLE ROW LEVEL SECURITY; "
                            "DROP POLICY IF EXISTS tw_branch_isolation ON %s; "
                            "CREATE POLICY tw_branch_isolation ON %s "
                            "USING (" TW_MIGRATE_POLICY_TEST ") "
                            "WITH CHECK (" TW_MIGRATE_POLICY_TEST ")",
                            name, name, name);

    free(name);
    return rc;
}


/* Lets the request role use every table and sequence of `schema`. */
static tw_rc_t
tw_migrate_grant(tw_db_t *db, const char *schema)
{
    char *name = tw_migrate_quote(db, schema, NULL);

    if (name == NULL) {
        return TW_ERR_NOMEM;
    }

    tw_rc_t rc = tw_migrate_exec_fmt(
        db,
        "GRANT USAGE ON SCHEMA %s TO " TW_APP_ROLE "; "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s "
        "TO " TW_APP_ROLE "; "
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s "
        "TO " TW_APP_ROLE,
        name, name, name);

    free(name);
    return rc;
}


tw_rc_t
tw_migrate_isolate_schema(tw_db_t *db, const char *schema)
{
    static const char sql[] =
        "SELECT c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') "
        "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
        "AND a.attname = 'branch_id' AND NOT a.attisdropped) "
        "ORDER BY c.relname";
    PGresult *res = tw_db_exec(db, sql, 1, &schema);
    tw_rc_t rc = tw_db_rc(db);

    if (res == NULL) {
        return rc;
    }

    for (int i = 0; i < PQntuples(res) && rc == TW_OK; i++) {
        rc = tw_migrate_isolate_table(db, schema, PQgetvalue(res, i, 0));
    }
    PQclear(res);

    if (rc == TW_OK && strcmp(schema, TW_MIGRATE_CORE_SCHEMA) != 0) {
        rc = tw_migrate_grant(db, schema);
    }
    return rc;
}


/* Sets *recorded when `m` is in core.schema_migrations. */
static tw_rc_t
tw_migrate_recorded(tw_db_t *db, const tw_migration_t *m, bool *recorded)
{
    char version[16];
    const char *params[] = {m->plugin, version};

    snprintf(version, sizeof version, "%d", m->version);

    PGresult *res = tw_db_exec(db,
                               "SELECT 1 FROM core.schema_migrations "
                               "WHERE plugin = $1 AND version = $2::int",
                               2, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    *recorded = PQntuples(res) > 0;
    PQclear(res);
    return TW_OK;
}


/* Sets *exists when core.schema_migrations has been created. */
static tw_rc_t
tw_migrate_table_exists(tw_db_t *db, bool *exists)
{
    PGresult *res = tw_db_exec(
        db, "SELECT to_regclass('core.schema_migrations') IS NOT NULL", 0,
        NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    *exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return TW_OK;
}


tw_rc_t
tw_migrate_pending(tw_pool_t *pool, size_t *pending)
{
    size_t count = tw_registry_migration_count();
    tw_db_t *db = tw_pool_acquire(pool);
    bool exists = false;
    tw_rc_t rc;

    *pending = 0;
    if (db == NULL) {
        return TW_ERR_UNAVAILABLE;
    }

    rc = tw_migrate_table_exists(db, &exists);
    for (size_t i = 0; i < count && rc == TW_OK; i++) {
        bool recorded = false;

        if (exists) {
            rc = tw_migrate_recorded(db, tw_registry_migration(i), &recorded);
        }
        *pending += recorded ? 0 : 1;
    }

    tw_pool_release(pool, db);
    return rc;
}


/* BEGIN, then wait for any other migrator of this database to finish. */
static tw_rc_t
tw_migrate_begin_locked(tw_db_t *db)
{
    tw_rc_t rc = tw_db_begin(db);

    if (rc == TW_OK) {
        rc = tw_db_exec_script(db, TW_MIGRATE_LOCK_SQL);
    }
    return rc;
}


/* Creates the record table, serialised like every migration because two
 * concurrent CREATE ... IF NOT EXISTS may still collide. */
static tw_rc_t
tw_migrate_bootstrap(tw_db_t *db)
{
    tw_rc_t rc = tw_migrate_begin_locked(db);

    if (rc == TW_OK) {
        rc = tw_db_exec_script(db, "CREATE SCHEMA IF NOT EXISTS core; "
                                   "CREATE TABLE IF NOT EXISTS "
                                   "core.schema_migrations ("
                                   "plugin text, version int, "
                                   "name text NOT NULL, "
                                   "applied_at timestamptz NOT NULL "
                                   "DEFAULT now(), "
                                   "PRIMARY KEY (plugin, version))");
    }
    if (rc == TW_OK) {
        rc = tw_db_commit(db);
    }
    return rc;
}


/* The body of a migration's transaction, after the lock and re-check. */
static tw_rc_t
tw_migrate_apply_body(tw_db_t *db, const tw_migration_t *m)
{
    char version[16];
    const char *params[] = {m->plugin, version, m->name};
    char *schema = tw_migrate_quote(db, m->plugin, NULL);
    tw_rc_t rc;

    if (schema == NULL) {
        return TW_ERR_NOMEM;
    }
    snprintf(version, sizeof version, "%d", m->version);

    rc = tw_migrate_exec_fmt(db,
                             "CREATE SCHEMA IF NOT EXISTS %s; "
                             "SET LOCAL search_path TO %s, public",
                             schema, schema);
    free(schema);
    if (rc == TW_OK) {
        rc = tw_db_exec_script(db, m->sql);
    }
    if (rc == TW_OK) {
        PQclear(tw_db_exec(db,
                           "INSERT INTO core.schema_migrations "
                           "(plugin, version, name) VALUES ($1, $2::int, $3)",
                           3, params));
        rc = tw_db_rc(db);
    }
    if (rc == TW_OK) {
        rc = tw_migrate_isolate_schema(db, m->plugin);
    }
    return rc;
}


/* Applies `m` unless another process already did (*done tells which). */
static tw_rc_t
tw_migrate_apply(tw_db_t *db, const tw_migration_t *m, bool *done)
{
    bool recorded = false;
    tw_rc_t rc = tw_migrate_begin_locked(db);

    *done = false;
    if (rc == TW_OK) {
        rc = tw_migrate_recorded(db, m, &recorded);
    }
    if (rc == TW_OK && !recorded) {
        rc = tw_migrate_apply_body(db, m);
        *done = rc == TW_OK;
    }
    if (rc == TW_OK) {
        rc = tw_db_commit(db);
    }
    return rc;
}


/* Describes the failure of `m` in err, then rolls back (which clears the
 * connection's message, so the order matters). */
static void
tw_migrate_fail(tw_db_t *db, const tw_migration_t *m, tw_rc_t rc, char *err,
                size_t err_size)
{
    const char *why = tw_db_message(db);

    if (why[0] == '\0') {
        why = rc == TW_ERR_NOMEM ? "out of memory" : "unknown error";
    }
    if (m != NULL) {
        snprintf(err, err_size, "migration %s %d (%s) failed: %s", m->plugin,
                 m->version, m->name, why);
    } else {
        snprintf(err, err_size, "migration bootstrap failed: %s", why);
    }
    tw_db_rollback(db);
}


tw_rc_t
tw_migrate_run(tw_pool_t *pool, size_t *applied, char *err, size_t err_size)
{
    tw_db_t *db = tw_pool_acquire(pool);
    const tw_migration_t *m = NULL;
    tw_rc_t rc;

    *applied = 0;
    if (err_size > 0) {
        err[0] = '\0';
    }
    if (db == NULL) {
        snprintf(err, err_size, "migration failed: database unreachable");
        return TW_ERR_UNAVAILABLE;
    }

    rc = tw_migrate_bootstrap(db);
    for (size_t i = 0; i < tw_registry_migration_count() && rc == TW_OK; i++) {
        bool done = false;

        m = tw_registry_migration(i);
        rc = tw_migrate_apply(db, m, &done);
        if (done && rc == TW_OK) {
            (*applied)++;
            tw_log_info("migration applied", "plugin=%s version=%d name=\"%s\"",
                        m->plugin, m->version, m->name);
        }
    }

    if (rc != TW_OK) {
        tw_migrate_fail(db, m, rc, err, err_size);
    }
    tw_pool_release(pool, db);
    return rc;
}
