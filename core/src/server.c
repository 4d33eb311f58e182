/*
 * server.c - the libmicrohttpd daemon: limits, body accumulation, start
 * and stop (see server.h).
 *
 * libmicrohttpd runs its own worker threads (a pool of cfg->threads, each
 * polling with epoll) and calls tw_server_access() for every request;
 * the dispatcher answers there, synchronously.  Per-request state (a
 * tw_upload_t) is created by the URI callback, which sees the path still
 * percent-encoded as the router needs it, and freed by the completion
 * callback, whatever way the request ended.  Each upload belongs to one
 * worker thread; the server struct is read-only while the daemon runs.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dispatch.h"
#include "server.h"
#include "tradewind/log.h"

struct tw_server {
    struct MHD_Daemon *daemon;
    tw_dispatch_t dispatch;
    tw_router_t *router;
    size_t body_limit;
};

/* One request while it is being received. */
typedef struct tw_upload {
    char *uri;             /* as sent, still encoded */
    struct timespec start;
    bool headers_seen;
    bool too_large;
    char *body;
    size_t len;
    size_t cap;
} tw_upload_t;


static void *
tw_server_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
    tw_upload_t *up = calloc(1, sizeof(*up));

    (void)cls;
    (void)conn;
    if (up == NULL)
        return NULL;

    clock_gettime(CLOCK_MONOTONIC, &up->start);
    up->uri = strdup(uri);
    if (up->uri == NULL) {
        free(up);
        return NULL;
    }
    return up;
}


static void
tw_server_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode code)
{
    tw_upload_t *up = *req_cls;

    (void)cls;
    (void)conn;
    (void)code;
    if (up == NULL)
        return;

    free(up->body);
    free(up->uri);
    free(up);
    *req_cls = NULL;
}


/* True when the client announced a body over the limit. */
static bool
tw_server_declared_too_large(struct MHD_Connection *conn, size_t limit)
{
    const char *value;

    value = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_CONTENT_LENGTH);
    return value != NULL && strtoull(value, NULL, 10) > limit;
}


/* Keeps at most `limit` bytes; past it the body is dropped and only the
 * fact remembered.  False when out of memory. */
static bool
tw_server_append(tw_upload_t *up, const char *data, size_t size,
                 size_t limit)
{
    size_t cap;
    char *grown;

    if (up->too_large || size > limit - up->len) {
        up->too_large = true;
        return true;
    }

    if (up->len + size > up->cap) {
        cap = up->cap == 0 ? 4096 : up->cap * 2;
        if (cap < up->len + size)
            cap = up->len + size;
        if (cap > limit)
            cap = limit;
        grown = realloc(up->body, cap);
        if (grown == NULL)
            return false;
        up->body = grown;
        up->cap = cap;
    }

    memcpy(up->body + up->len, data, size);
    up->len += size;
    return true;
}


static enum MHD_Result
tw_server_answer(const tw_server_t *server, struct MHD_Connection *conn,
                 const char *method, const tw_upload_t *up)
{
    tw_call_t call;

    call.conn = conn;
    call.method = method;
    call.uri = up->uri;
    call.body = up->body;
    call.body_len = up->len;
    call.start = up->start;

    if (up->too_large)
        return tw_dispatch_too_large(&server->dispatch, &call,
                                     server->body_limit);
    return tw_dispatch_run(&server->dispatch, &call);
}


/* Called once when the headers are in, then once per piece of body, then
 * once more with no data when the request is complete. */
static enum MHD_Result
tw_server_access(void *cls, struct MHD_Connection *conn, const char *url,
                 const char *method, const char *version,
                 const char *upload_data, size_t *upload_data_size,
                 void **req_cls)
{
    const tw_server_t *server = cls;
    tw_upload_t *up = *req_cls;

    (void)url;
    (void)version;
    if (up == NULL)
        return MHD_NO;

    /* Answering now keeps the announced body from being read at all. */
    if (!up->headers_seen) {
        up->headers_seen = true;
        up->too_large =
            tw_server_declared_too_large(conn, server->body_limit);
        return up->too_large ? tw_server_answer(server, conn, method, up)
                             : MHD_YES;
    }

    /* libmicrohttpd 0.9.75 cannot answer in the middle of a body, so an
     * oversized chunked body is drained without being kept. */
    if (*upload_data_size > 0) {
        if (!tw_server_append(up, upload_data, *upload_data_size,
                              server->body_limit))
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }

    return tw_server_answer(server, conn, method, up);
}


static void
tw_server_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t len;
    char *p;

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);

    /* One event, one line: drop the newline, keep the quoting intact. */
    len = strcspn(line, "\r\n");
    line[len] = '\0';
    for (p = line; *p != '\0'; p++) {
        if (*p == '"')
            *p = '\'';
    }
    tw_log_warn("http server", "detail=\"%s\"", line);
}


static bool
tw_server_address(const tw_config_t *cfg, struct sockaddr_in *addr)
{
    struct addrinfo hints, *found = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(cfg->listen, NULL, &hints, &found);
    if (rc != 0) {
        tw_log_error("cannot resolve listen address",
                     "listen=%s error=\"%s\"", cfg->listen, gai_strerror(rc));
        return false;
    }

    memcpy(addr, found->ai_addr, sizeof(*addr));
    addr->sin_port = htons((uint16_t)cfg->port);
    freeaddrinfo(found);
    return true;
}


static struct MHD_Daemon *
tw_server_daemon(tw_server_t *server, const tw_config_t *cfg,
                 const struct sockaddr_in *addr)
{
    /* libmicrohttpd warns about a pool of one; leave it out then.  Its
     * logger goes first, or the options before it log to stderr. */
    struct MHD_OptionItem pool[] = {
        { cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
          (intptr_t)cfg->threads, NULL },
        { MHD_OPTION_END, 0, NULL }
    };

    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
        (uint16_t)cfg->port, NULL, NULL, tw_server_access, server,
        MHD_OPTION_EXTERNAL_LOGGER, tw_server_mhd_log, NULL,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)cfg->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
        MHD_OPTION_URI_LOG_CALLBACK, tw_server_begin, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, tw_server_completed, NULL,
        MHD_OPTION_END);
}


static void
tw_server_free(tw_server_t *server)
{
    tw_router_free(server->router);
    tw_metrics_free(server->dispatch.metrics);
    free(server);
}


tw_server_t *
tw_server_start(const tw_config_t *cfg, tw_pool_t *pool)
{
    struct sockaddr_in addr;
    tw_server_t *server;

    /* Request ids come from libsodium's generator. */
    if (sodium_init() < 0)
        return NULL;

    server = calloc(1, sizeof(*server));
    if (server == NULL)
        return NULL;

    server->router = tw_router_from_registry();
    server->dispatch.router = server->router;
    server->dispatch.metrics = tw_metrics_new();
    server->dispatch.pool = pool;
    server->body_limit = cfg->body_limit;
    if (server->router == NULL || server->dispatch.metrics == NULL ||
        !tw_server_address(cfg, &addr))
        goto fail;

    server->daemon = tw_server_daemon(server, cfg, &addr);
    if (server->daemon == NULL) {
        tw_log_error("http server failed to start", "listen=%s port=%u",
                     cfg->listen, cfg->port);
        goto fail;
    }

    return server;

fail:
    tw_server_free(server);
    return NULL;
}


void
tw_server_stop(tw_server_t *server)
{
    if (server == NULL)
        return;

    /* Returns once every worker has finished its request in flight. */
    MHD_stop_daemon(server->daemon);
    tw_server_free(server);
    tw_log_info("http server stopped", NULL);
}
