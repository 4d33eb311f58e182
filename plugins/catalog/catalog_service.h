/*
 * catalog_service.h - the "catalog.v1" service: master data (products,
 * warehouses, stock, dealers, vehicles) as other plugins use it.
 *
 * A caller finds the table once with tw_service_find(CAT_SERVICE_NAME)
 * and checks `size` before using a member added after the first version:
 * the table only ever grows at its end.
 *
 * Every function runs its statements on the caller's connection, inside
 * the caller's transaction (never BEGIN or COMMIT of its own), so a
 * reservation, a charge and the caller's own rows commit or roll back
 * together.  Branch isolation is the caller's: a dealer of a branch the
 * request may not see is TW_ERR_NOT_FOUND, as if it did not exist.
 *
 * Results: TW_OK; TW_ERR_INVALID for a bad argument (NULL, quantity or
 * amount <= 0); TW_ERR_NOT_FOUND for an unknown code; TW_ERR_CONFLICT
 * when the change would break a limit (stock, credit).  A database
 * failure returns tw_db_rc(db) and leaves the failure on `db`, so a
 * request handler answers it with tw_reply_db_error().  The stock and
 * credit changes are each one atomic UPDATE guarded by its WHERE clause:
 * concurrent callers never oversell stock nor pass a credit limit.
 *
 * Text sizes include the terminating NUL.  Codes (SKU, warehouse, dealer)
 * match [A-Z0-9-]{1,32} (SKU) or [A-Z0-9_-]{1,32} (the others); names and
 * regions are UTF-8 of at most 80 and 32 characters; a plate is at most
 * 16 characters of UTF-8 (e.g. "粤B12345").  Volumes are in centilitres
 * (1 l = 100 cl), weights in grams, money in fen.
 */
#ifndef CATALOG_SERVICE_H
#define CATALOG_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewind/db.h"
#include "tradewind/result.h"

#define CAT_SERVICE_NAME "catalog.v1"

#define CAT_CODE_SIZE 33     /* SKU, warehouse, dealer and branch codes */
#define CAT_NAME_SIZE 321    /* 80 characters of up to 4 bytes */
#define CAT_REGION_SIZE 129  /* 32 characters of up to 4 bytes */
#define CAT_PLATE_SIZE 65    /* 16 characters of up to 4 bytes */
#define CAT_CATEGORY_SIZE 16 /* the longest is "water_heater" */

typedef struct cat_product {
    char sku[CAT_CODE_SIZE];
    char name[CAT_NAME_SIZE];
    char category[CAT_CATEGORY_SIZE];
    int64_t volume_cl;
    int64_t weight_g;
    int64_t list_price_fen;
    bool has_floor_price;    /* false when the product has no floor */
    int64_t floor_price_fen; /* 0 when has_floor_price is false */
    bool active;
} cat_product_t;

typedef struct cat_warehouse {
    char code[CAT_CODE_SIZE];
    char name[CAT_NAME_SIZE];
    char region[CAT_REGION_SIZE];
    bool active;
} cat_warehouse_t;

typedef struct cat_dealer {
    char code[CAT_CODE_SIZE];
    char name[CAT_NAME_SIZE];
    int64_t branch_id;
    char branch_code[CAT_CODE_SIZE];
    char region[CAT_REGION_SIZE];
    char warehouse_code[CAT_CODE_SIZE]; /* the default warehouse */
    int32_t discount_bp;                /* 0..10000 */
    int64_t credit_limit_fen;
    int64_t open_amount_fen; /* approved, not yet paid */
    bool active;
} cat_dealer_t;

typedef struct cat_vehicle {
    char plate[CAT_PLATE_SIZE];
    char warehouse_code[CAT_CODE_SIZE];
    int64_t capacity_cl;
    int64_t capacity_g;
} cat_vehicle_t;

/* Called once per vehicle; a result other than TW_OK stops the listing
 * and is returned by vehicles_list. */
typedef tw_rc_t (*cat_vehicle_fn)(const cat_vehicle_t *vehicle, void *ctx);

typedef struct cat_service {
    size_t size; /* sizeof(cat_service_t) of the catalog that registered */

    /* Reads dealer `code` (active or not) into *out; with `lock` the row
     * is locked (SELECT ... FOR UPDATE) until the caller's transaction
     * ends.  TW_ERR_NOT_FOUND for an unknown or invisible dealer. */
    tw_rc_t (*dealer_get)(tw_db_t *db, const char *code, bool lock,
                          cat_dealer_t *out);

    /* Reads product `sku` (active or not).  TW_ERR_NOT_FOUND if none. */
    tw_rc_t (*product_get)(tw_db_t *db, const char *sku,
                           cat_product_t *out);

    /* Reads warehouse `code` (active or not).  TW_ERR_NOT_FOUND if none. */
    tw_rc_t (*warehouse_get)(tw_db_t *db, const char *code,
                             cat_warehouse_t *out);

    /* On hand minus reserved of `sku` at `warehouse`; 0 when the
     * warehouse holds no stock row for it. */
    tw_rc_t (*stock_available)(tw_db_t *db, const char *warehouse,
                               const char *sku, int64_t *available);

    /* Reserves `qty` (> 0).  TW_ERR_CONFLICT when fewer than `qty` are
     * available (also when there is no stock row); nothing changes then. */
    tw_rc_t (*stock_reserve)(tw_db_t *db, const char *warehouse,
                             const char *sku, int64_t qty);

    /* Gives back `qty` reserved.  TW_ERR_CONFLICT when fewer than `qty`
     * are reserved. */
    tw_rc_t (*stock_release)(tw_db_t *db, const char *warehouse,
                             const char *sku, int64_t qty);

    /* Ships `qty` reserved: on hand and reserved both fall by `qty`.
     * TW_ERR_CONFLICT when fewer than `qty` are reserved. */
    tw_rc_t (*stock_ship)(tw_db_t *db, const char *warehouse,
                          const char *sku, int64_t qty);

    /* Adds `amount_fen` (> 0) to the dealer's open amount.
     * TW_ERR_CONFLICT when open amount + amount would pass the credit
     * limit; TW_ERR_NOT_FOUND for an unknown or invisible dealer. */
    tw_rc_t (*dealer_charge)(tw_db_t *db, const char *code,
                             int64_t amount_fen);

    /* Takes `amount_fen` (> 0) off the dealer's open amount, stopping at
     * 0 (a cancelled order after a payment leaves nothing open).
     * TW_ERR_NOT_FOUND for an unknown or invisible dealer. */
    tw_rc_t (*dealer_credit)(tw_db_t *db, const char *code,
                             int64_t amount_fen);

    /* Calls `fn` for each active vehicle of `warehouse`, by plate. */
    tw_rc_t (*vehicles_list)(tw_db_t *db, const char *warehouse,
                             cat_vehicle_fn fn, void *ctx);
} cat_service_t;

#endif
