/*
 * metrics.c - request counters and the latency histogram (see metrics.h).
 *
 * The counters are a small array searched linearly: its size is bounded
 * by routes x methods x statuses actually seen, a few hundred at most.
 * Every field of struct tw_metrics is guarded by `lock`.  An allocation
 * failure drops one observation rather than failing a request.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define TW_METRICS_BUCKETS 11

/* Upper bounds of the latency buckets, in seconds. */
static const double tw_metrics_bounds[TW_METRICS_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0
};

static const char *const tw_metrics_methods[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL
};

typedef struct tw_metrics_counter {
    char *route;        /* owned */
    const char *method; /* one of tw_metrics_methods or "OTHER" */
    unsigned status;
    uint64_t count;
} tw_metrics_counter_t;

struct tw_metrics {
    pthread_mutex_t lock;
    tw_metrics_counter_t *counters;
    size_t counter_count;
    size_t counter_cap;
    uint64_t buckets[TW_METRICS_BUCKETS]; /* not cumulative */
    uint64_t total;
    double sum;
};


tw_metrics_t *
tw_metrics_new(void)
{
    tw_metrics_t *metrics = calloc(1, sizeof(*metrics));

    if (metrics == NULL)
        return NULL;

    if (pthread_mutex_init(&metrics->lock, NULL) != 0) {
        free(metrics);
        return NULL;
    }
    return metrics;
}


void
tw_metrics_free(tw_metrics_t *metrics)
{
    size_t i;

    if (metrics == NULL)
        return;

    for (i = 0; i < metrics->counter_count; i++)
        free(metrics->counters[i].route);
    free(metrics->counters);
    pthread_mutex_destroy(&metrics->lock);
    free(metrics);
}


/* A client may send any method token; keep the label set bounded. */
static const char *
tw_metrics_method_label(const char *method)
{
    size_t i;

    for (i = 0; tw_metrics_methods[i] != NULL; i++) {
        if (strcmp(tw_metrics_methods[i], method) == 0)
            return tw_metrics_methods[i];
    }
    return "OTHER";
}


/* The counter for the labels, appended when new; NULL when out of
 * memory.  Called with the lock held. */
static tw_metrics_counter_t *
tw_metrics_counter(tw_metrics_t *metrics, const char *route,
                   const char *method, unsigned status)
{
    tw_metrics_counter_t *c, *grown;
    size_t i, cap;

    for (i = 0; i < metrics->counter_count; i++) {
        c = &metrics->counters[i];
        if (c->status == status && c->method == method &&
            strcmp(c->route, route) == 0)
            return c;
    }

    if (metrics->counter_count == metrics->counter_cap) {
        cap = metrics->counter_cap == 0 ? 32 : metrics->counter_cap * 2;
        grown = realloc(metrics->counters, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        metrics->counters = grown;
        metrics->counter_cap = cap;
    }

    c = &metrics->counters[metrics->counter_count];
    c->route = strdup(route);
    if (c->route == NULL)
        return NULL;
    c->method = method;
    c->status = status;
    c->count = 0;
    metrics->counter_count++;
    return c;
}


void
tw_metrics_observe(tw_metrics_t *metrics, const char *route,
                   const char *method, unsigned status, double seconds)
{
    const char *label = tw_metrics_method_label(method);
    tw_metrics_counter_t *c;
    size_t b = 0;

    while (b < TW_METRICS_BUCKETS && seconds > tw_metrics_bounds[b])
        b++;

    pthread_mutex_lock(&metrics->lock);
    c = tw_metrics_counter(metrics, route != NULL ? route : "unmatched",
                           label, status);
    if (c != NULL)
        c->count++;
    if (b < TW_METRICS_BUCKETS)
        metrics->buckets[b]++;
    metrics->total++;
    metrics->sum += seconds;
    pthread_mutex_unlock(&metrics->lock);
}


/* Writes a label value with the escapes the text format requires. */
static void
tw_metrics_put_label(FILE *out, const char *value)
{
    for (; *value != '\0'; value++) {
        if (*value == '\\' || *value == '"')
            fprintf(out, "\\%c", *value);
        else if (*value == '\n')
            fputs("\\n", out);
        else
            fputc(*value, out);
    }
}


static void
tw_metrics_put_counters(FILE *out, const tw_metrics_t *metrics)
{
    const tw_metrics_counter_t *c;
    size_t i;

    fputs("# HELP tradewind_http_requests_total HTTP requests answered.\n"
          "# TYPE tradewind_http_requests_total counter\n", out);

    for (i = 0; i < metrics->counter_count; i++) {
        c = &metrics->counters[i];
        fputs("tradewind_http_requests_total{route=\"", out);
        tw_metrics_put_label(out, c->route);
        fprintf(out, "\",method=\"%s\",status=\"%u\"} %llu\n", c->method,
                c->status, (unsigned long long)c->count);
    }
}


static void
tw_metrics_put_histogram(FILE *out, const tw_metrics_t *metrics)
{
    const char *name = "tradewind_http_request_duration_seconds";
    unsigned long long cumulative = 0;
    size_t b;

    fprintf(out, "# HELP %s Time from request line to answer.\n"
                 "# TYPE %s histogram\n", name, name);

    for (b = 0; b < TW_METRICS_BUCKETS; b++) {
        cumulative += metrics->buckets[b];
        fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name,
                tw_metrics_bounds[b], cumulative);
    }

    fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name,
            (unsigned long long)metrics->total);
    fprintf(out, "%s_sum %.6f\n", name, metrics->sum);
    fprintf(out, "%s_count %llu\n", name,
            (unsigned long long)metrics->total);
}


static void
tw_metrics_put_gauge(FILE *out, const char *name, const char *help,
                     unsigned value)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %u\n", name, help, name,
            name, value);
}


char *
tw_metrics_render(tw_metrics_t *metrics, unsigned pool_in_use,
                  unsigned pool_max)
{
    char *text = NULL;
    size_t len = 0;
    bool failed;
    FILE *out;

    out = open_memstream(&text, &len);
    if (out == NULL)
        return NULL;

    pthread_mutex_lock(&metrics->lock);
    tw_metrics_put_counters(out, metrics);
    tw_metrics_put_histogram(out, metrics);
    pthread_mutex_unlock(&metrics->lock);

    tw_metrics_put_gauge(out, "tradewind_db_pool_connections_in_use",
                         "Database connections lent out now.", pool_in_use);
    tw_metrics_put_gauge(out, "tradewind_db_pool_connections_max",
                         "Size of the database connection pool.", pool_max);

    failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        free(text);
        return NULL;
    }
    return text;
}
