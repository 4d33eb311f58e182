/*
 * database.c - a fresh PostgreSQL database per test program, in the
 * cluster that tools/test started (TW_TEST_PGHOST, TW_TEST_PGUSER).
 *
 * Names are "tw_<program>_<pid>_<counter>", so test programs running in
 * parallel never meet.  Each call opens and closes its own connection to
 * the "postgres" database; nothing is kept between calls.
 */
#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_internal.h"

/* Keeps the whole name below PostgreSQL's 63-byte identifier limit. */
#define TW_TEST_PROGRAM_MAX 32


static const char *
tw_test_pg_user(void)
{
    const char *user = getenv("TW_TEST_PGUSER");

    return user != NULL && user[0] != '\0' ? user : "tradewind";
}


/* The socket folder of the test cluster; fails the test without it. */
static const char *
tw_test_pg_host(void)
{
    const char *host = getenv("TW_TEST_PGHOST");

    if (host == NULL || host[0] == '\0') {
        fail_msg("TW_TEST_PGHOST is not set: run the tests through "
                 "tools/test, or export TW_TEST_PGHOST=<socket folder>");
    }
    return host;
}


/* "tw_<program>_<pid>_<n>", lower-cased, anything else than [a-z0-9_]
 * replaced by '_'. */
static void
tw_test_db_name(char *buf, size_t size)
{
    static unsigned counter;
    char program[TW_TEST_PROGRAM_MAX + 1];
    size_t i;

    snprintf(program, sizeof(program), "%s", program_invocation_short_name);
    for (i = 0; program[i] != '\0'; i++) {
        unsigned char c = (unsigned char)tolower((unsigned char)program[i]);

        program[i] = (char)(isalnum(c) || c == '_' ? c : '_');
    }

    snprintf(buf, size, "tw_%s_%ld_%u", program, (long)getpid(), ++counter);
}


/* Runs `before` <name quoted as an identifier> `after` on the cluster's
 * "postgres" database; 0 on success. */
static int
tw_test_db_admin(const char *before, const char *name, const char *after)
{
    const char *keys[] = {"host", "user", "dbname", NULL};
    const char *values[] = {tw_test_pg_host(), tw_test_pg_user(), "postgres",
                            NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 0);
    char *ident = NULL, sql[256];
    PGresult *res = NULL;
    int rc = -1;

    if (PQstatus(conn) != CONNECTION_OK) {
        print_error("cannot connect to %s: %s", values[0],
                    PQerrorMessage(conn));
        goto done;
    }

    ident = PQescapeIdentifier(conn, name, strlen(name));
    if (ident == NULL) {
        print_error("cannot quote %s: %s", name, PQerrorMessage(conn));
        goto done;
    }

    snprintf(sql, sizeof(sql), "%s%s%s", before, ident, after);
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        print_error("%s: %s", sql, PQerrorMessage(conn));
        goto done;
    }
    rc = 0;

done:
    PQclear(res);
    PQfreemem(ident);
    PQfinish(conn);
    return rc;
}


int
tw_test_db_create(tw_test_db_t *db)
{
    memset(db, 0, sizeof(*db));
    tw_test_db_name(db->name, sizeof(db->name));

    if (tw_test_conninfo(db->url, sizeof(db->url), tw_test_pg_host(),
                         tw_test_pg_user(), db->name) != 0) {
        print_error("conninfo for %s is too long\n", db->name);
        return -1;
    }

    return tw_test_db_admin("CREATE DATABASE ", db->name, "");
}


void
tw_test_db_drop(tw_test_db_t *db)
{
    if (db->name[0] == '\0') {
        return;
    }

    /* FORCE: a server killed mid-test may leave connections behind. */
    tw_test_db_admin("DROP DATABASE IF EXISTS ", db->name, " WITH (FORCE)");
    db->name[0] = '\0';
}
