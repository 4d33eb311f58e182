/*
 * password.h - password hashing for users (core only).
 *
 * Passwords are stored as libsodium Argon2id strings (the parameters are
 * part of the string).  Hashing is slow on purpose: callers hash once,
 * outside any retry loop where they can.  Needs sodium_init() first.
 */
#ifndef TW_PASSWORD_H
#define TW_PASSWORD_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#include "tradewind/result.h"

/* Bytes of a hash string, its NUL included. */
#define TW_PASSWORD_HASH_SIZE crypto_pwhash_STRBYTES

/* The fewest characters (UTF-8 code points) a password may have. */
#define TW_PASSWORD_MIN_CHARS 8

/* Writes the Argon2id hash of `password` into `hash`.  Returns
 * TW_ERR_NOMEM when libsodium cannot get the memory it needs. */
tw_rc_t tw_password_hash(const char *password,
                         char hash[TW_PASSWORD_HASH_SIZE]);

/* True when `password` matches `hash`.  A NULL hash (no such user) is
 * checked against a fixed dummy hash, so it costs the same time as a
 * wrong password and answers false. */
bool tw_password_verify(const char *hash, const char *password);

/* True when `password` is long enough to be accepted. */
bool tw_password_acceptable(const char *password);

#endif
