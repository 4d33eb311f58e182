/*
 * orders_bench.c - how many dealer orders a running server takes: many
 * keep-alive HTTP/1.1 connections POST /api/v1/orders as fast as the
 * server answers, for a few seconds.
 *
 * usage: orders_bench [PORT [SECONDS [CONNECTIONS [THREADS]]]]
 * defaults 8080, 10, 32, 2.  The server at 127.0.0.1:PORT must hold the
 * demo data (`tradewind demo-data`): the client logs in as "admin" (who
 * works at headquarters) and orders one unit of two random demo SKUs for
 * a random demo dealer (D00001..D02000), each order reviewed and approved
 * in the server's one transaction.  Prints one line:
 *     HTTP orders: N orders/s, p50 X ms, p99 Y ms (C connections, ...)
 * and exits 1 when more than 1 % of the answers were not 201.
 *
 * Each thread owns its connections, their buffers and its latencies and
 * drives them with poll(); the threads share nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TW_OB_MAX_CONNS 512
#define TW_OB_BUF 8192
#define TW_OB_DEALERS 2000
#define TW_OB_PRODUCTS 500

/* SKU prefixes of the catalog's demo products, by index modulo 6. */
static const char *const tw_ob_prefixes[] = {"FN", "HT", "AP",
                                             "KT", "HM", "WH"};

typedef struct tw_ob_conn {
    int fd;
    char out[1024];
    size_t out_len;
    size_t out_off;
    char in[TW_OB_BUF];
    size_t in_len;
    double started;
} tw_ob_conn_t;

typedef struct tw_ob_thread {
    pthread_t thread;
    tw_ob_conn_t *conns;
    size_t n_conns;
    uint64_t seed;
    double until;
    float *latencies; /* milliseconds of each answered order */
    size_t n_done;
    size_t cap;
    size_t n_failed;
} tw_ob_thread_t;

static unsigned short tw_ob_port = 8080;
static char tw_ob_token[128];
static char tw_ob_date[16];


static double
tw_ob_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static uint64_t
tw_ob_next(tw_ob_thread_t *t)
{
    t->seed ^= t->seed >> 12;
    t->seed ^= t->seed << 25;
    t->seed ^= t->seed >> 27;
    return t->seed * UINT64_C(2685821657736338717);
}


static int
tw_ob_connect(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons(tw_ob_port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;

    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}


/* The whole answer's length once `in` holds it, else 0. */
static size_t
tw_ob_answer_length(const char *in, size_t len)
{
    const char *end = memmem(in, len, "\r\n\r\n", 4);

    if (end == NULL) {
        return 0;
    }

    size_t head = (size_t) (end - in) + 4;
    size_t body = 0;
    for (const char *p = in; p < end; p = strchr(p, '\n') + 1) {
        if (strncasecmp(p, "content-length:", 15) == 0) {
            body = strtoul(p + 15, NULL, 10);
        }
    }
    return len >= head + body ? head + body : 0;
}


/* Prepares the next order on `c`: a random dealer and two SKUs. */
static void
tw_ob_prepare(tw_ob_thread_t *t, tw_ob_conn_t *c)
{
    unsigned dealer = (unsigned) (tw_ob_next(t) % TW_OB_DEALERS) + 1;
    unsigned p1 = (unsigned) (tw_ob_next(t) % (TW_OB_PRODUCTS / 2));
    unsigned p2 = p1 + TW_OB_PRODUCTS / 2;
    char body[256];

    int n = snprintf(body, sizeof body, "{\"dealer\":\"D%05u\","
                     "\"requested_date\":\"%s\",\"lines\":["
                     "{\"sku\":\"%s-%04u\",\"qty\":1},"
                     "{\"sku\":\"%s-%04u\",\"qty\":1}]}", dealer, tw_ob_date,
                     tw_ob_prefixes[p1 % 6], p1 + 1, tw_ob_prefixes[p2 % 6],
                     p2 + 1);
    c->out_len = (size_t) snprintf(c->out, sizeof c->out,
                                   "POST /api/v1/orders HTTP/1.1\r\n"
                                   "Host: 127.0.0.1\r\n"
                                   "Authorization: Bearer %s\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: %d\r\n\r\n%s",
                                   tw_ob_token, n, body);
    c->out_off = 0;
    c->in_len = 0;
    c->started = tw_ob_now();
}


static void
tw_ob_record(tw_ob_thread_t *t, const tw_ob_conn_t *c)
{
    if (t->n_done == t->cap) {
        size_t cap = t->cap > 0 ? t->cap * 2 : 4096;
        float *grown = realloc(t->latencies, cap * sizeof *grown);

        if (grown == NULL) {
            t->n_failed++;
            return;
        }
        t->latencies = grown;
        t->cap = cap;
    }
    t->latencies[t->n_done++] = (float) ((tw_ob_now() - c->started) * 1e3);
    if (strncmp(c->in, "HTTP/1.1 201", 12) != 0) {
        t->n_failed++;
    }
}


/* Reads what the server sent; on a whole answer records it and sends
 * the next order.  False when the connection is lost. */
static bool
tw_ob_read(tw_ob_thread_t *t, tw_ob_conn_t *c)
{
    ssize_t n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len - 1);

    if (n <= 0) {
        return n < 0 && errno == EINTR;
    }
    c->in_len += (size_t) n;
    c->in[c->in_len] = '\0';

    size_t whole = tw_ob_answer_length(c->in, c->in_len);
    if (whole == 0) {
        return c->in_len < sizeof c->in - 1;
    }
    tw_ob_record(t, c);
    if (tw_ob_now() < t->until) {
        tw_ob_prepare(t, c);
    } else {
        c->out_len = c->out_off = 0;
    }
    return true;
}


static bool
tw_ob_write(tw_ob_conn_t *c)
{
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

    if (n < 0) {
        return errno == EINTR || errno == EAGAIN;
    }
    c->out_off += (size_t) n;
    return true;
}


/* One poll round over the thread's connections; false when all idle. */
static bool
tw_ob_round(tw_ob_thread_t *t, struct pollfd *fds)
{
    size_t busy = 0;

    for (size_t i = 0; i < t->n_conns; i++) {
        tw_ob_conn_t *c = &t->conns[i];

        fds[i].fd = c->out_len > 0 ? c->fd : -1;
        fds[i].events = c->out_off < c->out_len ? POLLOUT : POLLIN;
        fds[i].revents = 0;
        busy += c->out_len > 0;
    }
    if (busy == 0 || poll(fds, t->n_conns, 1000) < 0) {
        return busy > 0 && errno == EINTR;
    }

    for (size_t i = 0; i < t->n_conns; i++) {
        tw_ob_conn_t *c = &t->conns[i];
        bool ok = true;

        if (fds[i].revents & POLLOUT) {
            ok = tw_ob_write(c);
        } else if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            ok = tw_ob_read(t, c);
        }
        if (!ok) {
            t->n_failed++;
            c->out_len = 0; /* lost: this connection stops */
        }
    }
    return true;
}


static void *
tw_ob_thread_main(void *arg)
{
    tw_ob_thread_t *t = arg;
    struct pollfd fds[TW_OB_MAX_CONNS];

    for (size_t i = 0; i < t->n_conns; i++) {
        tw_ob_prepare(t, &t->conns[i]);
    }
    while (tw_ob_round(t, fds)) {
    }
    return NULL;
}


/* Logs in as admin over a connection of its own; sets tw_ob_token. */
static bool
tw_ob_login(void)
{
    static const char body[] = "{\"login\":\"admin\","
                               "\"password\":\"tradewind-demo\"}";
    tw_ob_conn_t c = {.fd = tw_ob_connect()};

    c.out_len = (size_t) snprintf(c.out, sizeof c.out,
                                  "POST /api/v1/sessions HTTP/1.1\r\n"
                                  "Host: 127.0.0.1\r\nContent-Length: %zu"
                                  "\r\n\r\n%s", sizeof body - 1, body);
    bool ok = c.fd >= 0 && write(c.fd, c.out, c.out_len) ==
                               (ssize_t) c.out_len;
    while (ok && tw_ob_answer_length(c.in, c.in_len) == 0) {
        ssize_t n = read(c.fd, c.in + c.in_len, sizeof c.in - c.in_len - 1);
        ok = n > 0;
        c.in_len += ok ? (size_t) n : 0;
        c.in[c.in_len] = '\0';
    }
    if (c.fd >= 0) {
        close(c.fd);
    }

    const char *json = ok ? strstr(c.in, "\r\n\r\n") : NULL;
    json_t *root = json != NULL ? json_loads(json + 4, 0, NULL) : NULL;
    const char *token = json_string_value(json_object_get(root, "token"));
    ok = token != NULL && strlen(token) < sizeof tw_ob_token;
    if (ok) {
        snprintf(tw_ob_token, sizeof tw_ob_token, "%s", token);
    }
    json_decref(root);
    return ok;
}


static int
tw_ob_compare(const void *a, const void *b)
{
    float x = *(const float *) a;
    float y = *(const float *) b;

    return (x > y) - (x < y);
}


/* Prints the figures of all threads; returns the exit status. */
static int
tw_ob_report(tw_ob_thread_t *threads, size_t n_threads, size_t n_conns,
             double seconds)
{
    size_t done = 0;
    size_t failed = 0;

    for (size_t i = 0; i < n_threads; i++) {
        done += threads[i].n_done;
        failed += threads[i].n_failed;
    }
    float *all = calloc(done + 1, sizeof *all);
    for (size_t i = 0, at = 0; all != NULL && i < n_threads; i++) {
        memcpy(all + at, threads[i].latencies,
               threads[i].n_done * sizeof *all);
        at += threads[i].n_done;
    }
    if (all == NULL || done == 0) {
        fprintf(stderr, "orders_bench: no order was answered\n");
        free(all);
        return 1;
    }
    qsort(all, done, sizeof *all, tw_ob_compare);

    printf("HTTP orders: %.0f orders/s, p50 %.1f ms, p99 %.1f ms (%zu "
           "connections, %zu threads, %.1f s, %zu not 201)\n",
           (double) done / seconds, all[done / 2], all[done * 99 / 100],
           n_conns, n_threads, seconds, failed);
    free(all);
    return failed * 100 > done ? 1 : 0;
}


/* Splits the connections over the threads and opens them. */
static bool
tw_ob_open(tw_ob_thread_t *threads, size_t n_threads, tw_ob_conn_t *conns,
           size_t n_conns, double until)
{
    for (size_t i = 0; i < n_conns; i++) {
        conns[i].fd = tw_ob_connect();
        if (conns[i].fd < 0) {
            fprintf(stderr, "orders_bench: cannot connect to port %u\n",
                    (unsigned) tw_ob_port);
            return false;
        }
    }
    for (size_t i = 0; i < n_threads; i++) {
        size_t from = n_conns * i / n_threads;

        threads[i].conns = conns + from;
        threads[i].n_conns = n_conns * (i + 1) / n_threads - from;
        threads[i].seed = UINT64_C(0x9e3779b97f4a7c15) * (i + 1);
        threads[i].until = until;
    }
    return true;
}


static int
tw_ob_run(size_t n_conns, size_t n_threads, double seconds)
{
    tw_ob_conn_t *conns = calloc(n_conns, sizeof *conns);
    tw_ob_thread_t *threads = calloc(n_threads, sizeof *threads);
    double start = tw_ob_now();
    int rc = 1;

    if (conns != NULL && threads != NULL &&
        tw_ob_open(threads, n_threads, conns, n_conns, start + seconds)) {
        for (size_t i = 0; i < n_threads; i++) {
            pthread_create(&threads[i].thread, NULL, tw_ob_thread_main,
                           &threads[i]);
        }
        for (size_t i = 0; i < n_threads; i++) {
            pthread_join(threads[i].thread, NULL);
        }
        rc = tw_ob_report(threads, n_threads, n_conns, tw_ob_now() - start);
    }
    for (size_t i = 0; conns != NULL && i < n_conns; i++) {
        if (conns[i].fd > 0) {
            close(conns[i].fd);
        }
    }
    for (size_t i = 0; threads != NULL && i < n_threads; i++) {
        free(threads[i].latencies);
    }
    free(conns);
    free(threads);
    return rc;
}


/* Three days ahead: never in the past on the server's Shanghai clock. */
static void
tw_ob_set_date(void)
{
    time_t later = time(NULL) + 3 * 86400;
    struct tm tm;

    gmtime_r(&later, &tm);
    strftime(tw_ob_date, sizeof tw_ob_date, "%Y-%m-%d", &tm);
}


int
main(int argc, char **argv)
{
    long port = argc > 1 ? strtol(argv[1], NULL, 10) : 8080;
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 10;
    long conns = argc > 3 ? strtol(argv[3], NULL, 10) : 32;
    long threads = argc > 4 ? strtol(argv[4], NULL, 10) : 2;

    if (argc > 5 || port <= 0 || port > 65535 || seconds <= 0 ||
        conns <= 0 || conns > TW_OB_MAX_CONNS || threads <= 0 ||
        threads > conns) {
        fprintf(stderr, "usage: orders_bench [PORT [SECONDS [CONNECTIONS "
                "[THREADS]]]]\n");
        return 2;
    }
    tw_ob_port = (unsigned short) port;
    tw_ob_set_date();
    if (!tw_ob_login()) {
        fprintf(stderr, "orders_bench: cannot log in as admin on port %ld "
                "(is the demo data loaded?)\n", port);
        return 1;
    }
    return tw_ob_run((size_t) conns, (size_t) threads, seconds);
}
