/*
 * trips.c - POST /api/v1/trips/plan {"warehouse","date"}: loads the goods
 * due (see trips.h) onto the warehouse's active vehicles as draft trips,
 * and GET /api/v1/trips/{id}.
 *
 * Planning again replaces the draft plan of that warehouse and day: its
 * draft trips go, and orders left on no trip go back from planned to
 * approved; then the due goods are packed anew (packing.c).  Orders put
 * on a trip become planned; the reply lists the trips and `left_over`,
 * the orders not (or not wholly) loaded because the fleet is full.
 * volume_pct and weight_pct are whole percents, rounded half up.
 *
 * One plan at a time per warehouse: a transaction-scoped advisory lock
 * serialises planners.  Trips are per warehouse, but their lines are
 * isolated by branch: a plan that would touch a draft trip with lines the
 * user cannot see is refused (403), so plan as an HQ logistics user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trips.h"

#define ORD_TRIP_SQL_HEAD \
    "SELECT id, warehouse_code, to_char(plan_date, 'YYYY-MM-DD'), " \
    "vehicle_plate, status, capacity_cl, capacity_g, volume_cl, " \
    "weight_g FROM orders.trips WHERE id = $1"


tw_rc_t
ord_exec(tw_db_t *db, const char *sql, int count, const char *const *params,
         PGresult **out)
{
    PGresult *res = tw_db_exec(db, sql, count, params);

    if (out != NULL) {
        *out = NULL;
    }
    if (res == NULL) {
        return tw_db_rc(db);
    }
    if (out != NULL) {
        *out = res;
    } else {
        PQclear(res);
    }
    return TW_OK;
}


static tw_rc_t
ord_trip_orders_json(tw_db_t *db, const char *id, json_t *trip)
{
    PGresult *res;
    tw_rc_t rc = ord_exec(db, "SELECT order_id, sku, qty FROM "
                          "orders.trip_lines WHERE trip_id = $1 "
                          "ORDER BY order_id, sku", 1, &id, &res);
    if (rc != TW_OK) {
        return rc;
    }

    json_t *orders = json_array();
    json_t *lines = NULL;
    for (int row = 0; row < PQntuples(res); row++) {
        if (row == 0 || strcmp(PQgetvalue(res, row, 0),
                               PQgetvalue(res, row - 1, 0)) != 0) {
            lines = json_array();
            json_array_append_new(orders, json_pack(
                "{s:o, s:o}", "order", ord_json_int(res, row, 0), "lines",
                lines));
        }
        json_array_append_new(lines, json_pack(
            "{s:s, s:o}", "sku", PQgetvalue(res, row, 1), "qty",
            ord_json_int(res, row, 2)));
    }
    PQclear(res);
    json_object_set_new(trip, "orders", orders);
    return TW_OK;
}


tw_rc_t
ord_trip_json(tw_db_t *db, const char *id, json_t **out)
{
    PGresult *res;

    *out = NULL;
    if (!ord_id_valid(id)) {
        return TW_OK;
    }
    tw_rc_t rc = ord_exec(db, ORD_TRIP_SQL_HEAD, 1, &id, &res);
    if (rc != TW_OK || PQntuples(res) == 0) {
        PQclear(res);
        return rc;
    }

    int64_t v[4];
    for (int i = 0; i < 4; i++) {
        v[i] = strtoll(PQgetvalue(res, 0, 5 + i), NULL, 10);
    }
    *out = json_pack("{s:o, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
                     ord_json_int(res, 0, 0), "warehouse",
                     PQgetvalue(res, 0, 1), "date", PQgetvalue(res, 0, 2),
                     "vehicle", PQgetvalue(res, 0, 3), "status",
                     PQgetvalue(res, 0, 4), "volume_pct",
                     (json_int_t) ord_percent(v[2], v[0]), "weight_pct",
                     (json_int_t) ord_percent(v[3], v[1]));
    PQclear(res);

    rc = ord_trip_orders_json(db, id, *out);
    if (rc != TW_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}


void
ord_trip_show(tw_req_t *req, void *ctx)
{
    (void) ctx;
    const char *id = tw_req_param(req, "id");
    json_t *trip;

    tw_rc_t rc = ord_trip_json(tw_req_db(req), id, &trip);
    if (rc != TW_OK) {
        ord_reply_rc(req, rc, "trip");
    } else if (trip == NULL) {
        tw_reply_error(req, 404, "not_found", NULL, "no trip %s", id);
    } else {
        tw_reply_json(req, 200, trip);
    }
}


/* Fails with TW_ERR_FORBIDDEN when the draft trips of the plan hold
 * lines this request cannot see. */
static tw_rc_t
ord_drafts_visible(tw_db_t *db, const char *const *plan)
{
    PGresult *res;
    tw_rc_t rc = ord_exec(db, "SELECT (SELECT coalesce(sum(line_count), 0) "
                          "FROM orders.trips WHERE warehouse_code = $1 AND "
                          "plan_date = $2 AND status = 'draft') = (SELECT "
                          "count(*) FROM orders.trip_lines t JOIN "
                          "orders.trips r ON r.id = t.trip_id WHERE "
                          "r.warehouse_code = $1 AND r.plan_date = $2 AND "
                          "r.status = 'draft')", 2, plan, &res);
    if (rc != TW_OK) {
        return rc;
    }
    bool all = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return all ? TW_OK : TW_ERR_FORBIDDEN;
}


/* Drops the draft trips of the plan; orders then on no trip go back
 * from planned to approved. */
static tw_rc_t
ord_drafts_drop(tw_req_t *req, const char *const *plan)
{
    tw_db_t *db = tw_req_db(req);
    PGresult *res;

    tw_rc_t rc = ord_exec(db, "WITH gone AS (DELETE FROM orders.trip_lines "
                          "t USING orders.trips r WHERE r.id = t.trip_id "
                          "AND r.warehouse_code = $1 AND r.plan_date = $2 "
                          "AND r.status = 'draft' RETURNING t.order_id), "
                          "trips AS (DELETE FROM orders.trips WHERE "
                          "warehouse_code = $1 AND plan_date = $2 AND "
                          "status = 'draft') SELECT DISTINCT order_id FROM "
                          "gone ORDER BY order_id", 2, plan, &res);
    for (int row = 0; rc == TW_OK && row < PQntuples(res); row++) {
        const char *id = PQgetvalue(res, row, 0);
        PGresult *left;
        rc = ord_exec(db, "SELECT status = 'planned' AND NOT EXISTS (SELECT "
                      "1 FROM orders.trip_lines WHERE order_id = $1) FROM "
                      "orders.orders WHERE id = $1 FOR UPDATE", 1, &id,
                      &left);
        bool back = rc == TW_OK && strcmp(PQgetvalue(left, 0, 0), "t") == 0;
        PQclear(left);
        if (back) {
            rc = ord_transition(req, strtoll(id, NULL, 10), "planned",
                                "approved", "unplan",
                                "the draft plan was replaced");
        }
    }
    PQclear(res);
    return rc;
}


/* The active vehicles of a warehouse, collected by vehicles_list. */
typedef struct ord_fleet {
    cat_vehicle_t *vehicles;
    ord_pack_vehicle_t *capacities;
    size_t count;
    size_t cap;
} ord_fleet_t;


static tw_rc_t
ord_fleet_add(const cat_vehicle_t *vehicle, void *ctx)
{
    ord_fleet_t *fleet = ctx;

    if (fleet->count == fleet->cap) {
        size_t cap = fleet->cap < 8 ? 8 : fleet->cap * 2;
        cat_vehicle_t *v = realloc(fleet->vehicles, cap * sizeof *v);
        if (v != NULL) {
            fleet->vehicles = v;
        }
        ord_pack_vehicle_t *c = realloc(fleet->capacities, cap * sizeof *c);
        if (c != NULL) {
            fleet->capacities = c;
        }
        if (v == NULL || c == NULL) {
            return TW_ERR_NOMEM;
        }
        fleet->cap = cap;
    }
    fleet->vehicles[fleet->count] = *vehicle;
    fleet->capacities[fleet->count++] = (ord_pack_vehicle_t){
        vehicle->capacity_cl, vehicle->capacity_g};
    return TW_OK;
}




static tw_rc_t
ord_trip_line_insert(tw_db_t *db, const char *trip, const ord_due_t *due,
                     const ord_pack_load_t *load)
{
    char order[24];
    char qty[24];

    ord_int_text(due->orders[load->order].id, order, sizeof order);
    ord_int_text(load->qty, qty, sizeof qty);
    const char *params[] = {trip, order,
                            due->skus[due->orders[load->order].first_line +
                                      load->line], qty};
    return ord_exec(db, "INSERT INTO orders.trip_lines (trip_id, order_id,"
                    " sku, qty, branch_id) SELECT $1, id, $3, $4, branch_id"
                    " FROM orders.orders WHERE id = $2", 4, params, NULL);
}


/* Marks the order of `load` planned unless it already is. */
static tw_rc_t
ord_plan_order(tw_req_t *req, const ord_due_t *due,
               const ord_pack_load_t *load, const char *trip)
{
    char reason[64];
    tw_rc_t rc;

    snprintf(reason, sizeof reason, "loaded on trip %s", trip);
    rc = ord_transition(req, due->orders[load->order].id, "approved",
                        "planned", "plan", reason);
    /* already planned: another part of it is on an earlier trip */
    return rc == TW_ERR_STATE ? TW_OK : rc;
}


/* Inserts the draft trip of vehicle `v` with its loads; its id goes to
 * `id`.  Orders loaded and still approved become planned. */
static tw_rc_t
ord_trip_insert(tw_req_t *req, const char *const *plan,
                const ord_fleet_t *fleet, const ord_due_t *due,
                const ord_pack_result_t *packed, size_t v, char *id,
                size_t id_size)
{
    tw_db_t *db = tw_req_db(req);
    char text[5][24];
    size_t lines = 0;
    PGresult *res;

    for (size_t k = 0; k < packed->load_count; k++) {
        lines += packed->loads[k].vehicle == v;
    }
    ord_int_text(fleet->vehicles[v].capacity_cl, text[0], sizeof text[0]);
    ord_int_text(fleet->vehicles[v].capacity_g, text[1], sizeof text[1]);
    ord_int_text(packed->used_cl[v], text[2], sizeof text[2]);
    ord_int_text(packed->used_g[v], text[3], sizeof text[3]);
    ord_int_text((int64_t) lines, text[4], sizeof text[4]);
    const char *params[] = {plan[0], plan[1], fleet->vehicles[v].plate,
                            text[0], text[1], text[2], text[3], text[4],
                            tw_req_user(req)->login};

    tw_rc_t rc = ord_exec(db, "INSERT INTO orders.trips (warehouse_code, "
                          "plan_date, vehicle_plate, status, capacity_cl, "
                          "capacity_g, volume_cl, weight_g, line_count, "
                          "created_by) VALUES ($1, $2, $3, 'draft', $4, $5,"
                          " $6, $7, $8, $9) RETURNING id", 9, params, &res);
    if (rc != TW_OK) {
        return rc;
    }
    snprintf(id, id_size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);

    for (size_t k = 0; k < packed->load_count && rc == TW_OK; k++) {
        if (packed->loads[k].vehicle == v) {
            rc = ord_trip_line_insert(db, id, due, &packed->loads[k]);
            rc = rc == TW_OK ? ord_plan_order(req, due, &packed->loads[k],
                                              id)
                             : rc;
        }
    }
    return rc == TW_OK ? tw_audit(req, "plan", "trip", id) : rc;
}


/* The draft trips of the plan as JSON, one per loaded vehicle. */
static tw_rc_t
ord_trips_store(tw_req_t *req, const char *const *plan,
                const ord_fleet_t *fleet, const ord_due_t *due,
                const ord_pack_result_t *packed, json_t *trips)
{
    tw_rc_t rc = TW_OK;

    for (size_t v = 0; v < fleet->count && rc == TW_OK; v++) {
        char id[24];
        json_t *trip = NULL;
        if (packed->used_cl[v] == 0 && packed->used_g[v] == 0) {
            continue;
        }
        rc = ord_trip_insert(req, plan, fleet, due, packed, v, id,
                             sizeof id);
        if (rc == TW_OK) {
            rc = ord_trip_json(tw_req_db(req), id, &trip);
        }
        if (trip != NULL) {
            json_array_append_new(trips, trip);
        }
    }
    return rc;
}


static json_t *
ord_left_over_json(const ord_due_t *due, const ord_pack_result_t *packed)
{
    json_t *left = json_array();

    for (size_t o = 0; o < due->order_count; o++) {
        if (packed->left_over[o]) {
            json_array_append_new(left, json_integer(due->orders[o].id));
        }
    }
    return left;
}


/* The packing input of each due order. */
static ord_pack_order_t *
ord_pack_input(const ord_due_t *due)
{
    ord_pack_order_t *orders = calloc(due->order_count > 0
                                          ? due->order_count : 1,
                                      sizeof *orders);

    for (size_t o = 0; orders != NULL && o < due->order_count; o++) {
        orders[o] = (ord_pack_order_t){
            due->orders[o].region, &due->lines[due->orders[o].first_line],
            due->orders[o].line_count};
    }
    return orders;
}


/* Packs the due goods onto the fleet and stores the trips. */
static tw_rc_t
ord_plan_run(tw_req_t *req, const char *const *plan, const ord_due_t *due,
             const ord_fleet_t *fleet, json_t *reply)
{
    ord_pack_order_t *orders = ord_pack_input(due);
    ord_pack_result_t packed;

    if (orders == NULL || !ord_pack(orders, due->order_count,
                                    fleet->capacities, fleet->count,
                                    &packed)) {
        free(orders);
        return TW_ERR_NOMEM;
    }
    free(orders);

    json_t *trips = json_array();
    json_object_set_new(reply, "trips", trips);
    tw_rc_t rc = ord_trips_store(req, plan, fleet, due, &packed, trips);
    json_object_set_new(reply, "left_over", ord_left_over_json(due,
                                                               &packed));
    ord_pack_free(&packed);
    return rc;
}


/* Serialises planners of one warehouse, drops its draft plan for the
 * day, and reads what is due and the fleet. */
static tw_rc_t
ord_plan_prepare(tw_req_t *req, const char *const *plan, ord_due_t *due,
                 ord_fleet_t *fleet)
{
    tw_db_t *db = tw_req_db(req);

    tw_rc_t rc = ord_exec(db, "SELECT pg_advisory_xact_lock(hashtext("
                          "'orders.plan:' || $1))", 1, plan, NULL);
    if (rc == TW_OK) {
        rc = ord_drafts_visible(db, plan);
    }
    if (rc == TW_OK) {
        rc = ord_drafts_drop(req, plan);
    }
    if (rc == TW_OK) {
        rc = ord_catalog()->vehicles_list(db, plan[0], ord_fleet_add, fleet);
    }
    return rc == TW_OK ? ord_due_load(db, plan[0], plan[1], due) : rc;
}


void
ord_trips_plan(tw_req_t *req, void *ctx)
{
    (void) ctx;
    const char *plan[2];
    ord_fleet_t fleet = {0};
    ord_due_t due = {0};

    if (!ord_plan_args(req, true, &plan[0], &plan[1])) {
        return;
    }

    json_t *reply = json_object();
    tw_rc_t rc = ord_plan_prepare(req, plan, &due, &fleet);
    if (rc == TW_OK) {
        rc = ord_plan_run(req, plan, &due, &fleet, reply);
    }
    if (rc == TW_OK) {
        tw_log_info("trips planned", "warehouse=%s date=%s orders=%zu "
                    "vehicles=%zu", plan[0], plan[1], due.order_count,
                    json_array_size(json_object_get(reply, "trips")));
        tw_reply_json(req, 201, reply);
    } else if (rc == TW_ERR_FORBIDDEN) {
        json_decref(reply);
        tw_reply_error(req, 403, "forbidden", NULL, "the draft plan holds "
                       "orders of branches you cannot see");
    } else {
        json_decref(reply);
        ord_reply_rc(req, rc, "product or dealer of a due order");
    }
    ord_due_free(&due);
    free(fleet.vehicles);
    free(fleet.capacities);
}
