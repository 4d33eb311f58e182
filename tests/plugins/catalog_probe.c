/*
 * catalog_probe.c - a test plugin that calls the catalog.v1 service
 * (plugins/catalog/catalog_service.h) from HTTP routes, as the orders
 * plugin will, so the integration tests can drive the service inside a
 * real request transaction with branch isolation in force.
 *
 * Routes (any logged-in user):
 *   POST /api/v1/catalog-probe/stock/{op}   {"warehouse","sku","qty"}
 *        op: reserve, release, ship; answers {"available"}
 *   POST /api/v1/catalog-probe/dealers/{code}/{op}   {"amount_fen"}
 *        op: charge, credit; answers the dealer as dealer_get reads it
 *   GET  /api/v1/catalog-probe/products/{sku}
 *   GET  /api/v1/catalog-probe/vehicles?warehouse=CODE
 * A service refusal answers 400, 404 or 409 with the error shape.
 */
#include <stdio.h>
#include <string.h>

#include "../../plugins/catalog/catalog_service.h"
#include "tradewind/tradewind.h"

static const cat_service_t *cat_probe_service;


/* Answers a service result that is not TW_OK; true when it was TW_OK. */
static bool
cat_probe_ok(tw_req_t *req, tw_rc_t rc)
{
    switch (rc) {
    case TW_OK:
        return true;
    case TW_ERR_INVALID:
        tw_reply_error(req, 400, "invalid_input", NULL, "refused");
        return false;
    case TW_ERR_NOT_FOUND:
        tw_reply_error(req, 404, "not_found", NULL, "not found");
        return false;
    case TW_ERR_CONFLICT:
        tw_reply_error(req, 409, "conflict", NULL, "over the limit");
        return false;
    default:
        tw_reply_db_error(req);
        return false;
    }
}


static void
cat_probe_stock(tw_req_t *req, void *ctx)
{
    const json_t *body = tw_req_json(req);
    const char *op = tw_req_param(req, "op");
    const char *warehouse = json_string_value(json_object_get(body,
                                                              "warehouse"));
    const char *sku = json_string_value(json_object_get(body, "sku"));
    int64_t qty = json_integer_value(json_object_get(body, "qty"));
    int64_t available = 0;
    tw_rc_t rc = TW_ERR_INVALID;
    (void) ctx;

    if (strcmp(op, "reserve") == 0) {
        rc = cat_probe_service->stock_reserve(tw_req_db(req), warehouse, sku,
                                              qty);
    } else if (strcmp(op, "release") == 0) {
        rc = cat_probe_service->stock_release(tw_req_db(req), warehouse, sku,
                                              qty);
    } else if (strcmp(op, "ship") == 0) {
        rc = cat_probe_service->stock_ship(tw_req_db(req), warehouse, sku,
                                           qty);
    }
    if (rc == TW_OK) {
        rc = cat_probe_service->stock_available(tw_req_db(req), warehouse,
                                                sku, &available);
    }
    if (cat_probe_ok(req, rc)) {
        tw_reply_json(req, 200, json_pack("{s:I}", "available",
                                          (json_int_t) available));
    }
}


static void
cat_probe_dealer(tw_req_t *req, void *ctx)
{
    const char *code = tw_req_param(req, "code");
    const char *op = tw_req_param(req, "op");
    int64_t amount = json_integer_value(json_object_get(tw_req_json(req),
                                                        "amount_fen"));
    cat_dealer_t dealer;
    tw_rc_t rc = TW_ERR_INVALID;
    (void) ctx;

    if (strcmp(op, "charge") == 0) {
        rc = cat_probe_service->dealer_charge(tw_req_db(req), code, amount);
    } else if (strcmp(op, "credit") == 0) {
        rc = cat_probe_service->dealer_credit(tw_req_db(req), code, amount);
    }
    if (rc == TW_OK) {
        rc = cat_probe_service->dealer_get(tw_req_db(req), code, true,
                                           &dealer);
    }
    if (cat_probe_ok(req, rc)) {
        tw_reply_json(req, 200, json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:i, s:b}", "code", dealer.code,
            "branch", dealer.branch_code, "warehouse", dealer.warehouse_code,
            "open_amount_fen", (json_int_t) dealer.open_amount_fen,
            "credit_limit_fen", (json_int_t) dealer.credit_limit_fen,
            "discount_bp", (int) dealer.discount_bp, "active",
            dealer.active));
    }
}


static void
cat_probe_product(tw_req_t *req, void *ctx)
{
    cat_product_t p;
    (void) ctx;

    tw_rc_t rc = cat_probe_service->product_get(tw_req_db(req),
                                                tw_req_param(req, "sku"), &p);
    if (cat_probe_ok(req, rc)) {
        tw_reply_json(req, 200, json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:o, s:b}", "sku", p.sku, "category",
            p.category, "volume_cl", (json_int_t) p.volume_cl, "weight_g",
            (json_int_t) p.weight_g, "list_price_fen",
            (json_int_t) p.list_price_fen, "floor_price_fen",
            p.has_floor_price ? json_integer(p.floor_price_fen) : json_null(),
            "active", p.active));
    }
}


static tw_rc_t
cat_probe_vehicle(const cat_vehicle_t *vehicle, void *ctx)
{
    json_t *list = ctx;

    json_array_append_new(list, json_pack(
        "{s:s, s:I, s:I}", "plate", vehicle->plate, "capacity_cl",
        (json_int_t) vehicle->capacity_cl, "capacity_g",
        (json_int_t) vehicle->capacity_g));
    return TW_OK;
}


static void
cat_probe_vehicles(tw_req_t *req, void *ctx)
{
    json_t *list = json_array();
    (void) ctx;

    tw_rc_t rc = cat_probe_service->vehicles_list(
        tw_req_db(req), tw_req_query(req, "warehouse"), cat_probe_vehicle,
        list);
    if (cat_probe_ok(req, rc)) {
        tw_reply_json(req, 200, json_pack("{s:O}", "items", list));
    }
    json_decref(list);
}


static tw_rc_t
cat_probe_init(tw_host_t *host, char *err, size_t err_size)
{
    static const tw_route_spec_t routes[] = {
        {"POST", "/api/v1/catalog-probe/stock/{op}", TW_PERM_LOGIN,
         cat_probe_stock},
        {"POST", "/api/v1/catalog-probe/dealers/{code}/{op}", TW_PERM_LOGIN,
         cat_probe_dealer},
        {"GET", "/api/v1/catalog-probe/products/{sku}", TW_PERM_LOGIN,
         cat_probe_product},
        {"GET", "/api/v1/catalog-probe/vehicles", TW_PERM_LOGIN,
         cat_probe_vehicles},
        TW_ROUTE_SPEC_END,
    };

    cat_probe_service = tw_service_find(CAT_SERVICE_NAME);
    if (cat_probe_service == NULL ||
        cat_probe_service->size < sizeof(cat_service_t)) {
        snprintf(err, err_size, "the catalog.v1 service is missing or old");
        return TW_ERR_STATE;
    }
    return tw_route_add_table(host, routes);
}


static const char *const cat_probe_requires[] = {"catalog", NULL};

static const tw_plugin_t cat_probe_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "catalog_probe",
    .version = "1.0",
    .requires = cat_probe_requires,
    .init = cat_probe_init,
};

TW_PLUGIN_DEFINE(cat_probe_plugin)
