/*
 * due.c - the goods due from a warehouse by a day (see trips.h): one
 * query for the outstanding quantities of the order lines, then the
 * catalog service for each distinct product (volume, weight) and dealer
 * (region).  Row-level security limits the orders to the request's
 * branches.  The caller owns the ord_due_t and frees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trips.h"

/* Each line of a due order with the quantity not yet dispatched. */
static const char ord_due_sql[] =
    "SELECT id, dealer_code, sku, rest FROM ("
    " SELECT o.id, o.dealer_code, l.sku, l.line_no, l.qty - COALESCE(("
    "  SELECT sum(t.qty) FROM orders.trip_lines t JOIN orders.trips r"
    "  ON r.id = t.trip_id WHERE r.status = 'dispatched'"
    "  AND t.order_id = o.id AND t.sku = l.sku), 0) AS rest"
    " FROM orders.orders o JOIN orders.order_lines l ON l.order_id = o.id"
    " WHERE o.warehouse_code = $1 AND o.requested_date <= $2::date"
    " AND o.status IN ('approved', 'planned')) s"
    " WHERE rest > 0 ORDER BY id, line_no";


void
ord_due_free(ord_due_t *due)
{
    free(due->orders);
    free(due->skus);
    free(due->lines);
    free(due->regions);
    memset(due, 0, sizeof *due);
}


static bool
ord_due_alloc(ord_due_t *due, size_t rows)
{
    size_t n = rows > 0 ? rows : 1;

    due->orders = calloc(n, sizeof *due->orders);
    due->skus = calloc(n, sizeof *due->skus);
    due->lines = calloc(n, sizeof *due->lines);
    due->regions = calloc(n, sizeof *due->regions);
    return due->orders != NULL && due->skus != NULL && due->lines != NULL &&
           due->regions != NULL;
}


/* The unit volume and weight of line `index`, from an earlier line of
 * the same SKU or from the catalog. */
static tw_rc_t
ord_due_product(tw_db_t *db, ord_due_t *due, size_t index)
{
    ord_pack_line_t *line = &due->lines[index];

    for (size_t i = 0; i < index; i++) {
        if (strcmp(due->skus[i], due->skus[index]) == 0) {
            line->volume_cl = due->lines[i].volume_cl;
            line->weight_g = due->lines[i].weight_g;
            return TW_OK;
        }
    }

    cat_product_t product;
    tw_rc_t rc = ord_catalog()->product_get(db, due->skus[index], &product);
    if (rc == TW_OK) {
        line->volume_cl = product.volume_cl;
        line->weight_g = product.weight_g;
    }
    return rc;
}


/* The index of `region` in due->regions, added when new. */
static size_t
ord_due_region(ord_due_t *due, const char *region)
{
    for (size_t i = 0; i < due->region_count; i++) {
        if (strcmp(due->regions[i], region) == 0) {
            return i;
        }
    }
    snprintf(due->regions[due->region_count], sizeof due->regions[0], "%s",
             region);
    return due->region_count++;
}


/* The region of the last order: its dealer's, as the catalog has it. */
static tw_rc_t
ord_due_dealer(tw_db_t *db, ord_due_t *due)
{
    ord_due_order_t *order = &due->orders[due->order_count - 1];

    for (size_t i = 0; i + 1 < due->order_count; i++) {
        if (strcmp(due->orders[i].dealer, order->dealer) == 0) {
            order->region = due->orders[i].region;
            return TW_OK;
        }
    }

    cat_dealer_t dealer;
    tw_rc_t rc = ord_catalog()->dealer_get(db, order->dealer, false,
                                           &dealer);
    if (rc == TW_OK) {
        order->region = ord_due_region(due, dealer.region);
    }
    return rc;
}


/* Adds row `row` as a line, starting a new order when its id changes. */
static tw_rc_t
ord_due_row(tw_db_t *db, ord_due_t *due, const PGresult *res, int row)
{
    int64_t id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
    tw_rc_t rc = TW_OK;

    if (due->order_count == 0 || due->orders[due->order_count - 1].id != id) {
        ord_due_order_t *order = &due->orders[due->order_count++];
        order->id = id;
        order->first_line = due->line_count;
        snprintf(order->dealer, sizeof order->dealer, "%s",
                 PQgetvalue(res, row, 1));
        rc = ord_due_dealer(db, due);
    }

    size_t index = due->line_count++;
    snprintf(due->skus[index], sizeof due->skus[index], "%s",
             PQgetvalue(res, row, 2));
    due->lines[index].qty = strtoll(PQgetvalue(res, row, 3), NULL, 10);
    if (rc == TW_OK) {
        rc = ord_due_product(db, due, index);
    }

    ord_due_order_t *order = &due->orders[due->order_count - 1];
    order->line_count++;
    order->volume_cl += due->lines[index].volume_cl * due->lines[index].qty;
    order->weight_g += due->lines[index].weight_g * due->lines[index].qty;
    return rc;
}


tw_rc_t
ord_due_load(tw_db_t *db, const char *warehouse, const char *date,
             ord_due_t *due)
{
    const char *params[] = {warehouse, date};

    memset(due, 0, sizeof *due);
    PGresult *res = tw_db_exec(db, ord_due_sql, 2, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = ord_due_alloc(due, (size_t) PQntuples(res)) ? TW_OK
                                                             : TW_ERR_NOMEM;
    for (int row = 0; row < PQntuples(res) && rc == TW_OK; row++) {
        rc = ord_due_row(db, due, res, row);
    }
    PQclear(res);
    if (rc != TW_OK) {
        ord_due_free(due);
    }
    return rc;
}
