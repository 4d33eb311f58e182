/*
 * orders.c - the descriptor and init of the `orders` plugin: dealer order
 * entry, automatic review (built-in checks and the order_review rule),
 * manual review, cancellation, lists and history; then the shipping
 * plan, truck loading into trips, dispatch and proof of delivery.
 *
 * It requires `catalog` and uses it only through the "catalog.v1"
 * service, found once at init; the catalog starts first, so the service
 * exists by then.  The service table is static in the catalog and lives
 * as long as the process.
 */
#include <stdio.h>

#include "orders.h"

static const cat_service_t *ord_catalog_service;


const cat_service_t *
ord_catalog(void)
{
    return ord_catalog_service;
}


static tw_rc_t
ord_catalog_find(void)
{
    const cat_service_t *cat = tw_service_find(CAT_SERVICE_NAME);

    /* an older, shorter table would lack members this plugin calls */
    if (cat == NULL || cat->size < sizeof(cat_service_t)) {
        return TW_ERR_NOT_FOUND;
    }
    ord_catalog_service = cat;
    return TW_OK;
}


static tw_rc_t
ord_register_permissions(tw_host_t *host)
{
    static const char *const enter[] = {"order_clerk", NULL};
    static const char *const read[] = {"order_clerk", "order_reviewer",
                                       "logistics", NULL};
    static const char *const review[] = {"order_reviewer", NULL};
    static const char *const cancel[] = {"order_clerk", "order_reviewer",
                                         NULL};
    static const char *const logistics[] = {"logistics", NULL};

    tw_rc_t rc = tw_permission_add(host, "orders.enter",
                                   "enter dealer orders", enter);
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "orders.read", "read orders", read);
    }
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "orders.review",
                               "approve or reject held orders", review);
    }
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "orders.cancel",
                               "cancel orders before shipping", cancel);
    }
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "orders.logistics",
                               "plan trips, dispatch and deliver orders",
                               logistics);
    }
    return rc;
}


static tw_rc_t
ord_register_routes(tw_host_t *host)
{
    static const tw_route_spec_t routes[] = {
        {"POST", "/api/v1/orders", "orders.enter", ord_submit},
        {"GET", "/api/v1/orders", "orders.read", ord_list},
        {"GET", "/api/v1/orders/{id}", "orders.read", ord_show},
        {"POST", "/api/v1/orders/{id}/approve", "orders.review",
         ord_approve},
        {"POST", "/api/v1/orders/{id}/reject", "orders.review", ord_reject},
        {"POST", "/api/v1/orders/{id}/cancel", "orders.cancel", ord_cancel},
        {"POST", "/api/v1/orders/{id}/deliver", "orders.logistics",
         ord_deliver},
        {"GET", "/api/v1/shipping-plan", "orders.read", ord_shipping_plan},
        {"POST", "/api/v1/trips/plan", "orders.logistics", ord_trips_plan},
        {"GET", "/api/v1/trips/{id}", "orders.read", ord_trip_show},
        {"POST", "/api/v1/trips/{id}/dispatch", "orders.logistics",
         ord_trip_dispatch},
        TW_ROUTE_SPEC_END,
    };

    return tw_route_add_table(host, routes);
}


static tw_rc_t
ord_init(tw_host_t *host, char *err, size_t err_size)
{
    if (ord_catalog_find() != TW_OK) {
        snprintf(err, err_size, "the %s service is missing or too old",
                 CAT_SERVICE_NAME);
        return TW_ERR_NOT_FOUND;
    }

    tw_rc_t rc = ord_register_permissions(host);
    if (rc == TW_OK) {
        rc = ord_schema_register(host);
    }
    if (rc == TW_OK) {
        rc = ord_review_hook_register(host);
    }
    if (rc == TW_OK) {
        rc = ord_register_routes(host);
    }
    if (rc == TW_OK) {
        rc = ord_demo_register(host);
    }
    if (rc != TW_OK) {
        snprintf(err, err_size, "registration failed (result %d)", (int) rc);
    }
    return rc;
}


static void
ord_shutdown(void)
{
    ord_catalog_service = NULL;
}


static const char *const ord_requires[] = {"catalog", NULL};

static const tw_plugin_t ord_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "orders",
    .version = "1.0",
    .requires = ord_requires,
    .config_keys = NULL,
    .init = ord_init,
    .shutdown = ord_shutdown,
};

TW_PLUGIN_DEFINE(ord_plugin)
