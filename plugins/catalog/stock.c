/*
 * stock.c - stock per warehouse and SKU over HTTP: PUT sets the count on
 * hand, GET lists a warehouse's stock with what is available (on hand
 * minus reserved).  Reservations change only through the catalog.v1
 * service (service.c); on hand never falls below what is reserved.
 */
#include <stdio.h>

#include "catalog.h"

#define CAT_STOCK_COLUMNS                                                \
    "sku, on_hand, reserved, on_hand - reserved, warehouse_code"

static const cat_field_t cat_stock_fields[] = {
    {"on_hand", CAT_KIND_INT, CAT_F_REQUIRED, 0, CAT_COUNT_MAX},
};

static const cat_column_t cat_stock_columns[] = {
    {"sku", CAT_OUT_TEXT},
    {"on_hand", CAT_OUT_INT},
    {"reserved", CAT_OUT_INT},
    {"available", CAT_OUT_INT},
    {"warehouse", CAT_OUT_TEXT},
};

#define CAT_STOCK_N_COLUMNS                                              \
    (sizeof cat_stock_columns / sizeof cat_stock_columns[0])

/* Sets on hand unless that would fall below the reserved count (then no
 * row comes back); the upsert locks the row, so a concurrent
 * reservation cannot slip between the check and the change. */
static const char cat_stock_put_sql[] =
    "INSERT INTO catalog.stock AS s (warehouse_code, sku, on_hand)"
    " VALUES ($1, $2, $3)"
    " ON CONFLICT (warehouse_code, sku) DO UPDATE"
    " SET on_hand = EXCLUDED.on_hand, updated_at = now()"
    " WHERE s.reserved <= EXCLUDED.on_hand"
    " RETURNING " CAT_STOCK_COLUMNS;


/* Answers an on-hand count below the reserved one: 409 with both. */
static void
cat_stock_refused(tw_req_t *req, const char *const *key,
                  const char *on_hand)
{
    PGresult *res = tw_db_exec(tw_req_db(req),
                               "SELECT reserved FROM catalog.stock"
                               " WHERE warehouse_code = $1 AND sku = $2",
                               2, key);

    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }
    json_t *details = json_pack("{s:s, s:s}", "field", "on_hand", "reserved",
                                PQntuples(res) > 0 ? PQgetvalue(res, 0, 0)
                                                   : "0");
    tw_reply_error(req, 409, "conflict", details,
                   "on_hand %s is below the reserved quantity", on_hand);
    PQclear(res);
}


static void
cat_stock_put(tw_req_t *req, void *ctx)
{
    const char *key[] = {tw_req_param(req, "code"), tw_req_param(req, "sku")};
    char entity_id[80];
    cat_value_t on_hand;
    (void) ctx;

    if (!cat_body_parse(req, cat_stock_fields, 1, true, &on_hand)) {
        return;
    }
    const char *params[] = {key[0], key[1], on_hand.text};

    PGresult *res = tw_db_exec(tw_req_db(req), cat_stock_put_sql, 3, params);
    if (res == NULL) {
        cat_reply_db_error(req);
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        cat_stock_refused(req, key, on_hand.text);
        return;
    }
    snprintf(entity_id, sizeof entity_id, "%s/%s", key[0], key[1]);
    cat_audit_reply(req, 200, res, "update", "stock", entity_id,
                    cat_stock_columns, CAT_STOCK_N_COLUMNS);
}


static void
cat_stock_list(tw_req_t *req, void *ctx)
{
    const char *code = tw_req_param(req, "code");
    (void) ctx;

    PGresult *res = tw_db_exec(tw_req_db(req),
                               "SELECT 1 FROM catalog.warehouses"
                               " WHERE code = $1", 1, &code);
    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }
    int found = PQntuples(res);
    PQclear(res);
    if (found == 0) {
        tw_reply_error(req, 404, "not_found",
                       json_pack("{s:s}", "code", code),
                       "no warehouse '%s'", code);
        return;
    }
    cat_reply_list(req,
                   "SELECT " CAT_STOCK_COLUMNS " FROM catalog.stock"
                   " WHERE warehouse_code = $3"
                   " AND ($1::text IS NULL OR sku > $1)"
                   " ORDER BY sku LIMIT $2",
                   &code, 1, cat_stock_columns, CAT_STOCK_N_COLUMNS);
}


tw_rc_t
cat_stock_register(tw_host_t *host)
{
    tw_rc_t rc = tw_route_add(host, "PUT",
                              "/api/v1/warehouses/{code}/stock/{sku}",
                              "catalog.write", cat_stock_put, NULL);

    if (rc == TW_OK) {
        rc = tw_route_add(host, "GET", "/api/v1/warehouses/{code}/stock",
                          "catalog.read", cat_stock_list, NULL);
    }
    return rc;
}
