/*
 * schema.c - the tables of the `orders` schema, as numbered migrations.
 *
 * Every table carries branch_id (the dealer's branch), so the core puts
 * branch isolation on each after the migration.  The status CHECK already
 * holds the shipping states (planned, shipped, delivered) that the
 * shipping plan will use.  Never change a released migration: add one.
 *
 * Migration 2 adds trips: a trip is per warehouse, not per branch, so
 * `trips` has no branch_id and no isolation; its lines (`trip_lines`)
 * carry the order's branch_id and are isolated like the orders.  A
 * trip's `line_count` lets a request tell whether it sees all of it.
 * The proof of delivery lives on the order.
 */
#include "orders.h"

static const char ord_schema_v1[] =
    "CREATE TABLE orders ("
    " id bigserial PRIMARY KEY,"
    " branch_id bigint NOT NULL,"
    " dealer_code text NOT NULL,"
    " warehouse_code text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('submitted', 'approved',"
    "  'on_hold', 'rejected', 'planned', 'shipped', 'delivered',"
    "  'cancelled')),"
    " total_fen bigint NOT NULL CHECK (total_fen >= 0),"
    " requested_date date NOT NULL,"
    " note text,"
    " findings jsonb NOT NULL DEFAULT '[]',"
    " decision jsonb,"
    " created_by text NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now(),"
    " updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE INDEX orders_status_idx ON orders (status, id);"
    "CREATE INDEX orders_dealer_idx ON orders (dealer_code, created_at);"
    "CREATE TABLE order_lines ("
    " order_id bigint NOT NULL REFERENCES orders (id),"
    " line_no int NOT NULL,"
    " sku text NOT NULL,"
    " qty bigint NOT NULL CHECK (qty > 0),"
    " unit_price_fen bigint NOT NULL,"
    " line_total_fen bigint NOT NULL,"
    " branch_id bigint NOT NULL,"
    " PRIMARY KEY (order_id, line_no),"
    " UNIQUE (order_id, sku));"
    "CREATE TABLE order_events ("
    " id bigserial PRIMARY KEY,"
    " order_id bigint NOT NULL REFERENCES orders (id),"
    " branch_id bigint NOT NULL,"
    " from_status text,"
    " to_status text NOT NULL,"
    " at timestamptz NOT NULL DEFAULT clock_timestamp(),"
    " by_login text NOT NULL,"
    " reason text);"
    "CREATE INDEX order_events_order_idx ON order_events (order_id, id);";

static const char ord_schema_v2[] =
    "CREATE TABLE trips ("
    " id bigserial PRIMARY KEY,"
    " warehouse_code text NOT NULL,"
    " plan_date date NOT NULL,"
    " vehicle_plate text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('draft', 'dispatched')),"
    " capacity_cl bigint NOT NULL,"
    " capacity_g bigint NOT NULL,"
    " volume_cl bigint NOT NULL,"
    " weight_g bigint NOT NULL,"
    " line_count int NOT NULL,"
    " created_by text NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now(),"
    " dispatched_by text,"
    " dispatched_at timestamptz);"
    "CREATE INDEX trips_plan_idx ON trips (warehouse_code, plan_date,"
    " status);"
    "CREATE TABLE trip_lines ("
    " trip_id bigint NOT NULL REFERENCES trips (id),"
    " order_id bigint NOT NULL REFERENCES orders (id),"
    " sku text NOT NULL,"
    " qty bigint NOT NULL CHECK (qty > 0),"
    " branch_id bigint NOT NULL,"
    " PRIMARY KEY (trip_id, order_id, sku));"
    "CREATE INDEX trip_lines_order_idx ON trip_lines (order_id);"
    "ALTER TABLE orders ADD COLUMN signed_by text,"
    " ADD COLUMN signed_at timestamptz;";


tw_rc_t
ord_schema_register(tw_host_t *host)
{
    tw_rc_t rc = tw_migration_add(host, 1, "orders, lines and history",
                                  ord_schema_v1);

    if (rc == TW_OK) {
        rc = tw_migration_add(host, 2, "trips and proof of delivery",
                              ord_schema_v2);
    }
    return rc;
}
