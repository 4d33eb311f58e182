/*
 * submit.c - POST /api/v1/orders: checks the body, prices the lines from
 * the catalog (list price less the dealer's discount), stores the order
 * as `submitted` and reviews it in the same transaction.
 *
 * Any refusal replies >= 400, so the core rolls everything back: a bad
 * order leaves nothing behind.  The dealer row stays locked until the
 * transaction ends, so one dealer's orders are reviewed one at a time
 * and each sees the open amount the previous one left.  An unknown SKU
 * is bad input (400 unknown_sku), like an inactive one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"


/* list * (10000 - discount) / 10000, rounded half away from zero. */
static bool
ord_unit_price(int64_t list_fen, int32_t discount_bp, int64_t *out)
{
    int64_t scaled;

    if (__builtin_mul_overflow(list_fen, (int64_t) (10000 - discount_bp),
                               &scaled)) {
        return false;
    }
    *out = scaled >= 0 ? (scaled + 5000) / 10000 : (scaled - 5000) / 10000;
    return true;
}


static bool
ord_price_line(ord_order_t *order, ord_line_t *line)
{
    return ord_unit_price(line->product.list_price_fen,
                          order->dealer.discount_bp, &line->unit_price_fen) &&
           !__builtin_mul_overflow(line->unit_price_fen, line->qty,
                                   &line->line_total_fen) &&
           !__builtin_add_overflow(order->total_fen, line->line_total_fen,
                                   &order->total_fen);
}


/* One {"sku","qty"} member of "lines"; replies 400 when it is bad. */
static bool
ord_parse_line(tw_req_t *req, ord_order_t *order, size_t index, json_t *item)
{
    json_t *sku = json_object_get(item, "sku");
    json_t *qty = json_object_get(item, "qty");
    ord_line_t *line = &order->lines[index];

    if (!json_is_object(item) || json_object_size(item) != 2 ||
        !json_is_string(sku) || json_string_length(sku) == 0 ||
        json_string_length(sku) >= sizeof line->product.sku ||
        !json_is_integer(qty) || json_integer_value(qty) <= 0) {
        tw_reply_error(req, 400, "invalid_line",
                       json_pack("{s:I}", "line", (json_int_t) index + 1),
                       "line %zu must be {\"sku\": text, \"qty\": a whole "
                       "number above 0}", index + 1);
        return false;
    }

    for (size_t i = 0; i < index; i++) {
        if (strcmp(order->lines[i].product.sku, json_string_value(sku)) ==
            0) {
            tw_reply_error(req, 400, "duplicate_sku",
                           json_pack("{s:O}", "sku", sku),
                           "SKU %s is on more than one line",
                           json_string_value(sku));
            return false;
        }
    }
    snprintf(line->product.sku, sizeof line->product.sku, "%s",
             json_string_value(sku));
    line->qty = json_integer_value(qty);
    return true;
}


static bool
ord_parse_lines(tw_req_t *req, ord_order_t *order)
{
    json_t *lines = json_object_get(tw_req_json(req), "lines");
    size_t index;
    json_t *item;

    if (!json_is_array(lines) || json_array_size(lines) == 0 ||
        json_array_size(lines) > ORD_MAX_LINES) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", "lines"),
                       "'lines' must be a list of 1 to %d lines",
                       ORD_MAX_LINES);
        return false;
    }
    json_array_foreach(lines, index, item) {
        if (!ord_parse_line(req, order, index, item)) {
            return false;
        }
    }
    order->line_count = json_array_size(lines);
    return true;
}


/* The body, without the database: fields, date format, lines. */
static bool
ord_parse_body(tw_req_t *req, ord_order_t *order, const char **dealer)
{
    static const char *const allowed[] = {"dealer", "lines",
                                          "requested_date", "note", NULL};

    if (tw_req_json(req) == NULL || !ord_body_only(req, allowed)) {
        if (tw_req_json(req) == NULL) {
            tw_reply_error(req, 400, "invalid_input", NULL,
                           "the order must be a JSON object");
        }
        return false;
    }

    const char *date = NULL;
    *dealer = ord_body_text(req, "dealer", true);
    if (*dealer != NULL) {
        date = ord_body_text(req, "requested_date", true);
    }
    if (date != NULL && !ord_date_valid(date)) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", "requested_date"),
                       "'requested_date' must be a day as YYYY-MM-DD");
        return false;
    }
    order->note = date != NULL ? ord_body_text(req, "note", false) : NULL;
    if (order->note == NULL) {
        return false;
    }
    snprintf(order->requested_date, sizeof order->requested_date, "%s",
             date);
    return ord_parse_lines(req, order);
}


/* A requested date before today (Asia/Shanghai) replies 400. */
static bool
ord_date_not_past(tw_req_t *req, const ord_order_t *order)
{
    const char *date = order->requested_date;
    PGresult *res = tw_db_exec(tw_req_db(req),
                               "SELECT $1::date < (now() AT TIME ZONE "
                               "'Asia/Shanghai')::date", 1, &date);

    if (res == NULL) {
        tw_reply_db_error(req);
        return false;
    }

    bool past = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (past) {
        tw_reply_error(req, 400, "date_in_past",
                       json_pack("{s:s}", "requested_date", date),
                       "requested date %s is in the past", date);
    }
    return !past;
}


/* Reads each line's product; an unknown or inactive SKU replies 400. */
static bool
ord_load_products(tw_req_t *req, ord_order_t *order)
{
    const cat_service_t *cat = ord_catalog();

    for (size_t i = 0; i < order->line_count; i++) {
        ord_line_t *line = &order->lines[i];
        char sku[CAT_CODE_SIZE];
        snprintf(sku, sizeof sku, "%s", line->product.sku);

        tw_rc_t rc = cat->product_get(tw_req_db(req), sku, &line->product);
        if (rc == TW_ERR_NOT_FOUND || (rc == TW_OK && !line->product.active)) {
            bool unknown = rc == TW_ERR_NOT_FOUND;
            tw_reply_error(req, 400, unknown ? "unknown_sku" : "inactive_sku",
                           json_pack("{s:s}", "sku", sku), "SKU %s %s", sku,
                           unknown ? "does not exist" : "is not sold any more");
            return false;
        }
        if (rc != TW_OK) {
            ord_reply_rc(req, rc, "product");
            return false;
        }
        if (!ord_price_line(order, line)) {
            tw_reply_error(req, 400, "invalid_line",
                           json_pack("{s:s}", "sku", sku),
                           "the line of %s is too large", sku);
            return false;
        }
    }
    return true;
}


/* The dealer, locked; unknown and invisible alike reply 404. */
static bool
ord_load_dealer(tw_req_t *req, ord_order_t *order, const char *code)
{
    tw_rc_t rc = TW_ERR_NOT_FOUND;

    if (strlen(code) < sizeof order->dealer.code) {
        rc = ord_catalog()->dealer_get(tw_req_db(req), code, true,
                                       &order->dealer);
    }
    if (rc == TW_ERR_NOT_FOUND) {
        tw_reply_error(req, 404, "dealer_not_found",
                       json_pack("{s:s}", "dealer", code),
                       "no dealer %s", code);
    } else if (rc != TW_OK) {
        ord_reply_rc(req, rc, "dealer");
    }
    return rc == TW_OK;
}


static tw_rc_t
ord_insert_line(tw_db_t *db, const ord_order_t *order, size_t index)
{
    const ord_line_t *line = &order->lines[index];
    char id[24];
    char line_no[24];
    char qty[24];
    char unit[24];
    char total[24];
    char branch[24];

    ord_int_text(order->id, id, sizeof id);
    ord_int_text((int64_t) index + 1, line_no, sizeof line_no);
    ord_int_text(line->qty, qty, sizeof qty);
    ord_int_text(line->unit_price_fen, unit, sizeof unit);
    ord_int_text(line->line_total_fen, total, sizeof total);
    ord_int_text(order->dealer.branch_id, branch, sizeof branch);
    const char *params[] = {id, line_no, line->product.sku, qty, unit,
                            total, branch};

    PGresult *res = tw_db_exec(db,
                               "INSERT INTO orders.order_lines (order_id, "
                               "line_no, sku, qty, unit_price_fen, "
                               "line_total_fen, branch_id) VALUES ($1, $2, "
                               "$3, $4, $5, $6, $7)", 7, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    PQclear(res);
    return TW_OK;
}


/* Inserts the order as `submitted` with its lines; sets order->id. */
static tw_rc_t
ord_insert(tw_req_t *req, ord_order_t *order)
{
    tw_db_t *db = tw_req_db(req);
    char branch[24];
    char total[24];

    ord_int_text(order->dealer.branch_id, branch, sizeof branch);
    ord_int_text(order->total_fen, total, sizeof total);
    const char *params[] = {branch, order->dealer.code,
                            order->dealer.warehouse_code, total,
                            order->requested_date,
                            order->note[0] != '\0' ? order->note : NULL,
                            tw_req_user(req)->login};

    PGresult *res = tw_db_exec(db,
                               "INSERT INTO orders.orders (branch_id, "
                               "dealer_code, warehouse_code, status, "
                               "total_fen, requested_date, note, created_by)"
                               " VALUES ($1, $2, $3, 'submitted', $4, $5, $6,"
                               " $7) RETURNING id", 7, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    order->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    tw_rc_t rc = tw_audit(req, "submit", "order", PQgetvalue(res, 0, 0));
    PQclear(res);

    for (size_t i = 0; i < order->line_count && rc == TW_OK; i++) {
        rc = ord_insert_line(db, order, i);
    }
    return rc == TW_OK ? ord_event_add(req, order->id, NULL, "submitted",
                                       NULL)
                       : rc;
}


static void
ord_submit_order(tw_req_t *req, ord_order_t *order)
{
    const char *dealer;

    if (!ord_parse_body(req, order, &dealer) ||
        !ord_date_not_past(req, order) ||
        !ord_load_dealer(req, order, dealer) ||
        !ord_load_products(req, order)) {
        return;
    }

    tw_rc_t rc = ord_insert(req, order);
    if (rc == TW_OK) {
        rc = ord_review(req, order);
    }
    if (rc != TW_OK) {
        tw_reply_db_error(req);
        return;
    }
    ord_reply_order(req, 201, order->id);
}


void
ord_submit(tw_req_t *req, void *ctx)
{
    (void) ctx;

    ord_order_t *order = ord_order_new(req);
    if (order == NULL) {
        return;
    }
    ord_submit_order(req, order);
    free(order);
}
