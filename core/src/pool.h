/*
 * pool.h - the connection pool and transaction control (core only).
 *
 * The pool holds up to `size` libpq connections, opened lazily.  A
 * connection found broken on acquire or after a failed statement is
 * reset, so the process recovers by itself when PostgreSQL returns.
 * Thread-safe: acquire blocks (bounded) while every connection is in use.
 */
#ifndef TW_POOL_H
#define TW_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "tradewind/db.h"

/* Creates a pool; no connection is made yet.  `statement_timeout_ms` is
 * set on every connection (0 for none).  Returns NULL on bad arguments. */
tw_pool_t *tw_pool_open(const char *conninfo, unsigned size,
                        unsigned statement_timeout_ms);
void tw_pool_close(tw_pool_t *pool);

/* Makes `pool` what tw_pool_default() returns (NULL to clear). */
void tw_pool_set_default(tw_pool_t *pool);

unsigned tw_pool_size(const tw_pool_t *pool);
unsigned tw_pool_in_use(const tw_pool_t *pool);

/* True when a connection can be had and answers a trivial query. */
bool tw_pool_ping(tw_pool_t *pool);

tw_rc_t tw_db_begin(tw_db_t *db);
tw_rc_t tw_db_commit(tw_db_t *db);
tw_rc_t tw_db_rollback(tw_db_t *db);

/* Runs trusted multi-statement SQL text (migrations only: never input). */
tw_rc_t tw_db_exec_script(tw_db_t *db, const char *sql);

/* The role every request runs as: never a superuser, never an owner. */
#define TW_APP_ROLE "tradewind_app"

/* Inside a transaction: makes only the rows of `branch_id` and the
 * branches below it visible (0: no branch rows at all), and switches to
 * TW_APP_ROLE for the rest of the transaction. */
tw_rc_t tw_db_enter_branch(tw_db_t *db, long long branch_id,
                           long long user_id);

/* How many times a transaction runs at most before a serialization
 * failure or deadlock is given up as TW_ERR_RETRY. */
#define TW_DB_MAX_ATTEMPTS 5

/* The one retry rule for tw_db_transaction() and the HTTP dispatcher:
 * true when attempt number `attempt` (1, 2, ...) ended with `rc` and may
 * run again, i.e. rc is TW_ERR_RETRY and attempts remain. */
bool tw_db_should_retry(tw_rc_t rc, int attempt);

/* Sleeps a short random time (a few ms, growing with `attempt`) before
 * the next attempt, so that colliding transactions drift apart. */
void tw_db_retry_pause(int attempt);

#endif
