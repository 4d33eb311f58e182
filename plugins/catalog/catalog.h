/*
 * catalog.h - what the files of the catalog plugin share: field
 * descriptions that validate JSON bodies and CSV cells alike, column
 * descriptions that turn result rows into JSON, and the generic create,
 * read, update and list handlers every master-data entity uses.
 *
 * Nothing here is exported: the plugin is built with hidden visibility,
 * and other plugins see only catalog_service.h.  Every value handed to
 * SQL is a parameter; the SQL texts are constants of this plugin.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewind/tradewind.h"

#define CAT_PAGE_DEFAULT 50
#define CAT_PAGE_MAX 200
#define CAT_VALUE_SIZE 400 /* canonical text of one value, NUL included */
#define CAT_MONEY_MAX INT64_C(100000000000000) /* fen: 1e12 CNY */
#define CAT_CL_MAX INT64_C(100000000)          /* 1,000,000 litres */
#define CAT_GRAMS_MAX INT64_C(1000000000)      /* 1,000 tonnes */
#define CAT_COUNT_MAX INT64_C(1000000000000)   /* pieces of one SKU */

/* A timestamptz column as RFC 3339 text in UTC. */
#define CAT_TS(col)                                                      \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* What a field holds, and so how its input is checked. */
typedef enum cat_kind {
    CAT_KIND_SKU,      /* [A-Z0-9-]{1,32} */
    CAT_KIND_CODE,     /* [A-Z0-9_-]{1,32}: warehouses, dealers */
    CAT_KIND_BRANCH,   /* a branch code, resolved to its id */
    CAT_KIND_NAME,     /* 1..80 characters */
    CAT_KIND_REGION,   /* 1..32 characters */
    CAT_KIND_PLATE,    /* 1..16 characters, no white space */
    CAT_KIND_CATEGORY, /* one of cat_categories */
    CAT_KIND_INT,      /* an integer in [min, max] */
    CAT_KIND_LITRES,   /* litres, at most 2 decimals; stored in cl */
    CAT_KIND_BOOL
} cat_kind_t;

#define CAT_F_REQUIRED 1u /* must be given on create */
#define CAT_F_NULLABLE 2u /* JSON null or an empty cell means none */
#define CAT_F_FIXED 4u    /* set on create only (keys, a dealer's branch) */

typedef struct cat_field {
    const char *name; /* JSON member and CSV column */
    cat_kind_t kind;
    unsigned flags;
    int64_t min; /* CAT_KIND_INT and CAT_KIND_LITRES (in cl) */
    int64_t max;
} cat_field_t;

/* One parsed field: canonical text for SQL (an id for a branch, cl for
 * litres, "t"/"f" for a bool). */
typedef struct cat_value {
    bool present;
    bool null;
    char text[CAT_VALUE_SIZE];
} cat_value_t;

/* How one result column becomes a JSON member. */
typedef enum cat_out {
    CAT_OUT_TEXT,
    CAT_OUT_INT,
    CAT_OUT_INT_OR_NULL,
    CAT_OUT_LITRES, /* a cl column answered in litres */
    CAT_OUT_BOOL
} cat_out_t;

typedef struct cat_column {
    const char *name;
    cat_out_t out;
} cat_column_t;

/* A master-data entity served by the generic handlers (entity.c).
 * insert_sql takes every field, in order, as $1..$n.  update_sql takes
 * the key as $1, then for each field that is not CAT_F_FIXED two
 * parameters: "t"/"f" (was it given) and its value.  get_sql takes the
 * key; list_sql takes $1 after (NULL first), $2 the row limit, then one
 * parameter per filter (NULL when absent).  Each returns `columns`,
 * the key first. */
typedef struct cat_entity {
    const char *name;  /* "product": audit entity and messages */
    const char *param; /* path parameter of the key: "sku" */
    const cat_field_t *fields; /* the key first */
    size_t n_fields;
    const cat_column_t *columns;
    size_t n_columns;
    const char *const *filters; /* query arguments of the list, NULL end */
    const char *insert_sql;
    const char *update_sql;
    const char *get_sql;
    const char *list_sql;
} cat_entity_t;

/* The product categories, NULL-terminated. */
extern const char *const cat_categories[];

/* fields.c */
bool cat_field_parse_text(const cat_field_t *field, const char *text,
                          cat_value_t *value, char *err, size_t err_size);
bool cat_body_parse(tw_req_t *req, const cat_field_t *fields, size_t n,
                    bool create, cat_value_t *values);
const char *cat_value_param(const cat_value_t *value);
void cat_reply_invalid(tw_req_t *req, const char *field, const char *fmt,
                       ...) __attribute__((format(printf, 3, 4)));
void cat_reply_db_error(tw_req_t *req);

/* rows.c */
json_t *cat_row_json(const PGresult *res, int row,
                     const cat_column_t *columns, size_t n_columns);
void cat_reply_rows(tw_req_t *req, unsigned status, PGresult *res,
                    const cat_column_t *columns, size_t n_columns,
                    const char *missing);
bool cat_query_bool(tw_req_t *req, const char *name, const char **text);
void cat_reply_list(tw_req_t *req, const char *sql, const char *const *extra,
                    int n_extra, const cat_column_t *columns,
                    size_t n_columns);

/* entity.c */
tw_rc_t cat_entity_routes(tw_host_t *host, const char *collection,
                          const cat_entity_t *entity);
void cat_audit_reply(tw_req_t *req, unsigned status, PGresult *res,
                     const char *action, const char *entity,
                     const char *entity_id, const cat_column_t *columns,
                     size_t n_columns);

/* One registration function per file. */
tw_rc_t cat_schema_register(tw_host_t *host);
tw_rc_t cat_products_register(tw_host_t *host);
tw_rc_t cat_warehouses_register(tw_host_t *host);
tw_rc_t cat_stock_register(tw_host_t *host);
tw_rc_t cat_dealers_register(tw_host_t *host);
tw_rc_t cat_vehicles_register(tw_host_t *host);
tw_rc_t cat_imports_register(tw_host_t *host);
tw_rc_t cat_service_register(tw_host_t *host);
tw_rc_t cat_demo_register(tw_host_t *host);

/* The field tables the imports share with the routes. */
extern const cat_entity_t cat_product_entity;
extern const cat_entity_t cat_dealer_entity;

#endif
