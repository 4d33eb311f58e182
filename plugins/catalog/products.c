/*
 * products.c - the product master: /api/v1/products and its items,
 * addressed by SKU.  Volumes travel as litres (volume_l, at most 2
 * decimals) and are stored as centilitres; prices are integer fen, the
 * floor price optional and never above the list price.
 */
#include "catalog.h"

#define CAT_PRODUCT_COLUMNS                                              \
    "sku, name, category, volume_cl, weight_g, list_price_fen, "         \
    "floor_price_fen, active, " CAT_TS("created_at") ", "                \
    CAT_TS("updated_at")

static const cat_field_t cat_product_fields[] = {
    {"sku", CAT_KIND_SKU, CAT_F_REQUIRED | CAT_F_FIXED, 0, 0},
    {"name", CAT_KIND_NAME, CAT_F_REQUIRED, 0, 0},
    {"category", CAT_KIND_CATEGORY, CAT_F_REQUIRED, 0, 0},
    {"volume_l", CAT_KIND_LITRES, CAT_F_REQUIRED, 1, CAT_CL_MAX},
    {"weight_g", CAT_KIND_INT, CAT_F_REQUIRED, 1, CAT_GRAMS_MAX},
    {"list_price_fen", CAT_KIND_INT, CAT_F_REQUIRED, 0, CAT_MONEY_MAX},
    {"floor_price_fen", CAT_KIND_INT, CAT_F_NULLABLE, 0, CAT_MONEY_MAX},
    {"active", CAT_KIND_BOOL, 0, 0, 0},
};

static const cat_column_t cat_product_columns[] = {
    {"sku", CAT_OUT_TEXT},
    {"name", CAT_OUT_TEXT},
    {"category", CAT_OUT_TEXT},
    {"volume_l", CAT_OUT_LITRES},
    {"weight_g", CAT_OUT_INT},
    {"list_price_fen", CAT_OUT_INT},
    {"floor_price_fen", CAT_OUT_INT_OR_NULL},
    {"active", CAT_OUT_BOOL},
    {"created_at", CAT_OUT_TEXT},
    {"updated_at", CAT_OUT_TEXT},
};

static const char *const cat_product_filters[] = {"category", "active",
                                                  NULL};

const cat_entity_t cat_product_entity = {
    .name = "product",
    .param = "sku",
    .fields = cat_product_fields,
    .n_fields = sizeof cat_product_fields / sizeof cat_product_fields[0],
    .columns = cat_product_columns,
    .n_columns = sizeof cat_product_columns / sizeof cat_product_columns[0],
    .filters = cat_product_filters,
    .insert_sql =
        "INSERT INTO catalog.products (sku, name, category, volume_cl,"
        " weight_g, list_price_fen, floor_price_fen, active)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::boolean, true))"
        " RETURNING " CAT_PRODUCT_COLUMNS,
    .update_sql =
        "UPDATE catalog.products SET"
        " name = CASE WHEN $2 THEN $3 ELSE name END,"
        " category = CASE WHEN $4 THEN $5 ELSE category END,"
        " volume_cl = CASE WHEN $6 THEN $7::bigint ELSE volume_cl END,"
        " weight_g = CASE WHEN $8 THEN $9::bigint ELSE weight_g END,"
        " list_price_fen = CASE WHEN $10 THEN $11::bigint"
        "     ELSE list_price_fen END,"
        " floor_price_fen = CASE WHEN $12 THEN $13::bigint"
        "     ELSE floor_price_fen END,"
        " active = CASE WHEN $14 THEN $15::boolean ELSE active END,"
        " updated_at = now()"
        " WHERE sku = $1 RETURNING " CAT_PRODUCT_COLUMNS,
    .get_sql = "SELECT " CAT_PRODUCT_COLUMNS
               " FROM catalog.products WHERE sku = $1",
    .list_sql = "SELECT " CAT_PRODUCT_COLUMNS " FROM catalog.products"
                " WHERE ($1::text IS NULL OR sku > $1)"
                " AND ($3::text IS NULL OR category = $3)"
                " AND ($4::boolean IS NULL OR active = $4)"
                " ORDER BY sku LIMIT $2",
};


tw_rc_t
cat_products_register(tw_host_t *host)
{
    return cat_entity_routes(host, "/api/v1/products", &cat_product_entity);
}
