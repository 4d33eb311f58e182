/*
 * cancel.c - POST /api/v1/orders/{id}/cancel with {"reason"}: cancels an
 * order before it ships.
 *
 * submitted and on_hold orders hold nothing; approved and planned ones
 * give back their reserved stock and their part of the dealer's open
 * amount in the same transaction.  rejected is final, and shipped,
 * delivered and cancelled orders cannot be cancelled: 409 wrong_state.
 * Neither can a planned order split over trips of which one has left:
 * part of its goods is on the road.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"


/* Whether an order in `status` may be cancelled, and whether it holds
 * stock and credit that go back. */
static bool
ord_cancellable(const char *status, bool *holds_goods)
{
    *holds_goods = strcmp(status, "approved") == 0 ||
                   strcmp(status, "planned") == 0;
    return *holds_goods || strcmp(status, "submitted") == 0 ||
           strcmp(status, "on_hold") == 0;
}


/* Whether some of the order's goods left on a dispatched trip. */
static tw_rc_t
ord_partly_shipped(tw_db_t *db, int64_t order_id, bool *shipped)
{
    char id[24];
    const char *params[] = {id};

    snprintf(id, sizeof id, "%" PRId64, order_id);
    PGresult *res = tw_db_exec(db,
        "SELECT EXISTS (SELECT 1 FROM orders.trip_lines l"
        " JOIN orders.trips t ON t.id = l.trip_id"
        " WHERE l.order_id = $1 AND t.status = 'dispatched')", 1, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    *shipped = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return TW_OK;
}


static void
ord_cancel_order(tw_req_t *req, ord_order_t *order)
{
    static const char *const allowed[] = {"reason", NULL};
    const char *id = tw_req_param(req, "id");
    char status[32];
    bool holds_goods;

    if (!ord_body_only(req, allowed)) {
        return;
    }
    const char *reason = ord_body_text(req, "reason", true);
    if (reason == NULL) {
        return;
    }

    tw_rc_t rc = ord_lock(req, id, order, status, sizeof status);
    if (rc == TW_OK && !ord_cancellable(status, &holds_goods)) {
        tw_reply_error(req, 409, "wrong_state",
                       json_pack("{s:s}", "status", status),
                       "order %s is %s and cannot be cancelled", id, status);
        return;
    }
    bool shipped = false;
    if (rc == TW_OK && holds_goods) {
        rc = ord_partly_shipped(tw_req_db(req), order->id, &shipped);
    }
    if (rc == TW_OK && shipped) {
        tw_reply_error(req, 409, "wrong_state",
                       json_pack("{s:s}", "status", status),
                       "order %s is partly on the road and cannot be "
                       "cancelled", id);
        return;
    }
    if (rc == TW_OK && holds_goods) {
        rc = ord_release_goods(tw_req_db(req), order);
    }
    if (rc == TW_OK) {
        rc = ord_transition(req, order->id, status, "cancelled", "cancel",
                            reason);
    }
    if (rc == TW_OK) {
        ord_reply_order(req, 200, order->id);
    } else {
        ord_reply_rc(req, rc, "order");
    }
}


void
ord_cancel(tw_req_t *req, void *ctx)
{
    (void) ctx;

    ord_order_t *order = ord_order_new(req);
    if (order == NULL) {
        return;
    }
    ord_cancel_order(req, order);
    free(order);
}
