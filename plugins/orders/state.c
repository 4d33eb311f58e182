/*
 * state.c - status changes of an order and what moves with them: the
 * history row (order_events), the audit row, and the stock reservations
 * and open amount an approved order holds in the catalog.
 *
 * A status change is one guarded UPDATE (WHERE status = the expected
 * one) on a row the caller locked, so two requests never both move the
 * same order.  Goods are committed under a savepoint: when one line or
 * the credit no longer fits, everything reserved so far is undone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"


/* An order is too large for a handler thread's stack with 200 lines. */
ord_order_t *
ord_order_new(tw_req_t *req)
{
    ord_order_t *order = calloc(1, sizeof *order);

    if (order == NULL) {
        tw_reply_error(req, 500, "internal", NULL, "out of memory");
    }
    return order;
}


tw_rc_t
ord_event_add(tw_req_t *req, int64_t id, const char *from, const char *to,
              const char *reason)
{
    char id_text[24];
    ord_int_text(id, id_text, sizeof id_text);
    const tw_user_t *user = tw_req_user(req);
    const char *params[] = {id_text, from, to, user->login,
                            reason != NULL && reason[0] != '\0' ? reason
                                                                 : NULL};

    PGresult *res = tw_db_exec(tw_req_db(req),
                               "INSERT INTO orders.order_events (order_id, "
                               "branch_id, from_status, to_status, "
                               "by_login, reason) SELECT id, branch_id, $2, "
                               "$3, $4, $5 FROM orders.orders WHERE id = $1",
                               5, params);
    if (res == NULL) {
        return tw_db_rc(tw_req_db(req));
    }
    PQclear(res);
    return TW_OK;
}


/* Moves order `id` from `from` to `to`, records why, audits `action`.
 * TW_ERR_STATE when the order is no longer in `from`. */
tw_rc_t
ord_transition(tw_req_t *req, int64_t id, const char *from, const char *to,
               const char *action, const char *reason)
{
    char id_text[24];
    ord_int_text(id, id_text, sizeof id_text);
    const char *params[] = {id_text, to, from};

    PGresult *res = tw_db_exec(tw_req_db(req),
                               "UPDATE orders.orders SET status = $2, "
                               "updated_at = now() WHERE id = $1 AND "
                               "status = $3", 3, params);
    if (res == NULL) {
        return tw_db_rc(tw_req_db(req));
    }

    bool moved = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (!moved) {
        return TW_ERR_STATE;
    }

    tw_rc_t rc = ord_event_add(req, id, from, to, reason);
    return rc == TW_OK ? tw_audit(req, action, "order", id_text) : rc;
}


/* Reads the lines of order `id_text` into `order` (sku and qty). */
static tw_rc_t
ord_lines_load(tw_db_t *db, const char *id_text, ord_order_t *order)
{
    PGresult *res = tw_db_exec(db,
                               "SELECT sku, qty, unit_price_fen, "
                               "line_total_fen FROM orders.order_lines "
                               "WHERE order_id = $1 ORDER BY line_no", 1,
                               &id_text);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    order->line_count = 0;
    for (int row = 0; row < PQntuples(res) && row < ORD_MAX_LINES; row++) {
        ord_line_t *line = &order->lines[order->line_count++];
        snprintf(line->product.sku, sizeof line->product.sku, "%s",
                 PQgetvalue(res, row, 0));
        line->qty = strtoll(PQgetvalue(res, row, 1), NULL, 10);
        line->unit_price_fen = strtoll(PQgetvalue(res, row, 2), NULL, 10);
        line->line_total_fen = strtoll(PQgetvalue(res, row, 3), NULL, 10);
    }
    PQclear(res);
    return TW_OK;
}


/* Locks order `id_text` for this transaction and reads it with its
 * lines.  TW_ERR_NOT_FOUND when it does not exist or is invisible. */
tw_rc_t
ord_lock(tw_req_t *req, const char *id_text, ord_order_t *order,
         char *status, size_t status_size)
{
    tw_db_t *db = tw_req_db(req);

    if (!ord_id_valid(id_text)) {
        return TW_ERR_NOT_FOUND;
    }
    PGresult *res = tw_db_exec(db,
                               "SELECT id, status, dealer_code, "
                               "warehouse_code, total_fen, branch_id FROM "
                               "orders.orders WHERE id = $1 FOR UPDATE", 1,
                               &id_text);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return TW_ERR_NOT_FOUND;
    }

    order->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(status, status_size, "%s", PQgetvalue(res, 0, 1));
    snprintf(order->dealer.code, sizeof order->dealer.code, "%s",
             PQgetvalue(res, 0, 2));
    snprintf(order->dealer.warehouse_code,
             sizeof order->dealer.warehouse_code, "%s",
             PQgetvalue(res, 0, 3));
    order->total_fen = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    order->dealer.branch_id = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    PQclear(res);
    return ord_lines_load(db, id_text, order);
}


/* Locks order `id` (ord_lock) and checks it is in `expected`.  Replies
 * and returns false when it is not found, not there or in another state
 * (409 wrong_state). */
bool
ord_lock_in(tw_req_t *req, const char *id, ord_order_t *order,
            const char *expected)
{
    char status[32];
    tw_rc_t rc = ord_lock(req, id, order, status, sizeof status);

    if (rc != TW_OK) {
        ord_reply_rc(req, rc, "order");
        return false;
    }
    if (strcmp(status, expected) != 0) {
        tw_reply_error(req, 409, "wrong_state",
                       json_pack("{s:s}", "status", status),
                       "order %s is %s, not %s", id, status, expected);
        return false;
    }
    return true;
}


/* Runs one statement without parameters (savepoints, setval). */
tw_rc_t
ord_command(tw_db_t *db, const char *sql)
{
    PGresult *res = tw_db_exec(db, sql, 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    PQclear(res);
    return TW_OK;
}


/* Reserves every line; the first line that does not fit names the
 * reason.  TW_ERR_CONFLICT then, with some lines maybe reserved. */
static tw_rc_t
ord_reserve_lines(tw_db_t *db, const ord_order_t *order, char *reason,
                  size_t reason_size)
{
    const cat_service_t *cat = ord_catalog();

    for (size_t i = 0; i < order->line_count; i++) {
        const ord_line_t *line = &order->lines[i];
        tw_rc_t rc = cat->stock_reserve(db, order->dealer.warehouse_code,
                                        line->product.sku, line->qty);
        if (rc == TW_ERR_CONFLICT) {
            snprintf(reason, reason_size, "stock of %s at %s no longer "
                     "covers %lld", line->product.sku,
                     order->dealer.warehouse_code, (long long) line->qty);
        }
        if (rc != TW_OK) {
            return rc;
        }
    }
    return TW_OK;
}


static tw_rc_t
ord_charge(tw_db_t *db, const ord_order_t *order, char *reason,
           size_t reason_size)
{
    if (order->total_fen <= 0) {
        return TW_OK;
    }

    tw_rc_t rc = ord_catalog()->dealer_charge(db, order->dealer.code,
                                              order->total_fen);
    if (rc == TW_ERR_CONFLICT) {
        char total[32];
        ord_fen_yuan(order->total_fen, total, sizeof total);
        snprintf(reason, reason_size, "order total %s yuan no longer fits "
                 "the credit of dealer %s", total, order->dealer.code);
    }
    return rc;
}


/* Reserves the stock of every line and charges the total to the dealer,
 * all or nothing.  TW_ERR_CONFLICT with `reason` and *code
 * ("stock_short" or "credit_exceeded") when either no longer fits. */
tw_rc_t
ord_commit_goods(tw_db_t *db, const ord_order_t *order, char *reason,
                 size_t reason_size, const char **code)
{
    tw_rc_t rc = ord_command(db, "SAVEPOINT ord_goods");
    if (rc != TW_OK) {
        return rc;
    }

    *code = "stock_short";
    rc = ord_reserve_lines(db, order, reason, reason_size);
    if (rc == TW_OK) {
        *code = "credit_exceeded";
        rc = ord_charge(db, order, reason, reason_size);
    }
    if (rc == TW_ERR_CONFLICT) {
        /* a concurrent order took it: undo this order's part only */
        tw_rc_t undo = ord_command(db, "ROLLBACK TO SAVEPOINT ord_goods");
        return undo == TW_OK ? rc : undo;
    }
    if (rc == TW_OK) {
        rc = ord_command(db, "RELEASE SAVEPOINT ord_goods");
    }
    return rc;
}


/* Gives back what an approved order holds: its reserved stock and its
 * part of the dealer's open amount. */
tw_rc_t
ord_release_goods(tw_db_t *db, const ord_order_t *order)
{
    const cat_service_t *cat = ord_catalog();
    tw_rc_t rc = TW_OK;

    for (size_t i = 0; i < order->line_count && rc == TW_OK; i++) {
        rc = cat->stock_release(db, order->dealer.warehouse_code,
                                order->lines[i].product.sku,
                                order->lines[i].qty);
    }
    if (rc == TW_OK && order->total_fen > 0) {
        rc = cat->dealer_credit(db, order->dealer.code, order->total_fen);
    }
    return rc;
}
