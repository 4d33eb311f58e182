/*
 * trips.h - what the logistics files of the orders plugin share: the
 * goods due from a warehouse by a day (due.c) and a trip as JSON
 * (trips.c).
 *
 * "Due" means: order lines of approved or planned orders of the
 * warehouse requested by that day, less what is already on a dispatched
 * trip.  Goods on a draft trip still count as due, since planning again
 * replaces the draft.  Every function works inside the request's
 * transaction; the caller frees an ord_due_t with ord_due_free.
 */
#ifndef ORD_TRIPS_H
#define ORD_TRIPS_H

#include "orders.h"
#include "packing.h"

/* A due order: its lines are lines[first_line .. first_line+line_count). */
typedef struct ord_due_order {
    int64_t id;
    char dealer[CAT_CODE_SIZE];
    size_t region; /* index into regions */
    size_t first_line;
    size_t line_count;
    int64_t volume_cl;
    int64_t weight_g;
} ord_due_order_t;

typedef struct ord_due {
    ord_due_order_t *orders;
    size_t order_count;
    char (*skus)[CAT_CODE_SIZE]; /* per line */
    ord_pack_line_t *lines;      /* per line: unit volume, weight, qty */
    size_t line_count;
    char (*regions)[CAT_REGION_SIZE];
    size_t region_count;
} ord_due_t;

/* Loads what is due from `warehouse` by `date` (checked by the caller).
 * A database failure is left on the request's connection. */
tw_rc_t ord_due_load(tw_db_t *db, const char *warehouse, const char *date,
                     ord_due_t *due);
void ord_due_free(ord_due_t *due);

/* Checks ?warehouse= or the body's "warehouse" and "date" of a plan
 * request (`from_body`); replies 400/404 and returns false when wrong. */
bool ord_plan_args(tw_req_t *req, bool from_body, const char **warehouse,
                   const char **date);

/* Trip `id` (text) as JSON; *out stays NULL when there is none. */
tw_rc_t ord_trip_json(tw_db_t *db, const char *id, json_t **out);

/* Runs `sql`; with `out`, the result goes there (NULL on failure) for
 * the caller to PQclear. */
tw_rc_t ord_exec(tw_db_t *db, const char *sql, int count,
                 const char *const *params, PGresult **out);

/* Percent of `capacity` that `used` is, rounded half up. */
int64_t ord_percent(int64_t used, int64_t capacity);

#endif
