/*
 * identity_internal.h - what the identity files share among themselves
 * (core only): the core migrations, the audit list route, and the
 * helpers the identity routes and list queries have in common.
 */
#ifndef TW_IDENTITY_INTERNAL_H
#define TW_IDENTITY_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tradewind/auth.h"
#include "tradewind/db.h"
#include "tradewind/http.h"

/* A SQL expression rendering timestamptz `col` as RFC 3339 in UTC. */
#define TW_SQL_RFC3339(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Registers the migrations of the core schema on the core host. */
tw_rc_t tw_core_schema_register(tw_host_t *core_host);

/* GET /api/v1/audit. */
void tw_audit_list_route(tw_req_t *req, void *ctx);

/* Runs a query whose one row and column is JSON text and parses it.
 * Returns NULL on a database failure or unparsable JSON. */
json_t *tw_identity_query_json(tw_db_t *db, const char *sql, int n_params,
                               const char *const *params);

/* Reads ?limit= (1..200, default 50) and ?after= (a positive id) into
 * *limit and *after (0 when absent).  Replies 400 and returns false on a
 * malformed value. */
bool tw_identity_page_args(tw_req_t *req, long *limit, int64_t *after);

/* Replies 200 {"items": [...], "next": cursor-or-null} for `items`
 * (stolen) fetched with limit + 1 rows: the extra row, if any, only
 * says there is a next page, whose cursor is the last kept item's id. */
void tw_identity_reply_page(tw_req_t *req, json_t *items, long limit);

/* The actor of the audit rows the command line writes: no user id, login
 * "cli", headquarters' branch. */
extern const tw_user_t tw_cli_actor;

/* What a command's transaction body reports back; the first member of
 * each command's context, so the body can be handed either. */
typedef struct tw_cli_tx {
    char err[256];      /* the command's own refusal, "" if none */
    char db_error[512]; /* the database's message otherwise */
} tw_cli_tx_t;

/* In a transaction body: keeps the database's message of a failure. */
void tw_cli_tx_failed(tw_cli_tx_t *tx, tw_db_t *db);

/* Runs `fn` (whose ctx starts with `tx`) in one transaction and prints
 * why it failed, prefixed "tradewind COMMAND: ".  Returns an exit code:
 * 2 for input the command refused, 1 for any other failure. */
int tw_cli_transact(tw_pool_t *pool, const char *command, tw_tx_fn fn,
                    tw_cli_tx_t *tx);

#endif
