/*
 * dispatch.c - POST /api/v1/trips/{id}/dispatch: a draft trip leaves.
 *
 * The trip becomes dispatched; each of its lines is shipped through the
 * catalog (on hand and reserved fall together).  An order becomes
 * shipped once every unit of it is on dispatched trips: an order split
 * across trips stays planned until its last trip leaves.  Lines of an
 * order cancelled since planning are not shipped (its reservation is
 * already released).  A trip carrying lines the user cannot see (another
 * branch's orders) is refused with 403, so dispatch as an HQ logistics
 * user.  Only a draft trip can leave: 409 wrong_state otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trips.h"


/* Locks trip `id` and checks it may leave; replies when it may not. */
static bool
ord_trip_ready(tw_req_t *req, const char *id, char *warehouse,
               size_t warehouse_size)
{
    PGresult *res;
    tw_rc_t rc = ord_exec(tw_req_db(req), "SELECT status, warehouse_code, "
                          "line_count = (SELECT count(*) FROM "
                          "orders.trip_lines WHERE trip_id = $1) FROM "
                          "orders.trips WHERE id = $1 FOR UPDATE", 1, &id,
                          &res);
    if (rc != TW_OK || PQntuples(res) == 0) {
        PQclear(res);
        ord_reply_rc(req, rc == TW_OK ? TW_ERR_NOT_FOUND : rc, "trip");
        return false;
    }

    bool draft = strcmp(PQgetvalue(res, 0, 0), "draft") == 0;
    bool visible = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    snprintf(warehouse, warehouse_size, "%s", PQgetvalue(res, 0, 1));
    if (!draft) {
        tw_reply_error(req, 409, "wrong_state",
                       json_pack("{s:s}", "status", PQgetvalue(res, 0, 0)),
                       "trip %s is %s and cannot be dispatched", id,
                       PQgetvalue(res, 0, 0));
    } else if (!visible) {
        tw_reply_error(req, 403, "forbidden", NULL, "trip %s carries orders "
                       "of branches you cannot see", id);
    }
    PQclear(res);
    return draft && visible;
}


/* Ships the lines of the trip whose orders are still planned. */
static tw_rc_t
ord_trip_ship(tw_db_t *db, const char *id, const char *warehouse)
{
    PGresult *res;
    tw_rc_t rc = ord_exec(db, "SELECT t.sku, t.qty FROM orders.trip_lines t"
                          " JOIN orders.orders o ON o.id = t.order_id WHERE"
                          " t.trip_id = $1 AND o.status = 'planned' ORDER BY"
                          " t.order_id, t.sku FOR UPDATE OF o", 1, &id,
                          &res);

    for (int row = 0; rc == TW_OK && row < PQntuples(res); row++) {
        rc = ord_catalog()->stock_ship(db, warehouse,
                                       PQgetvalue(res, row, 0),
                                       strtoll(PQgetvalue(res, row, 1),
                                               NULL, 10));
    }
    PQclear(res);
    return rc;
}


/* Moves the trip's planned orders that are now wholly dispatched to
 * shipped. */
static tw_rc_t
ord_trip_orders_ship(tw_req_t *req, const char *id)
{
    char reason[64];
    PGresult *res;
    tw_rc_t rc = ord_exec(tw_req_db(req), "SELECT o.id FROM orders.orders o"
                          " WHERE o.status = 'planned' AND o.id IN (SELECT "
                          "order_id FROM orders.trip_lines WHERE trip_id = "
                          "$1) AND NOT EXISTS (SELECT 1 FROM "
                          "orders.order_lines l WHERE l.order_id = o.id AND"
                          " l.qty > (SELECT coalesce(sum(t.qty), 0) FROM "
                          "orders.trip_lines t JOIN orders.trips r ON r.id ="
                          " t.trip_id WHERE r.status = 'dispatched' AND "
                          "t.order_id = o.id AND t.sku = l.sku)) ORDER BY "
                          "o.id", 1, &id, &res);

    snprintf(reason, sizeof reason, "dispatched on trip %s", id);
    for (int row = 0; rc == TW_OK && row < PQntuples(res); row++) {
        rc = ord_transition(req, strtoll(PQgetvalue(res, row, 0), NULL, 10),
                            "planned", "shipped", "ship", reason);
    }
    PQclear(res);
    return rc;
}


static tw_rc_t
ord_trip_leave(tw_req_t *req, const char *id, const char *warehouse)
{
    tw_db_t *db = tw_req_db(req);
    const char *params[] = {id, tw_req_user(req)->login};

    tw_rc_t rc = ord_trip_ship(db, id, warehouse);
    if (rc == TW_OK) {
        rc = ord_exec(db, "UPDATE orders.trips SET status = 'dispatched', "
                      "dispatched_by = $2, dispatched_at = now() WHERE id = "
                      "$1", 2, params, NULL);
    }
    if (rc == TW_OK) {
        rc = ord_trip_orders_ship(req, id);
    }
    return rc == TW_OK ? tw_audit(req, "dispatch", "trip", id) : rc;
}


void
ord_trip_dispatch(tw_req_t *req, void *ctx)
{
    (void) ctx;
    const char *id = tw_req_param(req, "id");
    char warehouse[CAT_CODE_SIZE];
    json_t *trip = NULL;

    if (!ord_id_valid(id)) {
        tw_reply_error(req, 404, "not_found", NULL, "no trip %s", id);
        return;
    }
    if (!ord_trip_ready(req, id, warehouse, sizeof warehouse)) {
        return;
    }

    tw_rc_t rc = ord_trip_leave(req, id, warehouse);
    if (rc == TW_OK) {
        rc = ord_trip_json(tw_req_db(req), id, &trip);
    }
    if (rc == TW_OK && trip != NULL) {
        tw_log_info("trip dispatched", "trip=%s warehouse=%s", id,
                    warehouse);
        tw_reply_json(req, 200, trip);
    } else if (rc == TW_ERR_CONFLICT) {
        tw_reply_error(req, 409, "stock_short", NULL, "the reserved stock "
                       "at %s no longer covers trip %s", warehouse, id);
    } else {
        ord_reply_rc(req, rc, "trip");
    }
}
