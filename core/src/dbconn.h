/*
 * dbconn.h - the pooled connection object, shared by db.c (statements)
 * and pool.c (connecting, lending) and read by migrate.c (identifier
 * quoting needs the libpq connection).  Core only.
 *
 * Ownership: the pool owns every tw_db_t and its PGconn.  Between
 * tw_pool_acquire() and tw_pool_release() exactly one thread uses a
 * connection, so its fields need no lock; `busy` is guarded by the pool's
 * mutex.
 */
#ifndef TW_DBCONN_H
#define TW_DBCONN_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "tradewind/db.h"

struct tw_db {
    PGconn *conn; /* NULL until connected, and after it was found lost */
    bool busy;    /* lent out by tw_pool_acquire() */

    /* The failure of the last statement (TW_OK, "", "" after success). */
    tw_rc_t rc;
    char sqlstate[6];
    char message[512];
    char constraint[64]; /* the violated constraint's name, or "" */
};

/* Forgets the last failure, as a successful statement does. */
void tw_db_clear_error(tw_db_t *db);

#endif
