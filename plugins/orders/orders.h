/*
 * orders.h - what the files of the orders plugin share: the parsed order,
 * the state changes with their history rows, the review and the JSON
 * shapes of an order.
 *
 * Every function works on the request's connection inside the request's
 * transaction; none commits.  Catalog data (products, stock, dealers,
 * credit) is reached only through the "catalog.v1" service.  Nothing
 * here is exported: the plugin is built with hidden visibility.
 */
#ifndef ORDERS_H
#define ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog_service.h"
#include "tradewind/tradewind.h"

#define ORD_MAX_LINES 200
#define ORD_PAGE_DEFAULT 50
#define ORD_PAGE_MAX 200
#define ORD_REASON_SIZE 1024

/* One order line as submitted and priced. */
typedef struct ord_line {
    cat_product_t product; /* its sku is the line's */
    int64_t qty;
    int64_t unit_price_fen;
    int64_t line_total_fen;
} ord_line_t;

/* An order being submitted. */
typedef struct ord_order {
    int64_t id;
    cat_dealer_t dealer;
    char requested_date[11];
    const char *note; /* borrowed from the body, may be NULL */
    ord_line_t lines[ORD_MAX_LINES];
    size_t line_count;
    int64_t total_fen;
} ord_order_t;

/* The catalog service, found at init. */
const cat_service_t *ord_catalog(void);

/* Registration (orders.c calls them during init). */
tw_rc_t ord_schema_register(tw_host_t *host);
tw_rc_t ord_demo_register(tw_host_t *host);
tw_rc_t ord_review_hook_register(tw_host_t *host);

/* Route handlers. */
void ord_submit(tw_req_t *req, void *ctx);
void ord_approve(tw_req_t *req, void *ctx);
void ord_reject(tw_req_t *req, void *ctx);
void ord_cancel(tw_req_t *req, void *ctx);
void ord_list(tw_req_t *req, void *ctx);
void ord_show(tw_req_t *req, void *ctx);
void ord_shipping_plan(tw_req_t *req, void *ctx);
void ord_trips_plan(tw_req_t *req, void *ctx);
void ord_trip_show(tw_req_t *req, void *ctx);
void ord_trip_dispatch(tw_req_t *req, void *ctx);
void ord_deliver(tw_req_t *req, void *ctx);

/* json.c: small shared helpers. */
json_t *ord_json_int(const PGresult *res, int row, int col);
json_t *ord_json_parsed(const PGresult *res, int row, int col);
void ord_int_text(int64_t value, char *buf, size_t size);
bool ord_date_valid(const char *text);
bool ord_id_valid(const char *text);
bool ord_body_only(tw_req_t *req, const char *const *allowed);
const char *ord_body_text(tw_req_t *req, const char *name, bool required);
void ord_reply_rc(tw_req_t *req, tw_rc_t rc, const char *what);
void ord_fen_yuan(int64_t fen, char *buf, size_t size);

/* state.c: status changes, each with its history row and audit row. */
ord_order_t *ord_order_new(tw_req_t *req); /* free(); NULL: replied */
tw_rc_t ord_event_add(tw_req_t *req, int64_t id, const char *from,
                      const char *to, const char *reason);
tw_rc_t ord_transition(tw_req_t *req, int64_t id, const char *from,
                       const char *to, const char *action,
                       const char *reason);
tw_rc_t ord_lock(tw_req_t *req, const char *id, ord_order_t *order,
                 char *status, size_t status_size);
bool ord_lock_in(tw_req_t *req, const char *id, ord_order_t *order,
                 const char *expected); /* false: replied */
tw_rc_t ord_commit_goods(tw_db_t *db, const ord_order_t *order,
                         char *reason, size_t reason_size,
                         const char **code);
tw_rc_t ord_release_goods(tw_db_t *db, const ord_order_t *order);
tw_rc_t ord_command(tw_db_t *db, const char *sql);

/* review.c: the built-in checks and the rule, on a new order. */
tw_rc_t ord_review(tw_req_t *req, ord_order_t *order);

/* show.c: the whole order as JSON; NULL when it is not visible. */
tw_rc_t ord_order_json(tw_db_t *db, const char *id, json_t **out);
void ord_reply_order(tw_req_t *req, unsigned status, int64_t id);

/* deliver.c: the proof of delivery of order `id` as its "delivery"
 * member (null before delivery). */
tw_rc_t ord_delivery_json(tw_db_t *db, const char *id, json_t *order);

#endif
