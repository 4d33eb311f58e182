/*
 * user.h - creating and listing users (core only).
 *
 * Shared by `tradewind user` and the /api/v1/users routes, so both apply
 * the same rules.  Every function runs in the caller's transaction; under
 * a request's branch isolation the database itself refuses a user outside
 * the caller's subtree and hides the users of other branches.
 */
#ifndef TW_USER_H
#define TW_USER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewind/auth.h"
#include "tradewind/db.h"

/* What a new user is made of. */
typedef struct tw_user_spec {
    const char *login;
    const char *password;
    const char *branch; /* branch code */
    const char *const *roles;
    size_t role_count;
} tw_user_spec_t;

/* A heap user in one allocation (free with tw_user_free).  `roles` may
 * be NULL when role_count is 0.  Returns NULL when out of memory. */
tw_user_t *tw_user_new(int64_t id, const char *login, int64_t branch_id,
                       const char *branch_code, const char *const *roles,
                       size_t role_count);

/* True for 1..64 characters of [A-Za-z0-9._@-]. */
bool tw_user_login_valid(const char *login);

/* Checks a spec without the database: login, password length, at least
 * one role, every role known.  TW_ERR_INVALID with the reason in err. */
tw_rc_t tw_user_check(const tw_user_spec_t *spec, char *err,
                      size_t err_size);

/* Creates a checked spec with its password already hashed.  Returns
 * TW_ERR_NOT_FOUND (reason in err) for an unknown branch, else TW_OK or
 * the database error (err left empty). */
tw_rc_t tw_user_create(tw_db_t *db, const tw_user_spec_t *spec,
                       const char *password_hash, int64_t *id, char *err,
                       size_t err_size);

/* Inserts a user and its roles; returns TW_OK or the database error. */
tw_rc_t tw_user_insert(tw_db_t *db, const char *login,
                       const char *password_hash, int64_t branch_id,
                       const char *const *roles, size_t role_count,
                       int64_t *id);

/* {"id","login","branch","roles","active"} of user `id` (branch: its
 * code); NULL when absent, hidden by isolation or on a database
 * failure. */
json_t *tw_user_get(tw_db_t *db, int64_t id);

/* Users with id > after in id order, at most `limit` (0: all), as
 * tw_user_get() objects; never a hash.  NULL on a database failure. */
json_t *tw_user_list(tw_db_t *db, int64_t after, long limit);

#endif
