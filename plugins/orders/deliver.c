/*
 * deliver.c - POST /api/v1/orders/{id}/deliver {"signed_by","signed_at"}:
 * proof of delivery.  A shipped order becomes delivered; who signed and
 * when (RFC 3339, now when absent) are stored on the order and shown as
 * its "delivery" member.  Any other state: 409 wrong_state.
 */
#include <stdlib.h>
#include <string.h>

#include "orders.h"


static bool
ord_digits(const char *text, const char *shape)
{
    for (size_t i = 0; shape[i] != '\0'; i++) {
        bool digit = text[i] >= '0' && text[i] <= '9';
        if (shape[i] == 'd' ? !digit : text[i] != shape[i]) {
            return false;
        }
    }
    return true;
}


/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), a real day. */
static bool
ord_rfc3339_valid(const char *text)
{
    char day[11];

    if (strlen(text) < 20 || !ord_digits(text + 11, "dd:dd:dd")) {
        return false;
    }
    memcpy(day, text, 10);
    day[10] = '\0';
    if (!ord_date_valid(day) || (text[10] != 'T' && text[10] != 't') ||
        atoi(text + 11) > 23 || atoi(text + 14) > 59 ||
        atoi(text + 17) > 60) {
        return false;
    }

    const char *zone = text + 19;
    if (*zone == '.') {
        zone++;
        zone += strspn(zone, "0123456789");
        if (zone == text + 20) {
            return false;
        }
    }
    if (strcmp(zone, "Z") == 0 || strcmp(zone, "z") == 0) {
        return true;
    }
    return (zone[0] == '+' || zone[0] == '-') && strlen(zone) == 6 &&
           ord_digits(zone + 1, "dd:dd") && atoi(zone + 1) <= 23 &&
           atoi(zone + 4) <= 59;
}


/* The body's signer and time (NULL: now); replies 400 when wrong. */
static bool
ord_proof_args(tw_req_t *req, const char **signed_by,
               const char **signed_at)
{
    static const char *const allowed[] = {"signed_by", "signed_at", NULL};

    if (!ord_body_only(req, allowed)) {
        return false;
    }
    *signed_by = ord_body_text(req, "signed_by", true);
    *signed_at = *signed_by != NULL ? ord_body_text(req, "signed_at", false)
                                    : NULL;
    if (*signed_at == NULL) {
        return false;
    }
    if ((*signed_at)[0] == '\0') {
        *signed_at = NULL;
    } else if (!ord_rfc3339_valid(*signed_at)) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", "signed_at"),
                       "'signed_at' must be an RFC 3339 time");
        return false;
    }
    return true;
}


static tw_rc_t
ord_proof_store(tw_req_t *req, const ord_order_t *order,
                const char *signed_by, const char *signed_at)
{
    char id[24];
    char reason[ORD_REASON_SIZE];

    ord_int_text(order->id, id, sizeof id);
    const char *params[] = {id, signed_by, signed_at};
    PGresult *res = tw_db_exec(tw_req_db(req),
                               "UPDATE orders.orders SET signed_by = $2, "
                               "signed_at = coalesce($3::timestamptz, now())"
                               " WHERE id = $1", 3, params);
    if (res == NULL) {
        return tw_db_rc(tw_req_db(req));
    }
    PQclear(res);

    snprintf(reason, sizeof reason, "signed by %s", signed_by);
    return ord_transition(req, order->id, "shipped", "delivered", "deliver",
                          reason);
}


static void
ord_deliver_order(tw_req_t *req, ord_order_t *order)
{
    const char *id = tw_req_param(req, "id");
    const char *signed_by;
    const char *signed_at;

    if (!ord_proof_args(req, &signed_by, &signed_at) ||
        !ord_lock_in(req, id, order, "shipped")) {
        return;
    }

    tw_rc_t rc = ord_proof_store(req, order, signed_by, signed_at);
    if (rc == TW_OK) {
        ord_reply_order(req, 200, order->id);
    } else {
        ord_reply_rc(req, rc, "order");
    }
}


void
ord_deliver(tw_req_t *req, void *ctx)
{
    (void) ctx;

    ord_order_t *order = ord_order_new(req);
    if (order == NULL) {
        return;
    }
    ord_deliver_order(req, order);
    free(order);
}


tw_rc_t
ord_delivery_json(tw_db_t *db, const char *id, json_t *order)
{
    PGresult *res = tw_db_exec(db, "SELECT signed_by, to_char(signed_at AT "
                               "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS"
                               "\"Z\"') FROM orders.orders WHERE id = $1 AND"
                               " signed_at IS NOT NULL", 1, &id);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    json_t *delivery = json_null();
    if (PQntuples(res) == 1) {
        delivery = json_pack("{s:s, s:s}", "signed_by",
                             PQgetvalue(res, 0, 0), "signed_at",
                             PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    json_object_set_new(order, "delivery", delivery);
    return TW_OK;
}
