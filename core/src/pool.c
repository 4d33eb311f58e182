/*
 * pool.c - a fixed set of libpq connections shared by worker threads.
 *
 * Slots are opened lazily on acquire and re-created when found broken,
 * so the process recovers by itself after PostgreSQL comes back.  The
 * mutex guards the slots' `busy` flags and the up/down state; connecting
 * happens outside it, on a slot already reserved by the caller, so a slow
 * server never blocks the release of other connections.  The pool owns
 * every tw_db_t; a borrower owns it only until tw_pool_release().
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbconn.h"
#include "pool.h"
#include "tradewind/log.h"

/* How long acquire waits for a busy pool before giving up. */
#define TW_POOL_WAIT_S 5

/* Connecting to an unreachable host fails after this many seconds unless
 * the conninfo says otherwise. */
#define TW_POOL_CONNECT_TIMEOUT "5"

struct tw_pool {
    char *conninfo;
    char *options; /* the conninfo's own options plus statement_timeout */
    unsigned size;
    tw_db_t *slots;
    atomic_uint in_use;
    bool down; /* the last connection attempt failed */
    pthread_mutex_t lock;
    pthread_cond_t freed; /* signalled whenever a slot becomes free */
};

static _Atomic(tw_pool_t *) tw_pool_the_default;


/* Keeps a readable copy of a libpq message for a log value: its first
 * line, with double quotes turned into single ones. */
static void
tw_pool_log_text(char *out, size_t size, const char *message)
{
    size_t i = 0;

    for (; message[i] != '\0' && message[i] != '\n' && i + 1 < size; i++) {
        out[i] = message[i] == '"' ? '\'' : message[i];
    }
    out[i] = '\0';
}


/* The backend options: those in `conninfo` (a URL or key=value string)
 * followed by the statement timeout, so neither replaces the other.
 * NULL when the conninfo cannot be parsed. */
static char *
tw_pool_options(const char *conninfo, unsigned statement_timeout_ms)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    const char *own = "";
    char *out = NULL;

    if (opts == NULL) {
        char why[256];

        tw_pool_log_text(why, sizeof why, errmsg != NULL ? errmsg : "");
        tw_log_error("invalid database connection string", "error=\"%s\"", why);
        PQfreemem(errmsg);
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL) {
            own = o->val;
        }
    }

    int n;

    if (statement_timeout_ms == 0) {
        n = asprintf(&out, "%s", own);
    } else {
        n = asprintf(&out, "%s -c statement_timeout=%u", own,
                     statement_timeout_ms);
    }
    PQconninfoFree(opts);
    return n < 0 ? NULL : out;
}


tw_pool_t *
tw_pool_open(const char *conninfo, unsigned size, unsigned statement_timeout_ms)
{
    pthread_condattr_t attr;
    tw_pool_t *pool;

    if (conninfo == NULL || size == 0) {
        return NULL;
    }
    pool = calloc(1, sizeof *pool);
    if (pool == NULL) {
        return NULL;
    }

    pool->size = size;
    pool->conninfo = strdup(conninfo);
    pool->options = tw_pool_options(conninfo, statement_timeout_ms);
    pool->slots = calloc(size, sizeof *pool->slots);
    if (pool->conninfo == NULL || pool->options == NULL ||
        pool->slots == NULL) {
        free(pool->conninfo);
        free(pool->options);
        free(pool->slots);
        free(pool);
        return NULL;
    }

    pthread_mutex_init(&pool->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->freed, &attr);
    pthread_condattr_destroy(&attr);
    return pool;
}


void
tw_pool_close(tw_pool_t *pool)
{
    if (pool == NULL) {
        return;
    }
    if (atomic_load(&pool->in_use) != 0) {
        tw_log_warn("database pool closed with connections in use", "in_use=%u",
                    atomic_load(&pool->in_use));
    }

    for (unsigned i = 0; i < pool->size; i++) {
        PQfinish(pool->slots[i].conn);
    }
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->slots);
    free(pool->options);
    free(pool->conninfo);
    free(pool);
}


void
tw_pool_set_default(tw_pool_t *pool)
{
    atomic_store(&tw_pool_the_default, pool);
}


tw_pool_t *
tw_pool_default(void)
{
    return atomic_load(&tw_pool_the_default);
}


unsigned
tw_pool_size(const tw_pool_t *pool)
{
    return pool != NULL ? pool->size : 0;
}


unsigned
tw_pool_in_use(const tw_pool_t *pool)
{
    return pool != NULL ? atomic_load(&pool->in_use) : 0;
}


/* Under the lock: a free slot, waiting until `deadline` for one. */
static tw_db_t *
tw_pool_reserve(tw_pool_t *pool, const struct timespec *deadline)
{
    int waited = 0;

    for (;;) {
        for (unsigned i = 0; i < pool->size; i++) {
            if (!pool->slots[i].busy) {
                pool->slots[i].busy = true;
                atomic_fetch_add(&pool->in_use, 1);
                return &pool->slots[i];
            }
        }
        if (waited == ETIMEDOUT) {
            return NULL;
        }
        waited = pthread_cond_timedwait(&pool->freed, &pool->lock, deadline);
    }
}


/* Under the lock: gives a reserved slot back and wakes one waiter. */
static void
tw_pool_unreserve(tw_pool_t *pool, tw_db_t *db)
{
    db->busy = false;
    atomic_fetch_sub(&pool->in_use, 1);
    pthread_cond_signal(&pool->freed);
}


/* True when `conn` is still usable.  An idle connection has nothing to
 * read unless the server is ending it (or sent a notification), so a
 * terminated backend or a restarted server is noticed here, before a
 * statement fails on it.  Never blocks. */
static bool
tw_pool_conn_alive(PGconn *conn)
{
    struct pollfd pfd;

    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        return false;
    }

    /* the farewell message and the end of the stream may take two reads */
    pfd.fd = PQsocket(conn);
    pfd.events = POLLIN;
    for (int i = 0; i < 4 && poll(&pfd, 1, 0) > 0; i++) {
        if (PQconsumeInput(conn) == 0) {
            return false;
        }
    }
    return PQstatus(conn) == CONNECTION_OK;
}


/* Server notices ("schema already exists, skipping", a backend's last
 * words) would otherwise go raw to stderr, between the log lines. */
static void
tw_pool_notice(void *arg, const char *message)
{
    char text[256];

    (void)arg;
    tw_pool_log_text(text, sizeof text, message);
    tw_log_debug("database notice", "text=\"%s\"", text);
}


/* Opens a connection with the pool's options.  NULL only when memory
 * ran out; otherwise the caller checks PQstatus. */
static PGconn *
tw_pool_connect(const tw_pool_t *pool)
{
    /* keys before dbname yield to what the conninfo sets (its own
     * connect_timeout wins), keys after it win (options holds the
     * conninfo's own options already) */
    const char *const keys[] = {"connect_timeout", "dbname", "options", NULL};
    const char *const values[] = {TW_POOL_CONNECT_TIMEOUT, pool->conninfo,
                                  pool->options, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);

    if (conn != NULL) {
        PQsetNoticeProcessor(conn, tw_pool_notice, NULL);
    }
    return conn;
}


/* Logs only the transitions between reachable and unreachable, so that a
 * long outage with many requests gives two lines, not thousands.  `why`
 * is libpq's message when `up` is false. */
static void
tw_pool_note_state(tw_pool_t *pool, bool up, const char *why)
{
    char text[256];
    bool changed;

    pthread_mutex_lock(&pool->lock);
    changed = pool->down == up;
    pool->down = !up;
    pthread_mutex_unlock(&pool->lock);

    if (!changed) {
        return;
    }
    if (up) {
        tw_log_info("database reachable again", NULL);
        return;
    }
    tw_pool_log_text(text, sizeof text, why);
    tw_log_warn("database unreachable", "error=\"%s\"", text);
}


/* Makes sure the reserved slot `db` holds a live connection. */
static bool
tw_pool_ensure_conn(tw_pool_t *pool, tw_db_t *db)
{
    if (tw_pool_conn_alive(db->conn)) {
        return true;
    }

    PQfinish(db->conn);
    db->conn = tw_pool_connect(pool);
    if (db->conn == NULL) {
        return false;
    }
    if (PQstatus(db->conn) == CONNECTION_OK) {
        tw_pool_note_state(pool, true, NULL);
        return true;
    }

    tw_pool_note_state(pool, false, PQerrorMessage(db->conn));
    PQfinish(db->conn);
    db->conn = NULL;
    return false;
}


tw_db_t *
tw_pool_acquire(tw_pool_t *pool)
{
    struct timespec deadline;
    tw_db_t *db;

    if (pool == NULL) {
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += TW_POOL_WAIT_S;

    pthread_mutex_lock(&pool->lock);
    db = tw_pool_reserve(pool, &deadline);
    pthread_mutex_unlock(&pool->lock);
    if (db == NULL) {
        return NULL;
    }

    if (!tw_pool_ensure_conn(pool, db)) {
        pthread_mutex_lock(&pool->lock);
        tw_pool_unreserve(pool, db);
        pthread_mutex_unlock(&pool->lock);
        return NULL;
    }
    tw_db_clear_error(db);
    return db;
}


void
tw_pool_release(tw_pool_t *pool, tw_db_t *db)
{
    if (pool == NULL || db == NULL || db < pool->slots ||
        db >= pool->slots + pool->size || !db->busy) {
        return;
    }

    if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
        PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        tw_db_rollback(db);
    }
    if (db->conn != NULL && (PQstatus(db->conn) != CONNECTION_OK ||
                             PQtransactionStatus(db->conn) != PQTRANS_IDLE)) {
        PQfinish(db->conn);
        db->conn = NULL;
    }

    pthread_mutex_lock(&pool->lock);
    tw_pool_unreserve(pool, db);
    pthread_mutex_unlock(&pool->lock);
}


bool
tw_pool_ping(tw_pool_t *pool)
{
    tw_db_t *db = tw_pool_acquire(pool);
    PGresult *res;
    bool ok;

    if (db == NULL) {
        return false;
    }
    res = tw_db_exec(db, "SELECT 1", 0, NULL);
    ok = res != NULL;
    PQclear(res);
    tw_pool_release(pool, db);
    return ok;
}
