/*
 * schema.c - the migrations of the `catalog` schema.
 *
 * Each migration runs once, in order, in its own transaction with the
 * search_path set to `catalog`; the core then adds branch isolation to
 * every table with a branch_id (dealers, dealer_payments) and grants the
 * request role its access.  Constraints carry names because fields.c
 * answers a refusal by naming the field its constraint guards.  A
 * migration never changes once released: add a new version instead.
 */
#include "catalog.h"

static const char cat_schema_v1[] =
    "CREATE TABLE products ("
    "    sku text CONSTRAINT products_pkey PRIMARY KEY"
    "        CONSTRAINT products_sku_format"
    "        CHECK (sku ~ '^[A-Z0-9-]{1,32}$'),"
    "    name text NOT NULL CONSTRAINT products_name_length"
    "        CHECK (char_length(name) BETWEEN 1 AND 80),"
    "    category text NOT NULL CONSTRAINT products_category_known"
    "        CHECK (category IN ('fan', 'heater', 'air_purifier', 'kitchen',"
    "                            'humidifier', 'water_heater', 'other')),"
    "    volume_cl bigint NOT NULL CONSTRAINT products_volume_positive"
    "        CHECK (volume_cl > 0),"
    "    weight_g bigint NOT NULL CONSTRAINT products_weight_positive"
    "        CHECK (weight_g > 0),"
    "    list_price_fen bigint NOT NULL CONSTRAINT products_list_price_range"
    "        CHECK (list_price_fen >= 0),"
    "    floor_price_fen bigint CONSTRAINT products_floor_price_range"
    "        CHECK (floor_price_fen BETWEEN 0 AND list_price_fen),"
    "    active boolean NOT NULL DEFAULT true,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    updated_at timestamptz NOT NULL DEFAULT now()"
    ");"
    "CREATE INDEX products_category ON products (category, sku);"

    "CREATE TABLE warehouses ("
    "    code text CONSTRAINT warehouses_pkey PRIMARY KEY"
    "        CONSTRAINT warehouses_code_format"
    "        CHECK (code ~ '^[A-Z0-9_-]{1,32}$'),"
    "    name text NOT NULL CONSTRAINT warehouses_name_length"
    "        CHECK (char_length(name) BETWEEN 1 AND 80),"
    "    region text NOT NULL CONSTRAINT warehouses_region_length"
    "        CHECK (char_length(region) BETWEEN 1 AND 32),"
    "    active boolean NOT NULL DEFAULT true,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    updated_at timestamptz NOT NULL DEFAULT now()"
    ");"

    /* available = on_hand - reserved can never go below 0 */
    "CREATE TABLE stock ("
    "    warehouse_code text NOT NULL CONSTRAINT stock_warehouse_fk"
    "        REFERENCES warehouses,"
    "    sku text NOT NULL CONSTRAINT stock_sku_fk REFERENCES products,"
    "    on_hand bigint NOT NULL DEFAULT 0 CONSTRAINT stock_on_hand_range"
    "        CHECK (on_hand >= 0),"
    "    reserved bigint NOT NULL DEFAULT 0 CONSTRAINT stock_reserved_range"
    "        CHECK (reserved >= 0),"
    "    updated_at timestamptz NOT NULL DEFAULT now(),"
    "    CONSTRAINT stock_reserved_covered CHECK (reserved <= on_hand),"
    "    PRIMARY KEY (warehouse_code, sku)"
    ");"
    "CREATE INDEX stock_sku ON stock (sku);"

    "CREATE TABLE dealers ("
    "    code text CONSTRAINT dealers_pkey PRIMARY KEY"
    "        CONSTRAINT dealers_code_format"
    "        CHECK (code ~ '^[A-Z0-9_-]{1,32}$'),"
    "    name text NOT NULL CONSTRAINT dealers_name_length"
    "        CHECK (char_length(name) BETWEEN 1 AND 80),"
    "    branch_id bigint NOT NULL CONSTRAINT dealers_branch_fk"
    "        REFERENCES core.branches,"
    "    region text NOT NULL CONSTRAINT dealers_region_length"
    "        CHECK (char_length(region) BETWEEN 1 AND 32),"
    "    warehouse_code text NOT NULL CONSTRAINT dealers_warehouse_fk"
    "        REFERENCES warehouses,"
    "    discount_bp integer NOT NULL DEFAULT 0"
    "        CONSTRAINT dealers_discount_range"
    "        CHECK (discount_bp BETWEEN 0 AND 10000),"
    "    credit_limit_fen bigint NOT NULL CONSTRAINT dealers_credit_range"
    "        CHECK (credit_limit_fen >= 0),"
    "    open_amount_fen bigint NOT NULL DEFAULT 0"
    "        CONSTRAINT dealers_open_amount_range"
    "        CHECK (open_amount_fen >= 0),"
    "    active boolean NOT NULL DEFAULT true,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    updated_at timestamptz NOT NULL DEFAULT now()"
    ");"
    "CREATE INDEX dealers_branch ON dealers (branch_id, code);"
    "CREATE INDEX dealers_warehouse ON dealers (warehouse_code);"

    "CREATE TABLE dealer_payments ("
    "    id bigserial PRIMARY KEY,"
    "    dealer_code text NOT NULL REFERENCES dealers,"
    "    branch_id bigint NOT NULL,"
    "    amount_fen bigint NOT NULL CONSTRAINT dealer_payments_amount_range"
    "        CHECK (amount_fen > 0),"
    "    paid_at timestamptz NOT NULL DEFAULT now(),"
    "    recorded_by bigint NOT NULL"
    ");"
    "CREATE INDEX dealer_payments_dealer ON dealer_payments (dealer_code, id);"

    "CREATE TABLE vehicles ("
    "    plate text CONSTRAINT vehicles_pkey PRIMARY KEY"
    "        CONSTRAINT vehicles_plate_format"
    "        CHECK (char_length(plate) BETWEEN 1 AND 16"
    "               AND plate !~ '\\s'),"
    "    warehouse_code text NOT NULL CONSTRAINT vehicles_warehouse_fk"
    "        REFERENCES warehouses,"
    "    capacity_cl bigint NOT NULL CONSTRAINT vehicles_capacity_cl_range"
    "        CHECK (capacity_cl > 0),"
    "    capacity_g bigint NOT NULL CONSTRAINT vehicles_capacity_g_range"
    "        CHECK (capacity_g > 0),"
    "    active boolean NOT NULL DEFAULT true,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    updated_at timestamptz NOT NULL DEFAULT now()"
    ");"
    "CREATE INDEX vehicles_warehouse ON vehicles (warehouse_code, plate);";


tw_rc_t
cat_schema_register(tw_host_t *host)
{
    return tw_migration_add(host, 1, "master data", cat_schema_v1);
}
