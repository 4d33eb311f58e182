/*
 * http.h - routes, requests and replies.
 *
 * A plugin registers routes during init.  For each request the core:
 * authenticates the bearer token, checks the route's permission, parses a
 * JSON body (400 on malformed JSON, 413 over the limit), opens one
 * transaction with the user's branch isolation in force, calls the
 * handler, writes a default audit row for a state-changing request that
 * wrote none, and commits when the reply status is below 400 (rolls back
 * otherwise).  A serialization failure reruns the handler from scratch.
 *
 * Handlers set exactly one reply with tw_reply_json() or tw_reply_error()
 * (a later call replaces an earlier one).
 */
#ifndef TRADEWIND_HTTP_H
#define TRADEWIND_HTTP_H

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>

#include "tradewind/db.h"
#include "tradewind/result.h"
#include "tradewind/visibility.h"

typedef struct tw_req tw_req_t;
typedef struct tw_host tw_host_t;
typedef struct tw_user tw_user_t;

typedef void (*tw_handler_fn)(tw_req_t *req, void *ctx);

/* Permission values with a special meaning. */
#define TW_PERM_PUBLIC NULL /* no login needed */
#define TW_PERM_LOGIN ""    /* any logged-in user */

/* Registers `method` `pattern` ("/api/v1/things/{code}").  `permission`
 * is a name declared with tw_permission_add(), TW_PERM_LOGIN or
 * TW_PERM_PUBLIC.  Fails with TW_ERR_CONFLICT for a duplicate route. */
TW_API tw_rc_t tw_route_add(tw_host_t *host, const char *method,
                            const char *pattern, const char *permission,
                            tw_handler_fn handler, void *ctx);

/* One route of a table given to tw_route_add_table(). */
typedef struct tw_route_spec {
    const char *method; /* NULL ends the table */
    const char *pattern;
    const char *permission;
    tw_handler_fn handler;
} tw_route_spec_t;

/* The entry that ends a route table. */
#define TW_ROUTE_SPEC_END {NULL, NULL, NULL, NULL}

/* Registers every route of `routes` (ending with TW_ROUTE_SPEC_END) with
 * a NULL ctx, as tw_route_add() does; stops at the first
 * failure and returns it. */
TW_API tw_rc_t tw_route_add_table(tw_host_t *host,
                                  const tw_route_spec_t *routes);

TW_API const char *tw_req_method(const tw_req_t *req);
TW_API const char *tw_req_path(const tw_req_t *req);
TW_API const char *tw_req_id(const tw_req_t *req);

/* The value of path parameter {name}; NULL if the route has none. */
TW_API const char *tw_req_param(const tw_req_t *req, const char *name);

/* The decoded query argument `name`; NULL if absent. */
TW_API const char *tw_req_query(const tw_req_t *req, const char *name);

/* A request header (case-insensitive name); NULL if absent. */
TW_API const char *tw_req_header(const tw_req_t *req, const char *name);

/* The parsed JSON body (borrowed), or NULL when the request had none. */
TW_API json_t *tw_req_json(const tw_req_t *req);

/* The logged-in user, or NULL on a public route without a token. */
TW_API const tw_user_t *tw_req_user(const tw_req_t *req);

/* The connection inside the request's transaction. */
TW_API tw_db_t *tw_req_db(tw_req_t *req);

/* Replies `status` with `body` (stolen; NULL means no body). */
TW_API void tw_reply_json(tw_req_t *req, unsigned status, json_t *body);

/* Replies with the error shape {"error":{"code","message","details"}}.
 * `details` is stolen and may be NULL. */
TW_API void tw_reply_error(tw_req_t *req, unsigned status, const char *code,
                           json_t *details, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Replies for the last failure on the request's connection: 403 for a
 * branch isolation refusal, 409 for a conflict, 400 for bad data, 503
 * when the database is down, 500 otherwise. */
TW_API void tw_reply_db_error(tw_req_t *req);

/* Writes an audit row for this request in its transaction: who, when,
 * `action` ("create"), `entity` ("order") and `entity_id`. */
TW_API tw_rc_t tw_audit(tw_req_t *req, const char *action, const char *entity,
                        const char *entity_id);

#endif
