/*
 * password.c - Argon2id hashing and verification with libsodium.
 *
 * Stateless and thread-safe once sodium_init() has run.
 */
#include <string.h>

#include "password.h"

/* The hash of a password nobody knows, with the same parameters as real
 * hashes, verified in place of a missing user's hash so that an unknown
 * login takes as long as a wrong password. */
static const char tw_password_dummy[] =
    "$argon2id$v=19$m=65536,t=2,p=1$2gzugmawtmENHgpfEy2CZg$"
    "xKTdWd6j4Ud/U3GViYr/n93l56nHFiM/xrNwIjKlPOg";


tw_rc_t
tw_password_hash(const char *password, char hash[TW_PASSWORD_HASH_SIZE])
{
    if (crypto_pwhash_str(hash, password, strlen(password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}


bool
tw_password_verify(const char *hash, const char *password)
{
    bool known = hash != NULL;
    int rc = crypto_pwhash_str_verify(known ? hash : tw_password_dummy,
                                      password, strlen(password));

    return known && rc == 0;
}


bool
tw_password_acceptable(const char *password)
{
    size_t chars = 0;

    /* Count code points, not bytes: a Chinese character is one. */
    for (const unsigned char *p = (const unsigned char *) password; *p;
         p++) {
        if ((*p & 0xC0) != 0x80) {
            chars++;
        }
    }
    return chars >= TW_PASSWORD_MIN_CHARS;
}
