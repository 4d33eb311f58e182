/*
 * catalog.c - the `catalog` plugin: master data that orders and later
 * domains reuse (products, warehouses and stock, dealers and their
 * payments, vehicles).  This file holds the descriptor and init, which
 * registers what the other files provide.
 *
 * Permissions: catalog.read (catalog_admin, order_clerk, order_reviewer,
 * logistics), catalog.write (catalog_admin), catalog.payments
 * (catalog_admin, order_reviewer).  Everything is registered during init
 * and kept in constant tables, so the plugin holds no mutable state.
 */
#include <stdio.h>

#include "catalog.h"

typedef tw_rc_t (*cat_register_fn)(tw_host_t *host);


static tw_rc_t
cat_permissions_register(tw_host_t *host)
{
    static const char *const readers[] = {
        "catalog_admin", "order_clerk", "order_reviewer", "logistics", NULL,
    };
    static const char *const writers[] = {"catalog_admin", NULL};
    static const char *const cashiers[] = {"catalog_admin", "order_reviewer",
                                           NULL};

    tw_rc_t rc = tw_permission_add(host, "catalog.read",
                                   "read products, warehouses, stock, "
                                   "dealers and vehicles", readers);
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "catalog.write",
                               "change the master data", writers);
    }
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "catalog.payments",
                               "record dealer payments", cashiers);
    }
    return rc;
}


static tw_rc_t
cat_init(tw_host_t *host, char *err, size_t err_size)
{
    static const struct {
        const char *what;
        cat_register_fn fn;
    } steps[] = {
        {"permissions", cat_permissions_register},
        {"migrations", cat_schema_register},
        {"product routes", cat_products_register},
        {"warehouse routes", cat_warehouses_register},
        {"stock routes", cat_stock_register},
        {"dealer routes", cat_dealers_register},
        {"vehicle routes", cat_vehicles_register},
        {"import command", cat_imports_register},
        {"catalog.v1 service", cat_service_register},
        {"demo data generator", cat_demo_register},
    };

    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        tw_rc_t rc = steps[i].fn(host);

        if (rc != TW_OK) {
            snprintf(err, err_size, "registering the %s failed (result %d)",
                     steps[i].what, (int) rc);
            return rc;
        }
    }
    return TW_OK;
}


static const tw_plugin_t cat_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "catalog",
    .version = "1.0",
    .requires = NULL,
    .config_keys = NULL,
    .init = cat_init,
    .shutdown = NULL,
};

TW_PLUGIN_DEFINE(cat_plugin)
