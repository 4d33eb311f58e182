/*
 * identity_internal.h - what the identity files share among themselves
 * (core only): the core migrations, the audit list route, the query
 * shapes of identity_query.c and the list replies of identity_routes.c.
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

/* A query answering the rows of `select`, which have an id, as one JSON
 * array in id order ('[]' for none). */
#define TW_SQL_JSON_ARRAY(select) \
    "SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM (" select ") t"

/* Registers the migrations of the core schema on the core host. */
tw_rc_t tw_core_schema_register(tw_host_t *core_host);

/* GET /api/v1/audit. */
void tw_audit_list_route(tw_req_t *req, void *ctx);

/* Runs a query whose one row and column is JSON text and parses it.
 * Returns NULL on a database failure or unparsable JSON. */
json_t *tw_identity_query_json(tw_db_t *db, const char *sql, int n_params,
                               const char *const *params);

/* The first element of the JSON array query `sql` answers for $1 = `id`:
 * a new reference, NULL when there is none or on a failure. */
json_t *tw_identity_query_one(tw_db_t *db, const char *sql, int64_t id);

/* The JSON array query `sql` answers for $1 = `after` (the id to list
 * after), $2 = `limit` (0: all) and, when n_params is 3, $3 = `scope`
 * (0: NULL).  NULL on a failure. */
json_t *tw_identity_query_page(tw_db_t *db, const char *sql, int n_params,
                               int64_t after, long limit, int64_t scope);

/* Runs a statement whose first column is an id: TW_OK with *id from its
 * one row, TW_ERR_NOT_FOUND when it has no row, or the database's
 * failure.  When `flag` is not NULL the second column, a boolean, is read
 * into it. */
tw_rc_t tw_identity_query_id(tw_db_t *db, const char *sql, int n_params,
                             const char *const *params, int64_t *id,
                             bool *flag);

/* Fetches at most `limit` rows of a list route for `req`'s caller,
 * continuing after cursor `after` (0: from the start).  NULL on a
 * database failure. */
typedef json_t *(*tw_identity_page_fn)(tw_req_t *req, int64_t after,
                                       long limit);

/* Answers a GET list route: reads ?limit= (1..200, default 50) and
 * ?after= (a positive id), fetches limit + 1 rows with `fetch` and replies
 * 200 {"items": [...], "next": cursor-or-null}, the cursor being the last
 * item's id when the extra row says there is more.  Replies 400 for a
 * malformed argument. */
void tw_identity_reply_list(tw_req_t *req, tw_identity_page_fn fetch);

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
