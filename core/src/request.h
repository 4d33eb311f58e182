/*
 * request.h - one HTTP request as the core sees it (internal).
 *
 * The dispatcher creates a tw_req_t when a request has been received,
 * fills in the route, body, user and connection, lets the handler reply
 * through the public tw_reply_* functions (tradewind/http.h), sends the
 * reply and frees the request.  A request belongs to the one worker
 * thread serving it; nothing in it is shared, so nothing is locked.
 */
#ifndef TW_REQUEST_H
#define TW_REQUEST_H

#include <microhttpd.h>
#include <stdbool.h>
#include <time.h>

#include "idempotency.h"
#include "metrics.h"
#include "router.h"
#include "tradewind/auth.h"
#include "tradewind/http.h"

/* The longest request id accepted from a client. */
#define TW_REQ_ID_MAX 64

/* How a JSON reply becomes bytes: compact, and reals with 15 significant
 * digits, so 35.55 reads back as 35.55 rather than its binary value. */
#define TW_REPLY_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

struct tw_req {
    struct MHD_Connection *conn;
    const char *method;       /* borrowed from libmicrohttpd */
    char *path;               /* as sent: still encoded, no query */
    char id[TW_REQ_ID_MAX + 1];
    struct timespec start;    /* CLOCK_MONOTONIC, first byte seen */
    tw_router_match_t match;
    json_t *json;             /* the parsed body, or NULL */
    tw_user_t *user;          /* owned; NULL when anonymous */
    tw_db_t *db;              /* borrowed from the pool; NULL: no DB */
    tw_pool_t *pool;          /* for the probes; may be NULL */
    tw_metrics_t *metrics;    /* for GET /metrics */
    const char *idem_key;     /* a POST's Idempotency-Key (borrowed) */
    char idem_hash[TW_IDEM_HASH_HEX]; /* of the request, when keyed */

    /* The reply: status 0 until the handler sets one. */
    unsigned status;
    json_t *reply;            /* owned JSON body, or NULL */
    char *text;               /* owned non-JSON body, or NULL */
    const char *content_type; /* static string, or owned_type */
    char *owned_type;         /* owned content type of a replay */
    bool audited;             /* tw_audit() succeeded */
    bool retry;               /* a serialization failure was seen */
    bool replayed;            /* the reply is an idempotent replay */
};

/* A request for `method` and the raw `uri` (path and query) whose id is
 * the client's valid X-Request-Id or a fresh random one.  NULL when out
 * of memory. */
tw_req_t *tw_req_new(struct MHD_Connection *conn, const char *method,
                     const char *uri, const struct timespec *start);
void tw_req_free(tw_req_t *req);

/* Forgets the reply and the user before the dispatcher reruns. */
void tw_req_reset(tw_req_t *req);

/* Replies with a body that is not JSON; `text` (malloc'd) is stolen and
 * `content_type` must be a static string. */
void tw_reply_text(tw_req_t *req, unsigned status, const char *content_type,
                   char *text);

/* Replies with an answer stored by an earlier request with the same
 * Idempotency-Key: `content_type` and `text` (malloc'd; text may be NULL
 * for an empty body) are stolen, and the reply is marked replayed. */
void tw_reply_replay(tw_req_t *req, unsigned status, char *content_type,
                     char *text);

/* Replies for the database result `rc` (see tw_reply_db_error()); a
 * TW_ERR_RETRY also marks the request for a rerun. */
void tw_reply_rc(tw_req_t *req, tw_rc_t rc);

tw_pool_t *tw_req_pool(const tw_req_t *req);
tw_metrics_t *tw_req_metrics(const tw_req_t *req);

#endif
