/*
 * db.h - PostgreSQL access for the core and plugins.
 *
 * A tw_db_t is one pooled connection.  Every statement is parameterised:
 * parameters travel separately from the SQL text, as text values (NULL
 * for SQL NULL), so no input is ever spliced into a query.
 *
 * During an HTTP request the core owns the transaction: tw_req_db()
 * returns a connection already inside it, with row-level security set for
 * the calling user's branch.  A handler never issues BEGIN or COMMIT.
 */
#ifndef TRADEWIND_DB_H
#define TRADEWIND_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "tradewind/result.h"
#include "tradewind/visibility.h"

typedef struct tw_db tw_db_t;
typedef struct tw_pool tw_pool_t;
typedef struct tw_host tw_host_t;

/* Runs `sql` with `n_params` text parameters.  Returns the result (free
 * it with PQclear) when the command or query succeeded, NULL otherwise;
 * then tw_db_rc(), tw_db_sqlstate() and tw_db_message() describe why. */
TW_API PGresult *tw_db_exec(tw_db_t *db, const char *sql, int n_params,
                            const char *const *params);

/* The failure of the last statement on `db`: TW_OK if it succeeded,
 * TW_ERR_UNAVAILABLE when the connection is lost, TW_ERR_RETRY for a
 * serialization failure or deadlock (40001, 40P01), TW_ERR_FORBIDDEN for
 * a row-level security refusal (42501), TW_ERR_CONFLICT for a unique or
 * exclusion violation, TW_ERR_INVALID for other integrity or data
 * errors, TW_ERR_INTERNAL for the rest. */
TW_API tw_rc_t tw_db_rc(const tw_db_t *db);

/* SQLSTATE of the last failure ("" if none or no server answer). */
TW_API const char *tw_db_sqlstate(const tw_db_t *db);

/* Server or connection message of the last failure ("" if none). */
TW_API const char *tw_db_message(const tw_db_t *db);

/* The name of the constraint the last failure violated (a check, unique,
 * foreign key or not-null constraint); "" when none is named. */
TW_API const char *tw_db_constraint(const tw_db_t *db);

/* The libpq connection under `db`, for COPY only (PQputCopyData and
 * PQgetCopyData, which tw_db_exec cannot carry); every other statement
 * goes through tw_db_exec.  The pool keeps owning it: never close it.
 * NULL when `db` is NULL or not connected. */
TW_API PGconn *tw_db_conn(tw_db_t *db);

/* Runs `copy_sql` (a COPY ... FROM STDIN) and sends it `len` bytes of
 * COPY text from `data`.  Fails like tw_db_exec: tw_db_rc(),
 * tw_db_sqlstate() and tw_db_message() then describe why. */
TW_API tw_rc_t tw_db_copy(tw_db_t *db, const char *copy_sql,
                          const char *data, size_t len);

/* Takes a connection from the pool, reconnecting if it was lost.
 * Returns NULL when the database cannot be reached. */
TW_API tw_db_t *tw_pool_acquire(tw_pool_t *pool);

/* Returns a connection; a connection left inside a transaction is
 * rolled back first. */
TW_API void tw_pool_release(tw_pool_t *pool, tw_db_t *db);

/* The process-wide pool (NULL before the database is configured). */
TW_API tw_pool_t *tw_pool_default(void);

/* The body of a transaction: returns TW_OK to commit, any other code to
 * roll back.  It may run more than once, so it must not have effects
 * outside the database. */
typedef tw_rc_t (*tw_tx_fn)(tw_db_t *db, void *ctx);

/* Runs `fn` in a transaction, retrying it on serialization failure or
 * deadlock up to 5 times.  Returns fn's result, or the database error. */
TW_API tw_rc_t tw_db_transaction(tw_pool_t *pool, tw_tx_fn fn, void *ctx);

/* Registers migration `version` (1, 2, 3, ... without gaps) of the
 * calling plugin.  It runs in the plugin's own schema (search_path is set
 * to it) inside one transaction.  After it, every table of that schema
 * with a `branch_id` column gets branch isolation automatically. */
TW_API tw_rc_t tw_migration_add(tw_host_t *host, int version,
                                const char *name, const char *sql);

#endif
