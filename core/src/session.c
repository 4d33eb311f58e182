/*
 * session.c - sessions: password check, token issue, lookup, revocation.
 *
 * A token is looked up by its hash only; the raw token never reaches the
 * database or the log.  Runs in the caller's transaction as the owner.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity.h"
#include "identity_internal.h"
#include "password.h"
#include "session.h"
#include "user.h"

/* Random bytes in a token. */
#define TW_TOKEN_BYTES 32

/* A token hash as a bytea parameter in hex input form: "\x" + 64 hex. */
#define TW_TOKEN_HASH_PARAM_SIZE (2 + 2 * crypto_generichash_BYTES + 1)


/* Writes the BLAKE2b-256 hash of `token` as a bytea text parameter. */
static void
tw_session_hash_param(const char *token,
                      char param[TW_TOKEN_HASH_PARAM_SIZE])
{
    unsigned char hash[crypto_generichash_BYTES];

    crypto_generichash(hash, sizeof hash, (const unsigned char *) token,
                       strlen(token), NULL, 0);
    param[0] = '\\';
    param[1] = 'x';
    sodium_bin2hex(param + 2, TW_TOKEN_HASH_PARAM_SIZE - 2, hash,
                   sizeof hash);
}


/* Runs `sql`, whose one parameter $1 is the hash of `token`. */
static PGresult *
tw_session_exec_token(tw_db_t *db, const char *sql, const char *token)
{
    char hash[TW_TOKEN_HASH_PARAM_SIZE];

    tw_session_hash_param(token, hash);

    const char *params[] = {hash};

    return tw_db_exec(db, sql, 1, params);
}


tw_rc_t
tw_session_check_password(tw_db_t *db, const char *login,
                          const char *password, int64_t *user_id,
                          int64_t *branch_id)
{
    const char *params[] = {login};
    PGresult *res = tw_db_exec(db,
        "SELECT id, branch_id, password_hash FROM core.users"
        " WHERE login = $1 AND active", 1, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    bool found = PQntuples(res) == 1;
    bool match = tw_password_verify(found ? PQgetvalue(res, 0, 2) : NULL,
                                    password);

    if (match) {
        *user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *branch_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    return match ? TW_OK : TW_ERR_NOT_FOUND;
}


tw_rc_t
tw_session_open(tw_db_t *db, int64_t user_id, unsigned ttl_s,
                char token[TW_TOKEN_SIZE], char *expires_at,
                size_t expires_size)
{
    unsigned char raw[TW_TOKEN_BYTES];
    char hash[TW_TOKEN_HASH_PARAM_SIZE];
    char user_text[24];
    char ttl_text[16];

    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, TW_TOKEN_SIZE, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    tw_session_hash_param(token, hash);
    snprintf(user_text, sizeof user_text, "%" PRId64, user_id);
    snprintf(ttl_text, sizeof ttl_text, "%u", ttl_s);

    const char *params[] = {hash, user_text, ttl_text};
    PGresult *res = tw_db_exec(db,
        "INSERT INTO core.sessions (token_hash, user_id, expires_at)"
        " VALUES ($1, $2, now() + $3::integer * interval '1 second')"
        " RETURNING " TW_SQL_RFC3339("expires_at"), 3, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    snprintf(expires_at, expires_size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return TW_OK;
}


/* Builds the user of a lookup result: one row per role (NULL when the
 * user has none), the user's fields repeated on each. */
static tw_user_t *
tw_session_user_from(const PGresult *res)
{
    int rows = PQntuples(res);
    const char **roles = calloc((size_t) rows, sizeof *roles);
    size_t count = 0;

    if (roles == NULL) {
        return NULL;
    }
    for (int i = 0; i < rows; i++) {
        if (!PQgetisnull(res, i, 3)) {
            roles[count++] = PQgetvalue(res, i, 3);
        }
    }

    tw_user_t *user = tw_user_new(strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                                  PQgetvalue(res, 0, 1),
                                  strtoll(PQgetvalue(res, 0, 2), NULL, 10),
                                  PQgetvalue(res, 0, 4), roles, count);

    free(roles);
    return user;
}


tw_rc_t
tw_session_lookup(tw_db_t *db, const char *token, tw_user_t **user)
{
    *user = NULL;

    PGresult *res = tw_session_exec_token(db,
        "SELECT u.id, u.login, u.branch_id, r.role, b.code"
        " FROM core.sessions s"
        " JOIN core.users u ON u.id = s.user_id"
        " JOIN core.branches b ON b.id = u.branch_id"
        " LEFT JOIN core.user_roles r ON r.user_id = u.id"
        " WHERE s.token_hash = $1 AND s.revoked_at IS NULL"
        "   AND s.expires_at > now() AND u.active"
        " ORDER BY r.role", token);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = TW_ERR_NOT_FOUND;

    if (PQntuples(res) > 0) {
        *user = tw_session_user_from(res);
        rc = *user != NULL ? TW_OK : TW_ERR_NOMEM;
    }
    PQclear(res);
    return rc;
}


tw_rc_t
tw_session_revoke(tw_db_t *db, const char *token)
{
    PGresult *res = tw_session_exec_token(db,
        "UPDATE core.sessions SET revoked_at = now()"
        " WHERE token_hash = $1 AND revoked_at IS NULL"
        "   AND expires_at > now()", token);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = strcmp(PQcmdTuples(res), "0") == 0 ? TW_ERR_NOT_FOUND
                                                     : TW_OK;

    PQclear(res);
    return rc;
}


const char *
tw_session_bearer(const char *authorization)
{
    static const char scheme[] = "Bearer ";

    if (authorization == NULL ||
        strncasecmp(authorization, scheme, sizeof scheme - 1) != 0) {
        return NULL;
    }

    const char *token = authorization + sizeof scheme - 1;

    while (*token == ' ') {
        token++;
    }
    return *token != '\0' ? token : NULL;
}
