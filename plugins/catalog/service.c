/*
 * service.c - the "catalog.v1" service (catalog_service.h) that orders
 * and later domains call with their own connection.
 *
 * Nothing here opens or ends a transaction: every statement runs in the
 * caller's.  Each stock or credit change is one UPDATE whose WHERE clause
 * holds the limit, so PostgreSQL's row lock serialises concurrent callers
 * and the loser sees the winner's row: nothing oversells, no dealer
 * passes the credit limit, whatever the isolation level.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "catalog_service.h"

#define CAT_SVC_DEALER_SELECT                                            \
    "SELECT code, name, branch_id,"                                      \
    " (SELECT b.code FROM core.branches b WHERE b.id = d.branch_id),"    \
    " region, warehouse_code, discount_bp, credit_limit_fen,"            \
    " open_amount_fen, active FROM catalog.dealers d WHERE code = $1"

/* The decimal text of an int64 for a SQL parameter. */
typedef struct cat_svc_int {
    char text[24];
} cat_svc_int_t;


static cat_svc_int_t
cat_svc_int(int64_t n)
{
    cat_svc_int_t out;

    snprintf(out.text, sizeof out.text, "%lld", (long long) n);
    return out;
}


/* Copies column `col` of the first row into `dst` of `size` bytes. */
static void
cat_svc_text(char *dst, size_t size, const PGresult *res, int col)
{
    snprintf(dst, size, "%s", PQgetvalue(res, 0, col));
}


static int64_t
cat_svc_int_at(const PGresult *res, int col)
{
    return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}


/* Runs a query for one row by key; TW_ERR_NOT_FOUND without one.  On
 * TW_OK *res holds the row (the caller frees it). */
static tw_rc_t
cat_svc_row(tw_db_t *db, const char *sql, int n, const char *const *params,
            PGresult **res)
{
    *res = tw_db_exec(db, sql, n, params);
    if (*res == NULL) {
        return tw_db_rc(db);
    }
    if (PQntuples(*res) == 0) {
        PQclear(*res);
        *res = NULL;
        return TW_ERR_NOT_FOUND;
    }
    return TW_OK;
}


static tw_rc_t
cat_svc_dealer_get(tw_db_t *db, const char *code, bool lock,
                   cat_dealer_t *out)
{
    PGresult *res;

    if (code == NULL || out == NULL) {
        return TW_ERR_INVALID;
    }
    tw_rc_t rc = cat_svc_row(db, lock ? CAT_SVC_DEALER_SELECT " FOR UPDATE"
                                      : CAT_SVC_DEALER_SELECT,
                             1, &code, &res);
    if (rc != TW_OK) {
        return rc;
    }

    memset(out, 0, sizeof *out);
    cat_svc_text(out->code, sizeof out->code, res, 0);
    cat_svc_text(out->name, sizeof out->name, res, 1);
    out->branch_id = cat_svc_int_at(res, 2);
    cat_svc_text(out->branch_code, sizeof out->branch_code, res, 3);
    cat_svc_text(out->region, sizeof out->region, res, 4);
    cat_svc_text(out->warehouse_code, sizeof out->warehouse_code, res, 5);
    out->discount_bp = (int32_t) cat_svc_int_at(res, 6);
    out->credit_limit_fen = cat_svc_int_at(res, 7);
    out->open_amount_fen = cat_svc_int_at(res, 8);
    out->active = PQgetvalue(res, 0, 9)[0] == 't';
    PQclear(res);
    return TW_OK;
}


static tw_rc_t
cat_svc_product_get(tw_db_t *db, const char *sku, cat_product_t *out)
{
    PGresult *res;

    if (sku == NULL || out == NULL) {
        return TW_ERR_INVALID;
    }
    tw_rc_t rc = cat_svc_row(db,
                             "SELECT sku, name, category, volume_cl, weight_g,"
                             " list_price_fen, floor_price_fen, active"
                             " FROM catalog.products WHERE sku = $1",
                             1, &sku, &res);
    if (rc != TW_OK) {
        return rc;
    }

    memset(out, 0, sizeof *out);
    cat_svc_text(out->sku, sizeof out->sku, res, 0);
    cat_svc_text(out->name, sizeof out->name, res, 1);
    cat_svc_text(out->category, sizeof out->category, res, 2);
    out->volume_cl = cat_svc_int_at(res, 3);
    out->weight_g = cat_svc_int_at(res, 4);
    out->list_price_fen = cat_svc_int_at(res, 5);
    out->has_floor_price = !PQgetisnull(res, 0, 6);
    out->floor_price_fen = out->has_floor_price ? cat_svc_int_at(res, 6) : 0;
    out->active = PQgetvalue(res, 0, 7)[0] == 't';
    PQclear(res);
    return TW_OK;
}


static tw_rc_t
cat_svc_warehouse_get(tw_db_t *db, const char *code, cat_warehouse_t *out)
{
    PGresult *res;

    if (code == NULL || out == NULL) {
        return TW_ERR_INVALID;
    }
    tw_rc_t rc = cat_svc_row(db,
                             "SELECT code, name, region, active"
                             " FROM catalog.warehouses WHERE code = $1",
                             1, &code, &res);
    if (rc != TW_OK) {
        return rc;
    }

    memset(out, 0, sizeof *out);
    cat_svc_text(out->code, sizeof out->code, res, 0);
    cat_svc_text(out->name, sizeof out->name, res, 1);
    cat_svc_text(out->region, sizeof out->region, res, 2);
    out->active = PQgetvalue(res, 0, 3)[0] == 't';
    PQclear(res);
    return TW_OK;
}


static tw_rc_t
cat_svc_stock_available(tw_db_t *db, const char *warehouse, const char *sku,
                        int64_t *available)
{
    const char *params[] = {warehouse, sku};
    PGresult *res;

    if (warehouse == NULL || sku == NULL || available == NULL) {
        return TW_ERR_INVALID;
    }
    tw_rc_t rc = cat_svc_row(db,
                             "SELECT on_hand - reserved FROM catalog.stock"
                             " WHERE warehouse_code = $1 AND sku = $2",
                             2, params, &res);
    *available = 0;
    if (rc == TW_OK) {
        *available = cat_svc_int_at(res, 0);
        PQclear(res);
    }
    return rc == TW_ERR_NOT_FOUND ? TW_OK : rc;
}


/* Runs a guarded UPDATE of one stock row with $3 = qty: TW_OK when it
 * changed the row, TW_ERR_CONFLICT when the guard (or a missing row)
 * left it alone. */
static tw_rc_t
cat_svc_stock_update(tw_db_t *db, const char *sql, const char *warehouse,
                     const char *sku, int64_t qty)
{
    cat_svc_int_t n = cat_svc_int(qty);
    const char *params[] = {warehouse, sku, n.text};

    if (warehouse == NULL || sku == NULL || qty <= 0) {
        return TW_ERR_INVALID;
    }

    PGresult *res = tw_db_exec(db, sql, 3, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    tw_rc_t rc = strcmp(PQcmdTuples(res), "1") == 0 ? TW_OK
                                                     : TW_ERR_CONFLICT;
    PQclear(res);
    return rc;
}


static tw_rc_t
cat_svc_stock_reserve(tw_db_t *db, const char *warehouse, const char *sku,
                      int64_t qty)
{
    return cat_svc_stock_update(db,
                                "UPDATE catalog.stock"
                                " SET reserved = reserved + $3,"
                                " updated_at = now()"
                                " WHERE warehouse_code = $1 AND sku = $2"
                                " AND on_hand - reserved >= $3",
                                warehouse, sku, qty);
}


static tw_rc_t
cat_svc_stock_release(tw_db_t *db, const char *warehouse, const char *sku,
                      int64_t qty)
{
    return cat_svc_stock_update(db,
                                "UPDATE catalog.stock"
                                " SET reserved = reserved - $3,"
                                " updated_at = now()"
                                " WHERE warehouse_code = $1 AND sku = $2"
                                " AND reserved >= $3",
                                warehouse, sku, qty);
}


static tw_rc_t
cat_svc_stock_ship(tw_db_t *db, const char *warehouse, const char *sku,
                   int64_t qty)
{
    return cat_svc_stock_update(db,
                                "UPDATE catalog.stock"
                                " SET on_hand = on_hand - $3,"
                                " reserved = reserved - $3,"
                                " updated_at = now()"
                                " WHERE warehouse_code = $1 AND sku = $2"
                                " AND reserved >= $3",
                                warehouse, sku, qty);
}


/* Runs a guarded UPDATE of one dealer with $2 = amount: TW_OK when it
 * changed the row; otherwise TW_ERR_NOT_FOUND for a dealer the caller
 * cannot see, TW_ERR_CONFLICT when the guard refused. */
static tw_rc_t
cat_svc_dealer_update(tw_db_t *db, const char *sql, const char *code,
                      int64_t amount_fen)
{
    cat_svc_int_t amount = cat_svc_int(amount_fen);
    const char *params[] = {code, amount.text};
    PGresult *res;

    if (code == NULL || amount_fen <= 0) {
        return TW_ERR_INVALID;
    }
    res = tw_db_exec(db, sql, 2, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    bool changed = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (changed) {
        return TW_OK;
    }

    tw_rc_t rc = cat_svc_row(db, "SELECT 1 FROM catalog.dealers"
                                 " WHERE code = $1", 1, &code, &res);
    PQclear(res);
    return rc == TW_OK ? TW_ERR_CONFLICT : rc;
}


static tw_rc_t
cat_svc_dealer_charge(tw_db_t *db, const char *code, int64_t amount_fen)
{
    return cat_svc_dealer_update(db,
                                 "UPDATE catalog.dealers"
                                 " SET open_amount_fen = open_amount_fen + $2,"
                                 " updated_at = now()"
                                 " WHERE code = $1"
                                 " AND open_amount_fen + $2"
                                 "     <= credit_limit_fen",
                                 code, amount_fen);
}


static tw_rc_t
cat_svc_dealer_credit(tw_db_t *db, const char *code, int64_t amount_fen)
{
    return cat_svc_dealer_update(db,
                                 "UPDATE catalog.dealers"
                                 " SET open_amount_fen ="
                                 "     greatest(open_amount_fen - $2, 0),"
                                 " updated_at = now()"
                                 " WHERE code = $1",
                                 code, amount_fen);
}


static tw_rc_t
cat_svc_vehicles_list(tw_db_t *db, const char *warehouse, cat_vehicle_fn fn,
                      void *ctx)
{
    cat_vehicle_t vehicle;
    tw_rc_t rc = TW_OK;

    if (warehouse == NULL || fn == NULL) {
        return TW_ERR_INVALID;
    }
    PGresult *res = tw_db_exec(db,
                               "SELECT plate, warehouse_code, capacity_cl,"
                               " capacity_g FROM catalog.vehicles"
                               " WHERE warehouse_code = $1 AND active"
                               " ORDER BY plate", 1, &warehouse);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    for (int row = 0; row < PQntuples(res) && rc == TW_OK; row++) {
        memset(&vehicle, 0, sizeof vehicle);
        snprintf(vehicle.plate, sizeof vehicle.plate, "%s",
                 PQgetvalue(res, row, 0));
        snprintf(vehicle.warehouse_code, sizeof vehicle.warehouse_code, "%s",
                 PQgetvalue(res, row, 1));
        vehicle.capacity_cl = strtoll(PQgetvalue(res, row, 2), NULL, 10);
        vehicle.capacity_g = strtoll(PQgetvalue(res, row, 3), NULL, 10);
        rc = fn(&vehicle, ctx);
    }
    PQclear(res);
    return rc;
}


static const cat_service_t cat_service = {
    .size = sizeof(cat_service_t),
    .dealer_get = cat_svc_dealer_get,
    .product_get = cat_svc_product_get,
    .warehouse_get = cat_svc_warehouse_get,
    .stock_available = cat_svc_stock_available,
    .stock_reserve = cat_svc_stock_reserve,
    .stock_release = cat_svc_stock_release,
    .stock_ship = cat_svc_stock_ship,
    .dealer_charge = cat_svc_dealer_charge,
    .dealer_credit = cat_svc_dealer_credit,
    .vehicles_list = cat_svc_vehicles_list,
};


tw_rc_t
cat_service_register(tw_host_t *host)
{
    return tw_service_register(host, CAT_SERVICE_NAME, &cat_service);
}
