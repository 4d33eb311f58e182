/*
 * show.c - GET /api/v1/orders/{id} and the order JSON that every
 * state-changing route answers with: the order, its lines, findings,
 * decision, history (events in the order they happened) and proof of
 * delivery.
 *
 * Another branch's order is invisible (row-level security), hence 404.
 */
#include <string.h>

#include "orders.h"

#define ORD_TIME_SQL(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


static json_t *
ord_text_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null()
                                      : json_string(PQgetvalue(res, row, col));
}


static tw_rc_t
ord_lines_json(tw_db_t *db, const char *id, json_t *order)
{
    PGresult *res = tw_db_exec(db,
                               "SELECT line_no, sku, qty, unit_price_fen, "
                               "line_total_fen FROM orders.order_lines "
                               "WHERE order_id = $1 ORDER BY line_no", 1,
                               &id);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    json_t *lines = json_array();
    for (int row = 0; row < PQntuples(res); row++) {
        json_array_append_new(lines, json_pack(
            "{s:o, s:s, s:o, s:o, s:o}", "line_no", ord_json_int(res, row, 0),
            "sku", PQgetvalue(res, row, 1), "qty", ord_json_int(res, row, 2),
            "unit_price_fen", ord_json_int(res, row, 3), "line_total_fen",
            ord_json_int(res, row, 4)));
    }
    PQclear(res);
    json_object_set_new(order, "lines", lines);
    return TW_OK;
}


static tw_rc_t
ord_history_json(tw_db_t *db, const char *id, json_t *order)
{
    PGresult *res = tw_db_exec(db,
                               "SELECT from_status, to_status, "
                               ORD_TIME_SQL("at") ", by_login, reason "
                               "FROM orders.order_events WHERE order_id = $1"
                               " ORDER BY id", 1, &id);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    json_t *events = json_array();
    for (int row = 0; row < PQntuples(res); row++) {
        json_array_append_new(events, json_pack(
            "{s:o, s:s, s:s, s:s, s:o}", "from",
            ord_text_or_null(res, row, 0), "to", PQgetvalue(res, row, 1),
            "at", PQgetvalue(res, row, 2), "by", PQgetvalue(res, row, 3),
            "reason", ord_text_or_null(res, row, 4)));
    }
    PQclear(res);
    json_object_set_new(order, "history", events);
    return TW_OK;
}


/* The order row; *out stays NULL when it is not visible. */
static tw_rc_t
ord_head_json(tw_db_t *db, const char *id, json_t **out)
{
    PGresult *res = tw_db_exec(db,
        "SELECT o.id, o.status, o.dealer_code, o.warehouse_code, "
        "o.total_fen, to_char(o.requested_date, 'YYYY-MM-DD'), o.note, "
        "o.findings, o.decision, o.created_by, " ORD_TIME_SQL("o.created_at")
        ", " ORD_TIME_SQL("o.updated_at") ", b.code FROM orders.orders o "
        "JOIN core.branches b ON b.id = o.branch_id WHERE o.id = $1",
        1, &id);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    if (PQntuples(res) == 1) {
        *out = json_pack(
            "{s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:s, s:s, "
            "s:s}", "id", ord_json_int(res, 0, 0), "status",
            PQgetvalue(res, 0, 1), "dealer", PQgetvalue(res, 0, 2),
            "warehouse", PQgetvalue(res, 0, 3), "total_fen",
            ord_json_int(res, 0, 4), "requested_date", PQgetvalue(res, 0, 5),
            "note", ord_text_or_null(res, 0, 6), "findings",
            ord_json_parsed(res, 0, 7), "decision",
            ord_json_parsed(res, 0, 8), "created_by", PQgetvalue(res, 0, 9),
            "created_at", PQgetvalue(res, 0, 10), "updated_at",
            PQgetvalue(res, 0, 11), "branch", PQgetvalue(res, 0, 12));
    }
    PQclear(res);
    return TW_OK;
}


tw_rc_t
ord_order_json(tw_db_t *db, const char *id, json_t **out)
{
    *out = NULL;
    if (!ord_id_valid(id)) {
        return TW_OK;
    }

    tw_rc_t rc = ord_head_json(db, id, out);
    if (rc == TW_OK && *out != NULL) {
        rc = ord_lines_json(db, id, *out);
    }
    if (rc == TW_OK && *out != NULL) {
        rc = ord_history_json(db, id, *out);
    }
    if (rc == TW_OK && *out != NULL) {
        rc = ord_delivery_json(db, id, *out);
    }
    if (rc != TW_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}


/* Replies `status` with order `id` (text), or 404 when invisible. */
static void
ord_reply_id(tw_req_t *req, unsigned status, const char *id)
{
    json_t *order;

    tw_rc_t rc = ord_order_json(tw_req_db(req), id, &order);
    if (rc != TW_OK) {
        tw_reply_db_error(req);
    } else if (order == NULL) {
        tw_reply_error(req, 404, "not_found", NULL, "no order %s", id);
    } else {
        tw_reply_json(req, status, order);
    }
}


void
ord_reply_order(tw_req_t *req, unsigned status, int64_t id)
{
    char id_text[24];

    ord_int_text(id, id_text, sizeof id_text);
    ord_reply_id(req, status, id_text);
}


void
ord_show(tw_req_t *req, void *ctx)
{
    (void) ctx;

    ord_reply_id(req, 200, tw_req_param(req, "id"));
}
