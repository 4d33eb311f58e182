/*
 * idempotency.c - stored answers of keyed creating requests (see
 * idempotency.h).
 *
 * The records live in core.idempotency (core migration 2), one row per
 * (user_id, key); row-level security there lets the request role touch
 * only the rows of its own tw.user_id.  A replay costs one statement: the
 * row is first read without a lock.  Only a key not seen yet takes the
 * advisory lock of (user, key) and reads again; the transaction runs at
 * READ COMMITTED, so that second statement sees the row a concurrent
 * first request committed while this one waited.  Expired rows count as
 * absent and are overwritten; the sweep deletes the others in batches.
 *
 * Everything here runs on the request's worker thread; the counter that
 * spaces out the sweeps is the only shared state and is atomic.
 */
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idempotency.h"
#include "request.h"
#include "tradewind/log.h"

/* How long an answer is replayed, as SQL. */
#define TW_IDEM_TTL "interval '24 hours'"

/* A sweep after every this many stored keys (the first one included),
 * deleting at most TW_IDEM_SWEEP_BATCH expired rows. */
#define TW_IDEM_SWEEP_EVERY 256u
#define TW_IDEM_SWEEP_BATCH "500"

/* Parameters $1 user id, $2 key, $3 request hash in hex. */
static const char tw_idem_find_sql[] =
    "SELECT request_hash = decode($3, 'hex'), status, content_type, "
    "response FROM core.idempotency "
    "WHERE user_id = $1 AND key = $2 AND created_at > now() - " TW_IDEM_TTL;

static const char tw_idem_lock_sql[] =
    "SELECT pg_advisory_xact_lock(hashtextextended($2, $1))";

/* The lock and the re-check ensure that a row in the way has expired. */
static const char tw_idem_store_sql[] =
    "INSERT INTO core.idempotency (user_id, key, request_hash, method,"
    " route, status, content_type, response)"
    " VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6, $7, $8)"
    " ON CONFLICT (user_id, key) DO UPDATE SET"
    " request_hash = excluded.request_hash, method = excluded.method,"
    " route = excluded.route, status = excluded.status,"
    " content_type = excluded.content_type,"
    " response = excluded.response, created_at = excluded.created_at";

/* SKIP LOCKED: a sweep never waits for, nor blocks, a live request. */
static const char tw_idem_sweep_sql[] =
    "DELETE FROM core.idempotency WHERE (user_id, key) IN ("
    " SELECT user_id, key FROM core.idempotency"
    " WHERE created_at <= now() - " TW_IDEM_TTL
    " LIMIT " TW_IDEM_SWEEP_BATCH " FOR UPDATE SKIP LOCKED)";

static atomic_uint tw_idem_stored;


static bool
tw_idem_key_valid(const char *key)
{
    size_t len = strlen(key);
    size_t i;

    if (len < 1 || len > TW_IDEM_KEY_MAX)
        return false;

    for (i = 0; i < len; i++) {
        if (key[i] < 0x20 || key[i] > 0x7e)
            return false;
    }
    return true;
}


/* BLAKE2b of method, URI and body.  The NUL after the method and after
 * the URI, which neither can contain, keeps the three apart. */
static void
tw_idem_hash(tw_req_t *req, const tw_call_t *call)
{
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash_state state;

    crypto_generichash_init(&state, NULL, 0, sizeof(hash));
    crypto_generichash_update(&state, (const unsigned char *)call->method,
                              strlen(call->method) + 1);
    crypto_generichash_update(&state, (const unsigned char *)call->uri,
                              strlen(call->uri) + 1);
    if (call->body_len > 0)
        crypto_generichash_update(&state, (const unsigned char *)call->body,
                                  call->body_len);
    crypto_generichash_final(&state, hash, sizeof(hash));

    sodium_bin2hex(req->idem_hash, sizeof(req->idem_hash), hash,
                   sizeof(hash));
}


bool
tw_idem_prepare(tw_req_t *req, const tw_call_t *call)
{
    const tw_route_t *route = req->match.route;
    const char *key;

    if (strcmp(req->method, "POST") != 0 ||
        (route->flags & (TW_ROUTE_OWNER | TW_ROUTE_NO_DB)) != 0)
        return true;

    key = tw_req_header(req, "Idempotency-Key");
    if (key == NULL)
        return true;

    if (!tw_idem_key_valid(key)) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "header", "Idempotency-Key"),
                       "Idempotency-Key must be 1 to %d printable ASCII "
                       "characters", TW_IDEM_KEY_MAX);
        return false;
    }

    req->idem_key = key;
    tw_idem_hash(req, call);
    return true;
}


/* The caller's id as text: keys of anonymous callers belong to user 0. */
static void
tw_idem_user(const tw_req_t *req, char *buf, size_t size)
{
    snprintf(buf, size, "%lld",
             req->user != NULL ? (long long)req->user->id : 0LL);
}


/* Runs `sql` with the first `n_params` of (user, key, hash); NULL, with
 * a reply, on failure. */
static PGresult *
tw_idem_exec(tw_req_t *req, const char *sql, int n_params)
{
    char user[24];
    const char *params[] = {user, req->idem_key, req->idem_hash};
    PGresult *res;

    tw_idem_user(req, user, sizeof(user));
    res = tw_db_exec(req->db, sql, n_params, params);
    if (res == NULL)
        tw_reply_db_error(req);
    return res;
}


/* Waits for a concurrent request with the same key to end, then looks
 * for its row again. */
static PGresult *
tw_idem_wait_and_find(tw_req_t *req)
{
    PGresult *res = tw_idem_exec(req, tw_idem_lock_sql, 2);

    if (res == NULL)
        return NULL;

    PQclear(res);
    return tw_idem_exec(req, tw_idem_find_sql, 3);
}


/* Replays the stored answer of the row in `res`, or refuses the key
 * when that answer was for a different request. */
static void
tw_idem_answer(tw_req_t *req, const PGresult *res)
{
    unsigned status = (unsigned)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    bool has_body = !PQgetisnull(res, 0, 3);
    char *type;
    char *text;

    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        tw_reply_error(req, 422, "idempotency_key_reused", NULL,
                       "this Idempotency-Key was used for a different "
                       "request");
        return;
    }

    type = strdup(PQgetvalue(res, 0, 2));
    text = has_body ? strdup(PQgetvalue(res, 0, 3)) : NULL;
    if (type == NULL || (has_body && text == NULL)) {
        free(type);
        free(text);
        tw_reply_error(req, 500, "internal", NULL, "out of memory");
        return;
    }
    tw_reply_replay(req, status, type, text);
}


bool
tw_idem_claim(tw_req_t *req)
{
    PGresult *res;
    bool fresh;

    if (req->idem_key == NULL)
        return true;

    res = tw_idem_exec(req, tw_idem_find_sql, 3);
    if (res != NULL && PQntuples(res) == 0) {
        PQclear(res);
        res = tw_idem_wait_and_find(req);
    }
    if (res == NULL)
        return false;

    fresh = PQntuples(res) == 0;
    if (!fresh)
        tw_idem_answer(req, res);
    PQclear(res);
    return fresh;
}


/* The body about to be sent, NULL when there is none.  A JSON reply is
 * serialised here, once, so that the bytes stored are the bytes sent.
 * False, with a reply, when out of memory. */
static bool
tw_idem_body(tw_req_t *req, const char **body)
{
    char *text;

    if (req->reply != NULL && req->text == NULL) {
        text = json_dumps(req->reply, TW_REPLY_JSON_FLAGS);
        if (text == NULL) {
            tw_reply_error(req, 500, "internal", NULL, "out of memory");
            return false;
        }
        tw_reply_text(req, req->status, req->content_type, text);
    }
    *body = req->text;
    return true;
}


void
tw_idem_record(tw_req_t *req)
{
    char user[24];
    char status[16];
    const char *params[] = {user, req->idem_key, req->idem_hash,
                            req->method, req->match.route->pattern,
                            status, NULL, NULL};
    const char *body;
    PGresult *res;

    if (req->idem_key == NULL || req->status >= 400 ||
        !tw_idem_body(req, &body))
        return;

    tw_idem_user(req, user, sizeof(user));
    snprintf(status, sizeof(status), "%u", req->status);
    params[6] = req->content_type;
    params[7] = body;

    res = tw_db_exec(req->db, tw_idem_store_sql, 8, params);
    if (res == NULL)
        tw_reply_db_error(req);
    PQclear(res);
}


void
tw_idem_sweep(tw_req_t *req)
{
    PGresult *res;

    if (req->idem_key == NULL || req->replayed || req->status >= 400 ||
        req->db == NULL)
        return;

    if (atomic_fetch_add(&tw_idem_stored, 1u) % TW_IDEM_SWEEP_EVERY != 0)
        return;

    res = tw_db_exec(req->db, tw_idem_sweep_sql, 0, NULL);
    if (res == NULL) {
        tw_log_warn("idempotency sweep failed", "id=%s message=\"%s\"",
                    req->id, tw_db_message(req->db));
        return;
    }

    if (strcmp(PQcmdTuples(res), "0") != 0)
        tw_log_info("expired idempotency keys deleted", "count=%s",
                    PQcmdTuples(res));
    PQclear(res);
}
