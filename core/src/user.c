/*
 * user.c - users: the heap tw_user_t, the rules a new user must meet,
 * inserting users with their roles, and listing them.
 *
 * Functions taking a tw_db_t run in the caller's transaction and never
 * commit.  The password hash is never selected here, so a list cannot
 * leak it (the request role may not read that column at all).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "identity_internal.h"
#include "name.h"
#include "password.h"
#include "registry.h"
#include "user.h"

/* What a login is made of, first character included. */
#define TW_USER_LOGIN_CHARS \
    TW_NAME_UPPER TW_NAME_LOWER TW_NAME_DIGITS "._@-"

/* A user as JSON: the select list and joins shared by get and list.
 * Never the password hash. */
#define TW_USER_SELECT                                                    \
    "SELECT u.id, u.login, b.code AS branch,"                            \
    " coalesce((SELECT json_agg(r.role ORDER BY r.role)"                 \
    "           FROM core.user_roles r WHERE r.user_id = u.id), '[]')"   \
    " AS roles, u.active"                                                 \
    " FROM core.users u JOIN core.branches b ON b.id = u.branch_id"

/* One allocation holding the user, its role pointers and its strings. */
typedef struct tw_user_block {
    tw_user_t user;
    const char *roles[];
} tw_user_block_t;


/* Copies `s` to *cursor and moves the cursor past it. */
static const char *
tw_user_put(char **cursor, const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = *cursor;

    memcpy(copy, s, len);
    *cursor += len;
    return copy;
}


tw_user_t *
tw_user_new(int64_t id, const char *login, int64_t branch_id,
            const char *branch_code, const char *const *roles,
            size_t role_count)
{
    size_t size = sizeof(tw_user_block_t) + role_count * sizeof(char *) +
                  strlen(login) + strlen(branch_code) + 2;

    for (size_t i = 0; i < role_count; i++) {
        size += strlen(roles[i]) + 1;
    }
    tw_user_block_t *block = malloc(size);
    if (block == NULL) {
        return NULL;
    }

    char *text = (char *) &block->roles[role_count];

    block->user.id = id;
    block->user.login = tw_user_put(&text, login);
    block->user.branch_id = branch_id;
    block->user.branch_code = tw_user_put(&text, branch_code);
    for (size_t i = 0; i < role_count; i++) {
        block->roles[i] = tw_user_put(&text, roles[i]);
    }
    block->user.roles = block->roles;
    block->user.role_count = role_count;
    return &block->user;
}


void
tw_user_free(tw_user_t *user)
{
    /* The user is the first member of its block: one free releases all. */
    free(user);
}


bool
tw_user_login_valid(const char *login)
{
    return tw_name_valid(login, strlen(login), 64, TW_USER_LOGIN_CHARS,
                         TW_USER_LOGIN_CHARS);
}


tw_rc_t
tw_user_check(const tw_user_spec_t *spec, char *err, size_t err_size)
{
    if (!tw_user_login_valid(spec->login)) {
        snprintf(err, err_size, "login must be 1 to 64 characters of "
                 "A-Z, a-z, 0-9, '.', '_', '@' and '-'");
        return TW_ERR_INVALID;
    }
    if (!tw_password_acceptable(spec->password)) {
        snprintf(err, err_size, "password must have at least %d characters",
                 TW_PASSWORD_MIN_CHARS);
        return TW_ERR_INVALID;
    }
    if (spec->branch == NULL || spec->branch[0] == '\0') {
        snprintf(err, err_size, "a branch is required");
        return TW_ERR_INVALID;
    }
    if (spec->role_count == 0) {
        snprintf(err, err_size, "at least one role is required");
        return TW_ERR_INVALID;
    }
    for (size_t i = 0; i < spec->role_count; i++) {
        if (!tw_registry_role_known(spec->roles[i])) {
            snprintf(err, err_size, "unknown role '%s'", spec->roles[i]);
            return TW_ERR_INVALID;
        }
    }
    return TW_OK;
}


tw_rc_t
tw_user_create(tw_db_t *db, const tw_user_spec_t *spec,
               const char *password_hash, int64_t *id, char *err,
               size_t err_size)
{
    int64_t branch_id = 0;
    tw_rc_t rc = tw_branch_lookup(db, spec->branch, &branch_id);

    err[0] = '\0';
    if (rc == TW_ERR_NOT_FOUND) {
        snprintf(err, err_size, "unknown branch '%s'", spec->branch);
        return rc;
    }
    if (rc != TW_OK) {
        return rc;
    }
    return tw_user_insert(db, spec->login, password_hash, branch_id,
                          spec->roles, spec->role_count, id);
}


/* Gives user `id` each of `roles`; a role named twice is kept once. */
static tw_rc_t
tw_user_insert_roles(tw_db_t *db, int64_t id, const char *const *roles,
                     size_t role_count)
{
    char id_text[24];

    snprintf(id_text, sizeof id_text, "%" PRId64, id);
    for (size_t i = 0; i < role_count; i++) {
        const char *params[] = {id_text, roles[i]};
        PGresult *res = tw_db_exec(db,
            "INSERT INTO core.user_roles (user_id, role) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING", 2, params);

        if (res == NULL) {
            return tw_db_rc(db);
        }
        PQclear(res);
    }
    return TW_OK;
}


tw_rc_t
tw_user_insert(tw_db_t *db, const char *login, const char *password_hash,
               int64_t branch_id, const char *const *roles,
               size_t role_count, int64_t *id)
{
    char branch_text[24];

    snprintf(branch_text, sizeof branch_text, "%" PRId64, branch_id);

    const char *params[] = {login, password_hash, branch_text};
    tw_rc_t rc = tw_identity_query_id(db,
        "INSERT INTO core.users (login, password_hash, branch_id) "
        "VALUES ($1, $2, $3) RETURNING id", 3, params, id, NULL);

    if (rc != TW_OK) {
        return rc;
    }
    return tw_user_insert_roles(db, *id, roles, role_count);
}


json_t *
tw_user_get(tw_db_t *db, int64_t id)
{
    return tw_identity_query_one(db,
        TW_SQL_JSON_ARRAY(TW_USER_SELECT " WHERE u.id = $1"), id);
}


json_t *
tw_user_list(tw_db_t *db, int64_t after, long limit)
{
    return tw_identity_query_page(db,
        TW_SQL_JSON_ARRAY(TW_USER_SELECT
                          " WHERE u.id > $1 ORDER BY u.id LIMIT $2"),
        2, after, limit, 0);
}
