/*
 * warehouses.c - the warehouse master: /api/v1/warehouses and its items,
 * addressed by code.  Stock per warehouse lives in stock.c.
 */
#include "catalog.h"

#define CAT_WAREHOUSE_COLUMNS                                            \
    "code, name, region, active, " CAT_TS("created_at") ", "             \
    CAT_TS("updated_at")

static const cat_field_t cat_warehouse_fields[] = {
    {"code", CAT_KIND_CODE, CAT_F_REQUIRED | CAT_F_FIXED, 0, 0},
    {"name", CAT_KIND_NAME, CAT_F_REQUIRED, 0, 0},
    {"region", CAT_KIND_REGION, CAT_F_REQUIRED, 0, 0},
    {"active", CAT_KIND_BOOL, 0, 0, 0},
};

static const cat_column_t cat_warehouse_columns[] = {
    {"code", CAT_OUT_TEXT},
    {"name", CAT_OUT_TEXT},
    {"region", CAT_OUT_TEXT},
    {"active", CAT_OUT_BOOL},
    {"created_at", CAT_OUT_TEXT},
    {"updated_at", CAT_OUT_TEXT},
};

static const char *const cat_warehouse_filters[] = {"active", NULL};

static const cat_entity_t cat_warehouse_entity = {
    .name = "warehouse",
    .param = "code",
    .fields = cat_warehouse_fields,
    .n_fields = sizeof cat_warehouse_fields / sizeof cat_warehouse_fields[0],
    .columns = cat_warehouse_columns,
    .n_columns =
        sizeof cat_warehouse_columns / sizeof cat_warehouse_columns[0],
    .filters = cat_warehouse_filters,
    .insert_sql =
        "INSERT INTO catalog.warehouses (code, name, region, active)"
        " VALUES ($1, $2, $3, coalesce($4::boolean, true))"
        " RETURNING " CAT_WAREHOUSE_COLUMNS,
    .update_sql =
        "UPDATE catalog.warehouses SET"
        " name = CASE WHEN $2 THEN $3 ELSE name END,"
        " region = CASE WHEN $4 THEN $5 ELSE region END,"
        " active = CASE WHEN $6 THEN $7::boolean ELSE active END,"
        " updated_at = now()"
        " WHERE code = $1 RETURNING " CAT_WAREHOUSE_COLUMNS,
    .get_sql = "SELECT " CAT_WAREHOUSE_COLUMNS
               " FROM catalog.warehouses WHERE code = $1",
    .list_sql = "SELECT " CAT_WAREHOUSE_COLUMNS " FROM catalog.warehouses"
                " WHERE ($1::text IS NULL OR code > $1)"
                " AND ($3::boolean IS NULL OR active = $3)"
                " ORDER BY code LIMIT $2",
};


tw_rc_t
cat_warehouses_register(tw_host_t *host)
{
    return cat_entity_routes(host, "/api/v1/warehouses",
                             &cat_warehouse_entity);
}
