/*
 * auth.h - users, roles and permissions as plugins see them.
 *
 * A permission is a name ("orders.review") that a plugin declares with the
 * roles holding it.  The role `admin` holds every permission.  The user's
 * branch decides which rows they see: their branch and all below it.
 */
#ifndef TRADEWIND_AUTH_H
#define TRADEWIND_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewind/db.h"
#include "tradewind/result.h"
#include "tradewind/visibility.h"

typedef struct tw_host tw_host_t;

typedef struct tw_user {
    int64_t id;
    const char *login;
    int64_t branch_id;
    const char *branch_code;
    const char *const *roles; /* role_count names */
    size_t role_count;
} tw_user_t;

/* Declares `permission` and the roles (NULL-terminated) that hold it.
 * Declaring the same permission again adds roles to it. */
TW_API tw_rc_t tw_permission_add(tw_host_t *host, const char *permission,
                                 const char *description,
                                 const char *const *roles);

/* True when one of the user's roles holds `permission`; TW_PERM_LOGIN
 * ("") is held by every user. */
TW_API bool tw_user_can(const tw_user_t *user, const char *permission);

/* True when the user has role `role`. */
TW_API bool tw_user_has_role(const tw_user_t *user, const char *role);

/* Finds the id of branch `code` (visible to every user: the tree itself
 * is not isolated).  TW_ERR_NOT_FOUND when there is no such branch. */
TW_API tw_rc_t tw_branch_lookup(tw_db_t *db, const char *code, int64_t *id);

#endif
