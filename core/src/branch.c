/*
 * branch.c - creating, finding and listing branches of the tree.
 *
 * Runs in the caller's transaction.  A branch's path is its parent's
 * path followed by its own id, so the id is drawn before the insert.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "branch.h"
#include "identity_internal.h"
#include "tradewind/auth.h"

/* The longest branch name accepted, in bytes of UTF-8. */
#define TW_BRANCH_NAME_MAX 255

/* True when branch alias `b` lies in the subtree of the branch whose id
 * is parameter `scope`, every branch for a NULL scope, NULL when the
 * scope does not exist.  Paths hold only digits and '/', so LIKE needs
 * no escaping. */
#define TW_BRANCH_IN_SCOPE(b, scope)                                      \
    "(" scope "::bigint IS NULL OR " b ".path LIKE"                       \
    " (SELECT s.path FROM core.branches s WHERE s.id = " scope ") || '%')"

/* A branch as JSON: the select list and joins shared by get and list. */
#define TW_BRANCH_SELECT                                                  \
    "SELECT b.id, b.code, b.name, p.code AS parent"                      \
    " FROM core.branches b LEFT JOIN core.branches p ON p.id = b.parent_id"


bool
tw_branch_code_valid(const char *code)
{
    size_t len = strlen(code);

    if (len == 0 || len > 32 || code[0] < 'A' || code[0] > 'Z') {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        char c = code[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}


tw_rc_t
tw_branch_lookup(tw_db_t *db, const char *code, int64_t *id)
{
    const char *params[] = {code};
    PGresult *res = tw_db_exec(db,
        "SELECT id FROM core.branches WHERE code = $1", 1, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = PQntuples(res) == 1 ? TW_OK : TW_ERR_NOT_FOUND;

    if (rc == TW_OK) {
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    PQclear(res);
    return rc;
}


/* Finds the parent's id and whether it lies within `scope` (0: all). */
static tw_rc_t
tw_branch_find_parent(tw_db_t *db, const char *parent, int64_t scope,
                      int64_t *id, bool *in_scope)
{
    char scope_text[24];

    snprintf(scope_text, sizeof scope_text, "%" PRId64, scope);

    const char *params[] = {parent, scope != 0 ? scope_text : NULL};
    PGresult *res = tw_db_exec(db,
        "SELECT p.id, coalesce(" TW_BRANCH_IN_SCOPE("p", "$2") ", false)"
        " FROM core.branches p WHERE p.code = $1", 2, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = PQntuples(res) == 1 ? TW_OK : TW_ERR_NOT_FOUND;

    if (rc == TW_OK) {
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *in_scope = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    return rc;
}


/* Inserts the branch below `parent_id`, extending the parent's path. */
static tw_rc_t
tw_branch_insert(tw_db_t *db, const char *code, const char *name,
                 int64_t parent_id, int64_t *id)
{
    char parent_text[24];

    snprintf(parent_text, sizeof parent_text, "%" PRId64, parent_id);

    const char *params[] = {code, name, parent_text};
    PGresult *res = tw_db_exec(db,
        "INSERT INTO core.branches (id, code, name, parent_id, path)"
        " SELECT n.id, $1, $2, p.id, p.path || n.id::text || '/'"
        " FROM core.branches p,"
        "      (SELECT nextval('core.branches_id_seq') AS id) n"
        " WHERE p.id = $3"
        " RETURNING id", 3, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = PQntuples(res) == 1 ? TW_OK : TW_ERR_NOT_FOUND;

    if (rc == TW_OK) {
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    PQclear(res);
    return rc;
}


tw_rc_t
tw_branch_create(tw_db_t *db, const char *code, const char *name,
                 const char *parent, int64_t scope, int64_t *id, char *err,
                 size_t err_size)
{
    err[0] = '\0';
    if (!tw_branch_code_valid(code)) {
        snprintf(err, err_size, "code must be an upper-case letter followed "
                 "by at most 31 of A-Z, 0-9 and '_'");
        return TW_ERR_INVALID;
    }
    if (name[0] == '\0' || strlen(name) > TW_BRANCH_NAME_MAX) {
        snprintf(err, err_size, "name must have 1 to %d bytes",
                 TW_BRANCH_NAME_MAX);
        return TW_ERR_INVALID;
    }

    int64_t parent_id = 0;
    bool in_scope = false;
    tw_rc_t rc = tw_branch_find_parent(db, parent, scope, &parent_id,
                                       &in_scope);

    if (rc == TW_ERR_NOT_FOUND) {
        snprintf(err, err_size, "unknown parent branch '%s'", parent);
        return rc;
    }
    if (rc != TW_OK) {
        return rc;
    }
    if (!in_scope) {
        snprintf(err, err_size, "branch '%s' is outside your branch",
                 parent);
        return TW_ERR_FORBIDDEN;
    }
    return tw_branch_insert(db, code, name, parent_id, id);
}


json_t *
tw_branch_get(tw_db_t *db, int64_t id)
{
    char id_text[24];

    snprintf(id_text, sizeof id_text, "%" PRId64, id);

    const char *params[] = {id_text};
    json_t *rows = tw_identity_query_json(db,
        "SELECT coalesce(json_agg(t), '[]') FROM (" TW_BRANCH_SELECT
        " WHERE b.id = $1) t", 1, params);
    json_t *branch = json_incref(json_array_get(rows, 0));

    json_decref(rows);
    return branch;
}


json_t *
tw_branch_list(tw_db_t *db, int64_t scope, int64_t after, long limit)
{
    char scope_text[24];
    char after_text[24];
    char limit_text[24];

    snprintf(scope_text, sizeof scope_text, "%" PRId64, scope);
    snprintf(after_text, sizeof after_text, "%" PRId64, after);
    snprintf(limit_text, sizeof limit_text, "%ld", limit);

    /* LIMIT NULL is LIMIT ALL. */
    const char *params[] = {scope != 0 ? scope_text : NULL, after_text,
                            limit > 0 ? limit_text : NULL};

    return tw_identity_query_json(db,
        "SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM ("
        TW_BRANCH_SELECT
        " WHERE " TW_BRANCH_IN_SCOPE("b", "$1")
        " AND b.id > $2 ORDER BY b.id LIMIT $3) t", 3, params);
}
