/*
 * branch.h - the branch tree (core only).
 *
 * Each branch stores its materialised path of ids from the root,
 * "/1/4/9/", so a subtree is one LIKE on the path.  Shared by `tradewind
 * branch`, the /api/v1/branches routes and the demo data.  The tree is
 * not isolated by branch: scopes are applied here, explicitly.
 */
#ifndef TW_BRANCH_H
#define TW_BRANCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewind/db.h"

/* True for an upper-case letter and at most 31 more of A-Z, 0-9, _. */
bool tw_branch_code_valid(const char *code);

/* Creates branch `code` named `name` below the branch with code
 * `parent`.  When `scope` is not 0 the parent must be branch `scope` or
 * one below it.  Fails with TW_ERR_INVALID (bad code or name),
 * TW_ERR_NOT_FOUND (no such parent) or TW_ERR_FORBIDDEN (parent out of
 * scope) with the reason in err; otherwise returns TW_OK or the
 * database error (a duplicate code is TW_ERR_CONFLICT), err left "". */
tw_rc_t tw_branch_create(tw_db_t *db, const char *code, const char *name,
                         const char *parent, int64_t scope, int64_t *id,
                         char *err, size_t err_size);

/* {"id","code","name","parent"} of branch `id` (parent: a code or null);
 * NULL when absent or on a database failure. */
json_t *tw_branch_get(tw_db_t *db, int64_t id);

/* Branches of the subtree of `scope` (0: all) with id > after, in id
 * order, at most `limit` (0: all), as tw_branch_get() objects.  NULL on
 * a database failure. */
json_t *tw_branch_list(tw_db_t *db, int64_t scope, int64_t after,
                       long limit);

#endif
