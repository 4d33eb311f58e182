/*
 * metrics.h - request counters and latency for GET /metrics.
 *
 * Counts answered requests by (route pattern, method, status) and keeps
 * one latency histogram, rendered in the Prometheus text format (0.0.4).
 * Thread-safe: one mutex guards the table, held only for the few
 * instructions of an update or while rendering, never around database
 * work.  Labels are bounded: routes are the registered patterns or
 * "unmatched", and methods outside the standard set count as "OTHER".
 */
#ifndef TW_METRICS_H
#define TW_METRICS_H

typedef struct tw_metrics tw_metrics_t;

/* NULL when out of memory. */
tw_metrics_t *tw_metrics_new(void);
void tw_metrics_free(tw_metrics_t *metrics);

/* Counts one answered request that took `seconds`.  `route` is the
 * matched pattern, or NULL for a request that matched none. */
void tw_metrics_observe(tw_metrics_t *metrics, const char *route,
                        const char *method, unsigned status,
                        double seconds);

/* The exposition text (malloc'd), with the pool gauges appended; NULL
 * when out of memory. */
char *tw_metrics_render(tw_metrics_t *metrics, unsigned pool_in_use,
                        unsigned pool_max);

#endif
