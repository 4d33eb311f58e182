/*
 * session.h - logging in, bearer tokens and revocation (core only).
 *
 * A token is 32 random bytes in base64url, shown to the client once; the
 * database keeps only its BLAKE2b-256 hash, so a copy of core.sessions
 * opens nothing.  These functions run as the table owner (the request
 * role may not touch core.sessions) in the caller's transaction.
 */
#ifndef TW_SESSION_H
#define TW_SESSION_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewind/db.h"

/* Bytes of a token string, its NUL included. */
#define TW_TOKEN_SIZE                                                     \
    sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

/* Checks a login and password.  TW_OK with the user's id and branch;
 * TW_ERR_NOT_FOUND for an unknown or inactive login or a wrong password
 * alike, each after one Argon2id verification; else the database error. */
tw_rc_t tw_session_check_password(tw_db_t *db, const char *login,
                                  const char *password, int64_t *user_id,
                                  int64_t *branch_id);

/* Opens a session of `ttl_s` seconds for user `user_id`: writes the new
 * token and its expiry (RFC 3339, UTC).  TW_OK or the database error. */
tw_rc_t tw_session_open(tw_db_t *db, int64_t user_id, unsigned ttl_s,
                        char token[TW_TOKEN_SIZE], char *expires_at,
                        size_t expires_size);

/* Revokes the live session of `token`; TW_ERR_NOT_FOUND when there is
 * none, else TW_OK or the database error. */
tw_rc_t tw_session_revoke(tw_db_t *db, const char *token);

/* The token of an "Authorization: Bearer <token>" header value, or NULL
 * when `authorization` is NULL or not a bearer credential. */
const char *tw_session_bearer(const char *authorization);

#endif
