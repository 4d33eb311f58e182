/*
 * audit.c - the audit trail: writing a row in the caller's transaction,
 * and GET /api/v1/audit.
 *
 * A row belongs to the acting user's branch, or to headquarters when no
 * user acts (the CLI).  core.audit is isolated by branch, so a request
 * sees only the rows of its user's subtree without any filter here.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "identity.h"
#include "identity_internal.h"
#include "tradewind/log.h"


tw_rc_t
tw_audit_write(tw_db_t *db, const tw_user_t *user, const char *request_id,
               const char *action, const char *entity,
               const char *entity_id)
{
    char user_text[24];
    char branch_text[24];
    bool has_id = user != NULL && user->id != 0;
    bool has_branch = user != NULL && user->branch_id != 0;

    snprintf(user_text, sizeof user_text, "%" PRId64, has_id ? user->id : 0);
    snprintf(branch_text, sizeof branch_text, "%" PRId64,
             has_branch ? user->branch_id : 0);

    const char *params[] = {has_id ? user_text : NULL,
                            user != NULL ? user->login : NULL,
                            has_branch ? branch_text : NULL,
                            action, entity, entity_id, request_id};
    PGresult *res = tw_db_exec(db,
        "INSERT INTO core.audit (user_id, login, branch_id, action, entity,"
        "                        entity_id, request_id)"
        " VALUES ($1, $2, coalesce($3::bigint, (SELECT id FROM core.branches"
        "                                       WHERE parent_id IS NULL)),"
        "         $4, $5, $6, $7)", 7, params);

    if (res == NULL) {
        tw_log_error("audit write failed", "action=%s entity=%s error=\"%s\"",
                     action, entity, tw_db_message(db));
        return tw_db_rc(db);
    }
    PQclear(res);
    return TW_OK;
}


/* Rows with id < before (0: from the newest), newest first, at most
 * `limit`, only of ?entity= and ?action= when given. */
static json_t *
tw_audit_list(tw_req_t *req, int64_t before, long limit)
{
    char before_text[24];
    char limit_text[24];

    snprintf(before_text, sizeof before_text, "%" PRId64, before);
    snprintf(limit_text, sizeof limit_text, "%ld", limit);

    const char *params[] = {before != 0 ? before_text : NULL,
                            tw_req_query(req, "entity"),
                            tw_req_query(req, "action"), limit_text};

    return tw_identity_query_json(tw_req_db(req),
        "SELECT coalesce(json_agg(t ORDER BY t.id DESC), '[]') FROM ("
        "  SELECT id, " TW_SQL_RFC3339("at") " AS at, login, branch_id,"
        "         action, entity, entity_id, request_id"
        "  FROM core.audit"
        "  WHERE ($1::bigint IS NULL OR id < $1)"
        "    AND ($2::text IS NULL OR entity = $2)"
        "    AND ($3::text IS NULL OR action = $3)"
        "  ORDER BY id DESC LIMIT $4) t", 4, params);
}


void
tw_audit_list_route(tw_req_t *req, void *ctx)
{
    (void) ctx;
    tw_identity_reply_list(req, tw_audit_list);
}
