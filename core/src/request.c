/*
 * request.c - the request accessors and replies of tradewind/http.h.
 *
 * A tw_req_t is owned by the dispatcher (see request.h) and used by one
 * thread.  Handlers reply by storing a status and a body in it; nothing
 * is sent until the handler returns, so a later reply replaces an earlier
 * one and a rerun can start from a clean reply.  Database failures are
 * answered with fixed messages: SQL and server text go to the log only.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "request.h"
#include "tradewind/log.h"

#define TW_REQ_ID_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"


static bool
tw_req_id_valid(const char *id)
{
    size_t len = strlen(id);

    return len >= 1 && len <= TW_REQ_ID_MAX &&
           strspn(id, TW_REQ_ID_CHARS) == len;
}


/* Keeps the client's id so that its logs and ours can be joined; a
 * missing or unsafe one is replaced with 16 random hex digits. */
static void
tw_req_set_id(tw_req_t *req)
{
    unsigned char bin[8];
    const char *given;

    given = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                        "X-Request-Id");
    if (given != NULL && tw_req_id_valid(given)) {
        strcpy(req->id, given);
        return;
    }

    randombytes_buf(bin, sizeof(bin));
    sodium_bin2hex(req->id, sizeof(req->id), bin, sizeof(bin));
}


tw_req_t *
tw_req_new(struct MHD_Connection *conn, const char *method, const char *uri,
           const struct timespec *start)
{
    tw_req_t *req = calloc(1, sizeof(*req));

    if (req == NULL)
        return NULL;

    req->path = strndup(uri, strcspn(uri, "?#"));
    if (req->path == NULL) {
        free(req);
        return NULL;
    }

    req->conn = conn;
    req->method = method;
    req->start = *start;
    req->content_type = "application/json";
    tw_req_set_id(req);
    return req;
}


void
tw_req_reset(tw_req_t *req)
{
    json_decref(req->reply);
    free(req->text);
    free(req->owned_type);
    tw_user_free(req->user);

    req->reply = NULL;
    req->text = NULL;
    req->owned_type = NULL;
    req->user = NULL;
    req->status = 0;
    req->content_type = "application/json";
    req->audited = false;
    req->retry = false;
    req->replayed = false;
}


void
tw_req_free(tw_req_t *req)
{
    if (req == NULL)
        return;

    tw_req_reset(req);
    tw_router_match_clear(&req->match);
    json_decref(req->json);
    free(req->path);
    free(req);
}


const char *
tw_req_method(const tw_req_t *req)
{
    return req->method;
}


const char *
tw_req_path(const tw_req_t *req)
{
    return req->path;
}


const char *
tw_req_id(const tw_req_t *req)
{
    return req->id;
}


const char *
tw_req_param(const tw_req_t *req, const char *name)
{
    return tw_router_param(&req->match, name);
}


const char *
tw_req_query(const tw_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}


const char *
tw_req_header(const tw_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}


json_t *
tw_req_json(const tw_req_t *req)
{
    return req->json;
}


const tw_user_t *
tw_req_user(const tw_req_t *req)
{
    return req->user;
}


tw_db_t *
tw_req_db(tw_req_t *req)
{
    return req->db;
}


tw_pool_t *
tw_req_pool(const tw_req_t *req)
{
    return req->pool;
}


tw_metrics_t *
tw_req_metrics(const tw_req_t *req)
{
    return req->metrics;
}


void
tw_reply_json(tw_req_t *req, unsigned status, json_t *body)
{
    json_decref(req->reply);
    free(req->text);

    req->status = status;
    req->reply = body;
    req->text = NULL;
    req->content_type = "application/json";
    req->replayed = false;
}


void
tw_reply_text(tw_req_t *req, unsigned status, const char *content_type,
              char *text)
{
    tw_reply_json(req, status, NULL);
    req->text = text;
    req->content_type = content_type;
}


void
tw_reply_replay(tw_req_t *req, unsigned status, char *content_type,
                char *text)
{
    tw_reply_text(req, status, content_type, text);
    free(req->owned_type);
    req->owned_type = content_type;
    req->replayed = true;
}


void
tw_reply_error(tw_req_t *req, unsigned status, const char *code,
               json_t *details, const char *fmt, ...)
{
    json_t *message;
    va_list ap;

    va_start(ap, fmt);
    message = json_vsprintf(fmt, ap);
    va_end(ap);

    /* json_vsprintf refuses text that is not UTF-8; keep the code. */
    if (message == NULL)
        message = json_string("");
    if (details == NULL)
        details = json_object();

    tw_reply_json(req, status,
                  json_pack("{s:{s:s, s:o, s:o}}", "error", "code", code,
                            "message", message, "details", details));
}


/* The failure is ours, not the client's: the log gets the server's text
 * and the client only the request id to quote. */
static void
tw_reply_internal(tw_req_t *req, tw_rc_t rc)
{
    const char *state = req->db != NULL ? tw_db_sqlstate(req->db) : "";
    const char *text = req->db != NULL ? tw_db_message(req->db) : "";

    tw_log_error("database error", "id=%s rc=%d sqlstate=%s message=\"%s\"",
                 req->id, (int)rc, state, text);
    tw_reply_error(req, 500, "internal", NULL,
                   "internal error; quote request id %s", req->id);
}


/* How tw_reply_rc() answers a failure that is not an internal one. */
typedef struct tw_reply_answer {
    tw_rc_t rc;
    int status;
    const char *code;
    const char *message;
} tw_reply_answer_t;

static const tw_reply_answer_t tw_reply_answers[] = {
    {TW_ERR_FORBIDDEN, 403, "forbidden_branch",
     "the row belongs to a branch outside yours"},
    {TW_ERR_CONFLICT, 409, "conflict",
     "the change conflicts with existing data"},
    {TW_ERR_INVALID, 400, "invalid_input", "the database refused the data"},
    {TW_ERR_UNAVAILABLE, 503, "database_unavailable",
     "the database is unavailable; try again later"},
    {TW_ERR_RETRY, 409, "conflict",
     "the request collided with concurrent changes; try again"},
};


void
tw_reply_rc(tw_req_t *req, tw_rc_t rc)
{
    size_t n = sizeof(tw_reply_answers) / sizeof(tw_reply_answers[0]);

    /* The dispatcher reruns; this answer stays only if it gives up. */
    if (rc == TW_ERR_RETRY)
        req->retry = true;

    for (size_t i = 0; i < n; i++) {
        const tw_reply_answer_t *a = &tw_reply_answers[i];

        if (a->rc == rc) {
            tw_reply_error(req, a->status, a->code, NULL, "%s", a->message);
            return;
        }
    }
    tw_reply_internal(req, rc);
}


void
tw_reply_db_error(tw_req_t *req)
{
    tw_reply_rc(req, req->db != NULL ? tw_db_rc(req->db) : TW_ERR_STATE);
}


tw_rc_t
tw_audit(tw_req_t *req, const char *action, const char *entity,
         const char *entity_id)
{
    tw_rc_t rc;

    if (req->db == NULL)
        return TW_ERR_STATE;

    rc = tw_audit_write(req->db, req->user, req->id, action, entity,
                        entity_id);
    if (rc == TW_OK)
        req->audited = true;
    return rc;
}
