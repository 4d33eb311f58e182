/*
 * vehicles.c - the fleet: /api/v1/vehicles and its items, addressed by
 * plate.  Capacities travel as litres (capacity_l, stored as
 * centilitres) and grams.
 */
#include "catalog.h"

#define CAT_VEHICLE_COLUMNS                                              \
    "plate, warehouse_code, capacity_cl, capacity_g, active, "           \
    CAT_TS("created_at") ", " CAT_TS("updated_at")

static const cat_field_t cat_vehicle_fields[] = {
    {"plate", CAT_KIND_PLATE, CAT_F_REQUIRED | CAT_F_FIXED, 0, 0},
    {"warehouse", CAT_KIND_CODE, CAT_F_REQUIRED, 0, 0},
    {"capacity_l", CAT_KIND_LITRES, CAT_F_REQUIRED, 1, CAT_CL_MAX},
    {"capacity_g", CAT_KIND_INT, CAT_F_REQUIRED, 1, CAT_GRAMS_MAX},
    {"active", CAT_KIND_BOOL, 0, 0, 0},
};

static const cat_column_t cat_vehicle_columns[] = {
    {"plate", CAT_OUT_TEXT},
    {"warehouse", CAT_OUT_TEXT},
    {"capacity_l", CAT_OUT_LITRES},
    {"capacity_g", CAT_OUT_INT},
    {"active", CAT_OUT_BOOL},
    {"created_at", CAT_OUT_TEXT},
    {"updated_at", CAT_OUT_TEXT},
};

static const char *const cat_vehicle_filters[] = {"warehouse", "active",
                                                  NULL};

static const cat_entity_t cat_vehicle_entity = {
    .name = "vehicle",
    .param = "plate",
    .fields = cat_vehicle_fields,
    .n_fields = sizeof cat_vehicle_fields / sizeof cat_vehicle_fields[0],
    .columns = cat_vehicle_columns,
    .n_columns = sizeof cat_vehicle_columns / sizeof cat_vehicle_columns[0],
    .filters = cat_vehicle_filters,
    .insert_sql =
        "INSERT INTO catalog.vehicles (plate, warehouse_code, capacity_cl,"
        " capacity_g, active)"
        " VALUES ($1, $2, $3, $4, coalesce($5::boolean, true))"
        " RETURNING " CAT_VEHICLE_COLUMNS,
    .update_sql =
        "UPDATE catalog.vehicles SET"
        " warehouse_code = CASE WHEN $2 THEN $3 ELSE warehouse_code END,"
        " capacity_cl = CASE WHEN $4 THEN $5::bigint ELSE capacity_cl END,"
        " capacity_g = CASE WHEN $6 THEN $7::bigint ELSE capacity_g END,"
        " active = CASE WHEN $8 THEN $9::boolean ELSE active END,"
        " updated_at = now()"
        " WHERE plate = $1 RETURNING " CAT_VEHICLE_COLUMNS,
    .get_sql = "SELECT " CAT_VEHICLE_COLUMNS
               " FROM catalog.vehicles WHERE plate = $1",
    .list_sql = "SELECT " CAT_VEHICLE_COLUMNS " FROM catalog.vehicles"
                " WHERE ($1::text IS NULL OR plate > $1)"
                " AND ($3::text IS NULL OR warehouse_code = $3)"
                " AND ($4::boolean IS NULL OR active = $4)"
                " ORDER BY plate LIMIT $2",
};


tw_rc_t
cat_vehicles_register(tw_host_t *host)
{
    return cat_entity_routes(host, "/api/v1/vehicles", &cat_vehicle_entity);
}
