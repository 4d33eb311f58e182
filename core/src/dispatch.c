/*
 * dispatch.c - the request lifecycle (see dispatch.h).
 *
 * For a route that needs the database: take a pooled connection, BEGIN,
 * look up the bearer token as the owner, check the route's permission,
 * enter the caller's branch (SET LOCAL ROLE to the request role), run
 * the handler, write a default audit row for a state change the handler
 * did not audit, then COMMIT below status 400 and ROLLBACK otherwise.  A
 * POST with an Idempotency-Key may instead get the answer stored for
 * that key; a new key's answer is stored before the COMMIT.  A
 * serialization failure or deadlock reruns everything from BEGIN with a
 * fresh reply, as tw_db_should_retry() allows.  Probes and metrics
 * (TW_ROUTE_NO_DB) skip all of it.  Every answer carries X-Request-Id.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "idempotency.h"
#include "identity.h"
#include "pool.h"
#include "request.h"
#include "tradewind/log.h"

/* Methods whose success is a state change, hence audited. */
static const char *const tw_dispatch_changing[] = {
    "POST", "PUT", "PATCH", "DELETE", NULL
};


static tw_req_t *
tw_dispatch_prepare(const tw_dispatch_t *dispatch, const tw_call_t *call,
                    tw_router_result_t *result)
{
    tw_req_t *req;

    req = tw_req_new(call->conn, call->method, call->uri, &call->start);
    if (req == NULL)
        return NULL;

    req->pool = dispatch->pool;
    req->metrics = dispatch->metrics;
    *result = tw_router_match(dispatch->router, req->method, req->path,
                              &req->match);
    return req;
}


static bool
tw_dispatch_routed(tw_req_t *req, tw_router_result_t result)
{
    switch (result) {
    case TW_ROUTER_FOUND:
        return true;
    case TW_ROUTER_NO_PATH:
        tw_reply_error(req, 404, "not_found", NULL, "no route for this path");
        break;
    case TW_ROUTER_NO_METHOD:
        tw_reply_error(req, 405, "method_not_allowed", NULL,
                       "this path allows only %s", req->match.allow);
        break;
    default:
        tw_reply_error(req, 500, "internal", NULL, "out of memory");
        break;
    }
    return false;
}


static bool
tw_dispatch_parse(tw_req_t *req, const tw_call_t *call)
{
    json_error_t error;

    if (call->body_len == 0)
        return true;

    req->json = json_loadb(call->body, call->body_len,
                           JSON_REJECT_DUPLICATES, &error);
    if (req->json != NULL)
        return true;

    tw_reply_error(req, 400, "malformed_json",
                   json_pack("{s:i, s:i}", "line", error.line, "column",
                             error.column),
                   "malformed JSON body: %s at line %d, column %d",
                   error.text, error.line, error.column);
    return false;
}


/* The token of "Authorization: Bearer <token>", or NULL. */
static const char *
tw_dispatch_token(const tw_req_t *req)
{
    const char *value = tw_req_header(req, "Authorization");

    if (value == NULL || strncasecmp(value, "Bearer ", 7) != 0)
        return NULL;

    value += 7;
    value += strspn(value, " ");
    return value[0] != '\0' ? value : NULL;
}


/* Sets req->user from the token; a token that matches no session leaves
 * it NULL.  False, with a reply, when the lookup itself failed. */
static bool
tw_dispatch_identify(tw_req_t *req)
{
    const char *token = tw_dispatch_token(req);
    tw_rc_t rc;

    if (token == NULL)
        return true;

    rc = tw_session_lookup(req->db, token, &req->user);
    if (rc == TW_OK)
        return true;

    req->user = NULL;
    if (rc == TW_ERR_NOT_FOUND)
        return true;
    tw_reply_rc(req, rc);
    return false;
}


static bool
tw_dispatch_permitted(tw_req_t *req)
{
    const char *permission = req->match.route->permission;

    if (permission == TW_PERM_PUBLIC)
        return true;

    if (req->user == NULL) {
        tw_reply_error(req, 401, "unauthenticated", NULL,
                       "a valid bearer token is required");
        return false;
    }

    if (!tw_user_can(req->user, permission)) {
        tw_reply_error(req, 403, "forbidden", NULL,
                       "permission \"%s\" is required", permission);
        return false;
    }
    return true;
}


/* Identity, permission and branch isolation, inside the transaction. */
static bool
tw_dispatch_enter(tw_req_t *req)
{
    const tw_user_t *user;
    tw_rc_t rc;

    if (!tw_dispatch_identify(req) || !tw_dispatch_permitted(req))
        return false;

    if (req->match.route->flags & TW_ROUTE_OWNER)
        return true;

    user = req->user;
    rc = tw_db_enter_branch(req->db, user != NULL ? user->branch_id : 0,
                            user != NULL ? user->id : 0);
    if (rc != TW_OK) {
        tw_reply_rc(req, rc);
        return false;
    }
    return true;
}


static bool
tw_dispatch_is_change(const char *method)
{
    size_t i;

    for (i = 0; tw_dispatch_changing[i] != NULL; i++) {
        if (strcmp(tw_dispatch_changing[i], method) == 0)
            return true;
    }
    return false;
}


/* Every state change leaves an audit row; handlers that know better
 * write their own with tw_audit(). */
static void
tw_dispatch_default_audit(tw_req_t *req)
{
    const tw_router_match_t *m = &req->match;
    tw_rc_t rc;

    if (req->audited || req->status >= 400 ||
        !tw_dispatch_is_change(req->method))
        return;

    rc = tw_audit(req, req->method, m->route->pattern,
                  m->param_count > 0 ? m->values[0] : "");
    if (rc != TW_OK)
        tw_reply_rc(req, rc);
}


/* Runs the handler and makes sure the request has a reply. */
static void
tw_dispatch_handle(tw_req_t *req)
{
    const tw_route_t *route = req->match.route;

    route->handler(req, route->ctx);
    if (req->status != 0)
        return;

    tw_log_error("handler set no reply", "id=%s route=\"%s\"", req->id,
                 route->pattern);
    tw_reply_error(req, 500, "internal", NULL, "the handler set no reply");
}


static void
tw_dispatch_call(tw_req_t *req)
{
    tw_rc_t rc;

    if (!tw_idem_claim(req))
        return;

    tw_dispatch_handle(req);

    /* A failure the handler did not answer for still decides the reply:
     * its changes are gone with the transaction. */
    rc = tw_db_rc(req->db);
    if (rc == TW_ERR_RETRY || rc == TW_ERR_UNAVAILABLE || req->retry)
        tw_reply_rc(req, req->retry ? TW_ERR_RETRY : rc);

    tw_dispatch_default_audit(req);
    tw_idem_record(req);
}


/* Commits or rolls back; TW_ERR_RETRY when the request should rerun. */
static tw_rc_t
tw_dispatch_end(tw_req_t *req)
{
    tw_rc_t rc;

    if (req->status < 400) {
        rc = tw_db_commit(req->db);
        if (rc == TW_OK)
            return TW_OK;
        tw_reply_rc(req, rc);
    }

    (void)tw_db_rollback(req->db);
    return req->retry ? TW_ERR_RETRY : TW_OK;
}


static tw_rc_t
tw_dispatch_attempt(tw_req_t *req)
{
    tw_rc_t rc;

    rc = tw_db_begin(req->db);
    if (rc != TW_OK) {
        tw_reply_rc(req, rc);
        return rc;
    }

    if (tw_dispatch_enter(req))
        tw_dispatch_call(req);

    return tw_dispatch_end(req);
}


static void
tw_dispatch_transaction(tw_req_t *req)
{
    int attempt;
    tw_rc_t rc;

    req->db = req->pool != NULL ? tw_pool_acquire(req->pool) : NULL;
    if (req->db == NULL) {
        tw_reply_rc(req, TW_ERR_UNAVAILABLE);
        return;
    }

    for (attempt = 1;; attempt++) {
        rc = tw_dispatch_attempt(req);
        if (!tw_db_should_retry(rc, attempt))
            break;
        tw_log_debug("request rerun", "id=%s attempt=%d", req->id, attempt);
        tw_req_reset(req);
        tw_db_retry_pause(attempt);
    }

    tw_idem_sweep(req);
    tw_pool_release(req->pool, req->db);
    req->db = NULL;
}


static struct MHD_Response *
tw_dispatch_response(tw_req_t *req)
{
    struct MHD_Response *response;
    char *body = req->text;

    req->text = NULL;
    if (body == NULL && req->reply != NULL)
        body = json_dumps(req->reply, TW_REPLY_JSON_FLAGS);
    if (body == NULL)
        return MHD_create_response_from_buffer(0, (void *)"",
                                               MHD_RESPMEM_PERSISTENT);

    response = MHD_create_response_from_buffer(strlen(body), body,
                                               MHD_RESPMEM_MUST_FREE);
    if (response == NULL)
        free(body);
    return response;
}


static enum MHD_Result
tw_dispatch_send(tw_req_t *req)
{
    struct MHD_Response *response;
    enum MHD_Result ret;

    response = tw_dispatch_response(req);
    if (response == NULL)
        return MHD_NO;

    MHD_add_response_header(response, "Content-Type", req->content_type);
    MHD_add_response_header(response, "X-Request-Id", req->id);
    if (req->status == 405 && req->match.allow != NULL)
        MHD_add_response_header(response, "Allow", req->match.allow);
    if (req->status == 401)
        MHD_add_response_header(response, "WWW-Authenticate", "Bearer");
    if (req->replayed)
        MHD_add_response_header(response, "Idempotent-Replayed", "true");

    ret = MHD_queue_response(req->conn, req->status, response);
    MHD_destroy_response(response);
    return ret;
}


static double
tw_dispatch_elapsed(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}


/* Sends the reply, counts it, logs it and frees the request. */
static enum MHD_Result
tw_dispatch_finish(tw_req_t *req)
{
    const tw_route_t *route = req->match.route;
    enum MHD_Result ret;
    double seconds;

    ret = tw_dispatch_send(req);
    seconds = tw_dispatch_elapsed(&req->start);

    tw_metrics_observe(req->metrics, route != NULL ? route->pattern : NULL,
                       req->method, req->status, seconds);
    tw_log_info("request",
                "id=%s method=%s path=%s status=%u duration_ms=%.3f user=%s",
                req->id, req->method, req->path, req->status,
                seconds * 1000.0,
                req->user != NULL ? req->user->login : "-");

    tw_req_free(req);
    return ret;
}


enum MHD_Result
tw_dispatch_run(const tw_dispatch_t *dispatch, const tw_call_t *call)
{
    tw_router_result_t result;
    const tw_route_t *route;
    tw_req_t *req;

    req = tw_dispatch_prepare(dispatch, call, &result);
    if (req == NULL)
        return MHD_NO;

    route = req->match.route;
    if (tw_dispatch_routed(req, result) && tw_dispatch_parse(req, call) &&
        tw_idem_prepare(req, call)) {
        if (route->flags & TW_ROUTE_NO_DB)
            tw_dispatch_handle(req);
        else
            tw_dispatch_transaction(req);
    }
    return tw_dispatch_finish(req);
}


enum MHD_Result
tw_dispatch_too_large(const tw_dispatch_t *dispatch, const tw_call_t *call,
                      size_t limit)
{
    tw_router_result_t result;
    tw_req_t *req;

    req = tw_dispatch_prepare(dispatch, call, &result);
    if (req == NULL)
        return MHD_NO;

    tw_reply_error(req, 413, "body_too_large",
                   json_pack("{s:I}", "limit", (json_int_t)limit),
                   "the request body is larger than %zu bytes", limit);
    return tw_dispatch_finish(req);
}
