/*
 * db.c - statements on a pooled connection: parameterised execution,
 * the mapping of SQLSTATEs to result codes, transaction control, branch
 * isolation for a request, and the retrying transaction runner.
 *
 * A tw_db_t is used by one thread at a time (the one that acquired it),
 * so nothing here locks.  Every statement either succeeds and clears the
 * connection's error state, or fails and records rc, SQLSTATE and message
 * on the connection for the caller to inspect.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbconn.h"
#include "pool.h"

/* Reported by a COMMIT that PostgreSQL turned into a ROLLBACK. */
#define TW_DB_STATE_FAILED_TX "25P02"


void
tw_db_clear_error(tw_db_t *db)
{
    db->rc = TW_OK;
    db->sqlstate[0] = '\0';
    db->message[0] = '\0';
    db->constraint[0] = '\0';
}


/* The result code for a failed statement; `lost` when the connection
 * itself is gone, whatever the server last said. */
static tw_rc_t
tw_db_rc_for(const char *sqlstate, bool lost)
{
    if (lost || strncmp(sqlstate, "08", 2) == 0) {
        return TW_ERR_UNAVAILABLE;
    }
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0) {
        return TW_ERR_RETRY;
    }
    if (strcmp(sqlstate, "42501") == 0) {
        return TW_ERR_FORBIDDEN;
    }
    if (strcmp(sqlstate, "23505") == 0 || strcmp(sqlstate, "23P01") == 0) {
        return TW_ERR_CONFLICT;
    }
    if (strncmp(sqlstate, "23", 2) == 0 || strncmp(sqlstate, "22", 2) == 0) {
        return TW_ERR_INVALID;
    }
    return TW_ERR_INTERNAL;
}


/* Records a failure.  Only the first line of `message` is kept: libpq
 * appends hints on further lines that do not belong in a reply or log.
 * A missing or broken connection makes any failure TW_ERR_UNAVAILABLE. */
static void
tw_db_set_error(tw_db_t *db, const char *sqlstate, const char *message)
{
    size_t len = strcspn(message, "\n");

    if (len >= sizeof db->message) {
        len = sizeof db->message - 1;
    }
    memcpy(db->message, message, len);
    db->message[len] = '\0';

    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", sqlstate);
    db->constraint[0] = '\0';
    db->rc = tw_db_rc_for(db->sqlstate, PQstatus(db->conn) != CONNECTION_OK);
}


/* Records why `res` (possibly NULL) is not a success. */
static void
tw_db_record_failure(tw_db_t *db, const PGresult *res)
{
    const char *state = NULL;
    const char *message = NULL;

    if (res != NULL) {
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    }
    if (message == NULL || message[0] == '\0') {
        message = PQerrorMessage(db->conn);
    }
    if (message[0] == '\0' && res != NULL) {
        /* not an error but a result a caller cannot use (COPY, empty) */
        message = PQresStatus(PQresultStatus(res));
    }
    tw_db_set_error(db, state != NULL ? state : "", message);

    const char *constraint = res != NULL
        ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (constraint != NULL) {
        snprintf(db->constraint, sizeof db->constraint, "%s", constraint);
    }
}


/* Keeps `res` when it is a success; otherwise records why, frees it and
 * returns NULL. */
static PGresult *
tw_db_check(tw_db_t *db, PGresult *res)
{
    ExecStatusType status = PQresultStatus(res);

    if (res != NULL &&
        (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
        tw_db_clear_error(db);
        return res;
    }

    tw_db_record_failure(db, res);
    PQclear(res);
    return NULL;
}


/* False (with the error recorded) when `db` has no live connection. */
static bool
tw_db_usable(tw_db_t *db)
{
    if (db->conn != NULL) {
        return true;
    }
    tw_db_set_error(db, "", "no database connection");
    return false;
}


PGresult *
tw_db_exec(tw_db_t *db, const char *sql, int n_params,
           const char *const *params)
{
    PGresult *res;

    if (db == NULL || !tw_db_usable(db)) {
        return NULL;
    }
    res = PQexecParams(db->conn, sql, n_params, NULL, params, NULL, NULL, 0);
    return tw_db_check(db, res);
}


tw_rc_t
tw_db_rc(const tw_db_t *db)
{
    return db != NULL ? db->rc : TW_ERR_UNAVAILABLE;
}


const char *
tw_db_sqlstate(const tw_db_t *db)
{
    return db != NULL ? db->sqlstate : "";
}


const char *
tw_db_constraint(const tw_db_t *db)
{
    return db != NULL ? db->constraint : "";
}


const char *
tw_db_message(const tw_db_t *db)
{
    return db != NULL ? db->message : "";
}


PGconn *
tw_db_conn(tw_db_t *db)
{
    return db != NULL ? db->conn : NULL;
}


/* Sends `len` bytes of COPY text in chunks libpq takes as an int. */
static bool
tw_db_copy_send(PGconn *conn, const char *data, size_t len)
{
    const size_t chunk = 1u << 20;

    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;

        if (PQputCopyData(conn, data + at, (int) n) != 1) {
            return false;
        }
    }
    return true;
}


tw_rc_t
tw_db_copy(tw_db_t *db, const char *copy_sql, const char *data, size_t len)
{
    if (db == NULL) {
        return TW_ERR_UNAVAILABLE;
    }
    if (!tw_db_usable(db)) {
        return db->rc;
    }

    PGresult *res = PQexec(db->conn, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        PGresult *kept = tw_db_check(db, res);
        bool not_copy = kept != NULL; /* a caller's mistake */

        PQclear(kept);
        return not_copy ? TW_ERR_INTERNAL : db->rc;
    }
    PQclear(res);

    bool ok = tw_db_copy_send(db->conn, data, len);
    PQputCopyEnd(db->conn, ok ? NULL : "copy aborted");

    /* the COPY's outcome; drain every result so the connection is usable */
    PGresult *last = NULL;
    while ((res = PQgetResult(db->conn)) != NULL) {
        PQclear(last);
        last = res;
    }
    if (tw_db_check(db, last) == NULL) {
        return db->rc;
    }
    PQclear(last);
    return TW_OK;
}


/* Runs one parameterless statement and keeps only its outcome. */
static tw_rc_t
tw_db_command(tw_db_t *db, const char *sql)
{
    PGresult *res = tw_db_exec(db, sql, 0, NULL);

    PQclear(res);
    return tw_db_rc(db);
}


tw_rc_t
tw_db_begin(tw_db_t *db)
{
    return tw_db_command(db, "BEGIN");
}


tw_rc_t
tw_db_commit(tw_db_t *db)
{
    PGresult *res = tw_db_exec(db, "COMMIT", 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    /* COMMIT of a transaction in which a statement failed succeeds as a
     * ROLLBACK: the caller must not believe its work was saved. */
    bool rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;

    PQclear(res);
    if (rolled_back) {
        tw_db_set_error(db, TW_DB_STATE_FAILED_TX,
                        "commit rolled back: a statement of the "
                        "transaction had failed");
    }
    return tw_db_rc(db);
}


tw_rc_t
tw_db_rollback(tw_db_t *db)
{
    return tw_db_command(db, "ROLLBACK");
}


tw_rc_t
tw_db_exec_script(tw_db_t *db, const char *sql)
{
    if (db == NULL || !tw_db_usable(db)) {
        return tw_db_rc(db);
    }

    /* the simple query protocol runs several statements in one call */
    PQclear(tw_db_check(db, PQexec(db->conn, sql)));
    return tw_db_rc(db);
}


tw_rc_t
tw_db_enter_branch(tw_db_t *db, long long branch_id, long long user_id)
{
    static const char sql[] =
        "SELECT set_config('tw.branches', coalesce(("
        "SELECT string_agg(b.id::text, ',') "
        "FROM core.branches b, core.branches u "
        "WHERE u.id = $1 AND b.path LIKE u.path || '%'), ''), true), "
        "set_config('tw.user_id', $2, true)";
    char branch[24];
    char user[24];
    const char *params[] = {branch, user};

    /* outside a transaction block SET LOCAL is a mere warning, and the
     * statements after it would run as the owner, unisolated */
    if (db == NULL || !tw_db_usable(db)) {
        return tw_db_rc(db);
    }
    if (PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
        tw_db_set_error(db, "", "branch isolation needs a transaction");
        db->rc = TW_ERR_STATE;
        return TW_ERR_STATE;
    }

    snprintf(branch, sizeof branch, "%lld", branch_id);
    snprintf(user, sizeof user, "%lld", user_id);

    PGresult *res = tw_db_exec(db, sql, 2, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    PQclear(res);
    return tw_db_command(db, "SET LOCAL ROLE " TW_APP_ROLE);
}


bool
tw_db_should_retry(tw_rc_t rc, int attempt)
{
    return rc == TW_ERR_RETRY && attempt < TW_DB_MAX_ATTEMPTS;
}


void
tw_db_retry_pause(int attempt)
{
    static _Thread_local unsigned seed;
    struct timespec now;

    if (seed == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        seed = (unsigned)now.tv_nsec ^ (unsigned)(uintptr_t)&now;
    }

    /* 1 to 4*attempt ms: short, but spread so colliders drift apart */
    long ms = 1 + rand_r(&seed) % (4 * (attempt > 0 ? attempt : 1));
    struct timespec pause = {0, ms * 1000000L};

    nanosleep(&pause, NULL);
}


/* One attempt: BEGIN, fn, then COMMIT on success or ROLLBACK. */
static tw_rc_t
tw_db_attempt(tw_db_t *db, tw_tx_fn fn, void *ctx)
{
    tw_rc_t rc = tw_db_begin(db);

    if (rc != TW_OK) {
        return rc;
    }

    rc = fn(db, ctx);
    if (rc == TW_OK) {
        return tw_db_commit(db);
    }

    /* a failed rollback shows as a lost connection; fn's code says more */
    tw_db_rollback(db);
    return rc;
}


tw_rc_t
tw_db_transaction(tw_pool_t *pool, tw_tx_fn fn, void *ctx)
{
    tw_db_t *db = tw_pool_acquire(pool);
    tw_rc_t rc;

    if (db == NULL) {
        return TW_ERR_UNAVAILABLE;
    }

    for (int attempt = 1;; attempt++) {
        rc = tw_db_attempt(db, fn, ctx);
        if (!tw_db_should_retry(rc, attempt)) {
            break;
        }
        tw_db_retry_pause(attempt);
    }

    tw_pool_release(pool, db);
    return rc;
}
