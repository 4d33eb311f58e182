/*
 * branch.c - creating, finding and listing branches of the tree.
 *
 * Runs in the caller's transaction.  A branch's path is its parent's
 * path followed by its own id, so the id is drawn before the insert.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "branch.h"
#include "identity_internal.h"
#include "name.h"
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
    return tw_name_valid(code, strlen(code), 32, TW_NAME_UPPER,
                         TW_NAME_UPPER TW_NAME_DIGITS "_");
}


tw_rc_t
tw_branch_lookup(tw_db_t *db, const char *code, int64_t *id)
{
    const char *params[] = {code};

    return tw_identity_query_id(db,
        "SELECT id FROM core.branches WHERE code = $1", 1, params, id, NULL);
}


/* Finds the parent's id and whether it lies within `scope` (0: all). */
static tw_rc_t
tw_branch_find_parent(tw_db_t *db, const char *parent, int64_t scope,
                      int64_t *id, bool *in_scope)
{
    char scope_text[24];

    snprintf(scope_text, sizeof scope_text, "%" PRId64, scope);

    const char *params[] = {parent, scope != 0 ? scope_text : NULL};

    return tw_identity_query_id(db,
        "SELECT p.id, coalesce(" TW_BRANCH_IN_SCOPE("p", "$2") ", false)"
        " FROM core.branches p WHERE p.code = $1", 2, params, id, in_scope);
}


/* Inserts the branch below `parent_id`, extending the parent's path. */
static tw_rc_t
tw_branch_insert(tw_db_t *db, const char *code, const char *name,
                 int64_t parent_id, int64_t *id)
{
    char parent_text[24];

    snprintf(parent_text, sizeof parent_text, "%" PRId64, parent_id);

    const char *params[] = {code, name, parent_text};

    return tw_identity_query_id(db,
        "INSERT INTO core.branches (id, code, name, parent_id, path)"
        " SELECT n.id, $1, $2, p.id, p.path || n.id::text || '/'"
        " FROM core.branches p,"
        "      (SELECT nextval('core.branches_id_seq') AS id) n"
        " WHERE p.id = $3"
        " RETURNING id", 3, params, id, NULL);
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
    return tw_identity_query_one(db,
        TW_SQL_JSON_ARRAY(TW_BRANCH_SELECT " WHERE b.id = $1"), id);
}


json_t *
tw_branch_list(tw_db_t *db, int64_t scope, int64_t after, long limit)
{
    return tw_identity_query_page(db,
        TW_SQL_JSON_ARRAY(TW_BRANCH_SELECT
                          " WHERE b.id > $1 AND " TW_BRANCH_IN_SCOPE("b", "$3")
                          " ORDER BY b.id LIMIT $2"), 3, after, limit, scope);
}
