/*
 * test_trips.c - shipping plan, truck loading, dispatch and proof of
 * delivery of the orders plugin through HTTP: the plan's regions and
 * totals, trips within every vehicle's volume and weight, left_over
 * when the fleet is full, planning again replacing the draft plan,
 * dispatch shipping the goods (stock on hand falls, the reservation is
 * released), an order split across trips shipping with its last trip
 * (and refusing cancellation once part of it left),
 * delivery with its proof, and the wrong-state refusals.
 *
 * The server runs "catalog" and "orders" with a rule that approves every
 * order, so each order submitted is approved and due.  Each test uses a
 * warehouse, dealers and vehicles of its own; planning and dispatching
 * run as an HQ logistics user, who sees every branch's orders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define TW_TR_PASSWORD "trips-password"

typedef struct tw_tr {
    tw_test_db_t db;
    tw_test_server_t srv;
    char dir[64]; /* the rules folder */
    char extra[160];
    char date[11];  /* a requested date a week ahead: the plan's day */
    char later[11]; /* two weeks ahead: not yet due */
    char *admin;
    char *clerk;
    char *logistics;
} tw_tr_t;


static void
tw_tr_send(const tw_tr_t *tr, const char *method, const char *path,
           const char *body, int expected)
{
    json_decref(tw_test_call(&tr->srv, method, path, tr->admin, NULL, body,
                             expected));
}


static void
tw_tr_day(char *buf, size_t size, int days)
{
    time_t t = time(NULL) + (time_t) days * 86400;

    strftime(buf, size, "%Y-%m-%d", gmtime(&t));
}


/* A warehouse with `on_hand` of each product, and two dealers of it:
 * <wh>-S in region 华南 and <wh>-N in region 华北. */
static void
tw_tr_warehouse(const tw_tr_t *tr, const char *wh, long long on_hand)
{
    static const char *const skus[] = {"BOX-S", "BOX-L", "HEAVY"};
    char body[512];
    char path[128];

    snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"仓库 %s\","
             "\"region\":\"华南\"}", wh, wh);
    tw_tr_send(tr, "POST", "/api/v1/warehouses", body, 201);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/v1/warehouses/%s/stock/%s", wh,
                 skus[i]);
        snprintf(body, sizeof body, "{\"on_hand\":%lld}", on_hand);
        tw_tr_send(tr, "PUT", path, body, 200);
    }
    for (size_t i = 0; i < 2; i++) {
        snprintf(body, sizeof body,
                 "{\"code\":\"%s-%s\",\"name\":\"经销商\",\"branch\":\"A\","
                 "\"region\":\"%s\",\"warehouse\":\"%s\",\"discount_bp\":0,"
                 "\"credit_limit_fen\":1000000000}",
                 wh, i == 0 ? "S" : "N", i == 0 ? "华南" : "华北", wh);
        tw_tr_send(tr, "POST", "/api/v1/dealers", body, 201);
    }
}


static void
tw_tr_vehicle(const tw_tr_t *tr, const char *plate, const char *wh,
              int litres, long grams)
{
    char body[256];

    snprintf(body, sizeof body, "{\"plate\":\"%s\",\"warehouse\":\"%s\","
             "\"capacity_l\":%d,\"capacity_g\":%ld}", plate, wh, litres,
             grams);
    tw_tr_send(tr, "POST", "/api/v1/vehicles", body, 201);
}


static void
tw_tr_master_data(const tw_tr_t *tr)
{
    tw_tr_send(tr, "POST", "/api/v1/branches",
               "{\"code\":\"A\",\"name\":\"A分公司\",\"parent\":\"HQ\"}", 201);
    /* BOX-S 10 l 5 kg, BOX-L 100 l 20 kg, HEAVY 1 l 100 kg */
    tw_tr_send(tr, "POST", "/api/v1/products",
               "{\"sku\":\"BOX-S\",\"name\":\"小风扇\",\"category\":\"fan\","
               "\"volume_l\":10,\"weight_g\":5000,\"list_price_fen\":10000}",
               201);
    tw_tr_send(tr, "POST", "/api/v1/products",
               "{\"sku\":\"BOX-L\",\"name\":\"空调\",\"category\":\"fan\","
               "\"volume_l\":100,\"weight_g\":20000,"
               "\"list_price_fen\":300000}", 201);
    tw_tr_send(tr, "POST", "/api/v1/products",
               "{\"sku\":\"HEAVY\",\"name\":\"铸铁锅\",\"category\":"
               "\"kitchen\",\"volume_l\":1,\"weight_g\":100000,"
               "\"list_price_fen\":50000}", 201);
}


static int
tw_tr_setup(void **state)
{
    tw_tr_t *tr = calloc(1, sizeof *tr);

    assert_non_null(tr);
    *state = tr;
    tw_tr_day(tr->date, sizeof tr->date, 7);
    tw_tr_day(tr->later, sizeof tr->later, 14);
    snprintf(tr->dir, sizeof tr->dir, "/tmp/tw-trips-rules-XXXXXX");
    assert_non_null(mkdtemp(tr->dir));
    tw_test_save_file(tr->dir, "default/order_review.lua",
                      "function rule(input)\n"
                      "  return {outcome = \"approve\", reasons = {\"ok\"}}\n"
                      "end\n");
    snprintf(tr->extra, sizeof tr->extra, "[rules]\ndir = %s\n", tr->dir);

    tw_test_options_t opts = {.modules = "catalog = on\norders = on\n",
                              .extra = tr->extra,
                              .plugin_dir = TW_BUILD_DIR "/plugins"};
    tw_test_serve(&tr->db, &tr->srv, &opts);
    tr->admin = tw_test_user(&tr->srv, "hq.admin", TW_TR_PASSWORD, "HQ",
                             "admin");
    tw_tr_master_data(tr);
    tr->clerk = tw_test_user(&tr->srv, "a.clerk", TW_TR_PASSWORD, "A",
                             "order_clerk");
    tr->logistics = tw_test_user(&tr->srv, "hq.logistics", TW_TR_PASSWORD,
                                 "HQ", "logistics");
    return 0;
}


static int
tw_tr_teardown(void **state)
{
    tw_tr_t *tr = *state;

    if (tr == NULL) {
        return 0;
    }
    tw_test_finish(&tr->db, &tr->srv);
    tw_test_remove_dir(tr->dir);
    free(tr->admin);
    free(tr->clerk);
    free(tr->logistics);
    free(tr);
    return 0;
}


/* Submits an approved order of `dealer` for `date`; returns its id. */
static long long
tw_tr_order(const tw_tr_t *tr, const char *dealer, const char *lines,
            const char *date)
{
    char body[512];

    snprintf(body, sizeof body, "{\"dealer\":\"%s\",\"lines\":%s,"
             "\"requested_date\":\"%s\"}", dealer, lines, date);
    json_t *order = tw_test_call(&tr->srv, "POST", "/api/v1/orders",
                                 tr->clerk, NULL, body, 201);
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "approved");
    long long id = (long long) json_integer_value(json_object_get(order,
                                                                  "id"));
    json_decref(order);
    return id;
}


static json_t *
tw_tr_plan(const tw_tr_t *tr, const char *wh)
{
    char body[128];

    snprintf(body, sizeof body, "{\"warehouse\":\"%s\",\"date\":\"%s\"}", wh,
             tr->date);
    return tw_test_call(&tr->srv, "POST", "/api/v1/trips/plan",
                        tr->logistics, NULL, body, 201);
}


static const char *
tw_tr_status(const tw_tr_t *tr, long long id)
{
    static char status[32];
    char path[64];

    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    json_t *order = tw_test_call(&tr->srv, "GET", path, tr->logistics, NULL,
                                 NULL, 200);
    snprintf(status, sizeof status, "%s",
             json_string_value(json_object_get(order, "status")));
    json_decref(order);
    return status;
}


static json_int_t
tw_tr_int(const json_t *object, const char *member)
{
    json_t *value = json_object_get(object, member);

    assert_true(json_is_integer(value));
    return json_integer_value(value);
}


/* The id of the trip of `plan` carrying order `order`; 0 if none. */
static long long
tw_tr_trip_of(const json_t *plan, long long order)
{
    size_t i;
    size_t j;
    json_t *trip;
    json_t *carried;

    json_array_foreach(json_object_get(plan, "trips"), i, trip) {
        json_array_foreach(json_object_get(trip, "orders"), j, carried) {
            if (tw_tr_int(carried, "order") == order) {
                return (long long) tw_tr_int(trip, "id");
            }
        }
    }
    return 0;
}


static bool
tw_tr_left_over(const json_t *plan, long long order)
{
    size_t i;
    json_t *id;

    json_array_foreach(json_object_get(plan, "left_over"), i, id) {
        if (json_integer_value(id) == order) {
            return true;
        }
    }
    return false;
}


/* No trip of the plan over 100% and none stored over its capacity. */
static void
tw_tr_within_capacity(const tw_tr_t *tr, const json_t *plan)
{
    size_t i;
    json_t *trip;

    json_array_foreach(json_object_get(plan, "trips"), i, trip) {
        assert_true(tw_tr_int(trip, "volume_pct") <= 100);
        assert_true(tw_tr_int(trip, "weight_pct") <= 100);
        assert_string_equal(json_string_value(json_object_get(trip,
                                                              "status")),
                            "draft");
    }
    tw_test_db_expect(&tr->db, "SELECT count(*)::text FROM orders.trips t "
                      "WHERE t.volume_cl > t.capacity_cl OR t.weight_g > "
                      "t.capacity_g OR t.volume_cl <> (SELECT sum(l.qty * "
                      "p.volume_cl) FROM orders.trip_lines l JOIN "
                      "catalog.products p ON p.sku = l.sku WHERE "
                      "l.trip_id = t.id)", NULL, "0");
}


/* Asserts how many times order `id` went from `from` to `to`. */
static void
tw_tr_events(const tw_tr_t *tr, long long id, const char *from,
             const char *to, const char *count)
{
    char sql[256];
    char text[24];

    snprintf(sql, sizeof sql, "SELECT count(*)::text FROM "
             "orders.order_events WHERE order_id = $1 AND from_status = "
             "'%s' AND to_status = '%s'", from, to);
    snprintf(text, sizeof text, "%lld", id);
    tw_test_db_expect(&tr->db, sql, text, count);
}


static const json_t *
tw_tr_region(const json_t *plan, const char *name)
{
    size_t i;
    json_t *region;

    json_array_foreach(json_object_get(plan, "regions"), i, region) {
        if (strcmp(json_string_value(json_object_get(region, "region")),
                   name) == 0) {
            return region;
        }
    }
    fail_msg("no region %s in the plan", name);
    return NULL;
}


static void
tw_tr_shipping_plan(void **state)
{
    tw_tr_t *tr = *state;
    char path[128];

    tw_tr_warehouse(tr, "WH-1", 1000);
    long long south1 = tw_tr_order(tr, "WH-1-S",
                                   "[{\"sku\":\"BOX-S\",\"qty\":2}]",
                                   tr->date);
    long long south2 = tw_tr_order(tr, "WH-1-S",
                                   "[{\"sku\":\"BOX-L\",\"qty\":1},"
                                   "{\"sku\":\"HEAVY\",\"qty\":1}]",
                                   tr->date);
    long long north = tw_tr_order(tr, "WH-1-N",
                                  "[{\"sku\":\"BOX-S\",\"qty\":3}]",
                                  tr->date);
    tw_tr_order(tr, "WH-1-N", "[{\"sku\":\"BOX-S\",\"qty\":7}]", tr->later);

    snprintf(path, sizeof path, "/api/v1/shipping-plan?warehouse=WH-1&"
             "date=%s", tr->date);
    json_t *plan = tw_test_call(&tr->srv, "GET", path, tr->logistics, NULL,
                                NULL, 200);
    assert_int_equal(json_array_size(json_object_get(plan, "regions")), 2);

    const json_t *south = tw_tr_region(plan, "华南");
    assert_true(json_number_value(json_object_get(south, "volume_l")) ==
                121.0);
    assert_int_equal(tw_tr_int(south, "weight_g"), 130000);
    json_t *orders = json_object_get(south, "orders");
    assert_int_equal(json_array_size(orders), 2);
    assert_int_equal(tw_tr_int(json_array_get(orders, 0), "id"), south1);
    assert_int_equal(tw_tr_int(json_array_get(orders, 1), "id"), south2);

    const json_t *north_region = tw_tr_region(plan, "华北");
    assert_true(json_number_value(json_object_get(north_region,
                                                  "volume_l")) == 30.0);
    assert_int_equal(tw_tr_int(north_region, "weight_g"), 15000);
    orders = json_object_get(north_region, "orders");
    assert_int_equal(json_array_size(orders), 1);
    assert_int_equal(tw_tr_int(json_array_get(orders, 0), "id"), north);
    json_decref(plan);

    json_decref(tw_test_refusal(&tr->srv, "GET", "/api/v1/shipping-plan?"
                                "warehouse=WH-1&date=2026-02-30",
                                tr->logistics, NULL, 400, "invalid_input"));
    snprintf(path, sizeof path, "/api/v1/shipping-plan?warehouse=WH-NONE&"
             "date=%s", tr->date);
    json_decref(tw_test_refusal(&tr->srv, "GET", path, tr->logistics, NULL,
                                404, "not_found"));
}


/* 4 orders of 350 l in all onto 2 vehicles of 150 l: the biggest order
 * of the smaller region is left over; each region's orders share a
 * vehicle where they fit. */
static void
tw_tr_plan_and_replan(void **state)
{
    tw_tr_t *tr = *state;
    char path[64];

    tw_tr_warehouse(tr, "WH-2", 1000);
    tw_tr_vehicle(tr, "粤B10001", "WH-2", 150, 1000000);
    tw_tr_vehicle(tr, "粤B10002", "WH-2", 150, 1000000);
    long long big_s = tw_tr_order(tr, "WH-2-S",
                                  "[{\"sku\":\"BOX-S\",\"qty\":10}]",
                                  tr->date);
    long long small_s = tw_tr_order(tr, "WH-2-S",
                                    "[{\"sku\":\"BOX-S\",\"qty\":5}]",
                                    tr->date);
    long long box_n = tw_tr_order(tr, "WH-2-N",
                                  "[{\"sku\":\"BOX-S\",\"qty\":10}]",
                                  tr->date);
    long long large_n = tw_tr_order(tr, "WH-2-N",
                                    "[{\"sku\":\"BOX-L\",\"qty\":1}]",
                                    tr->date);

    json_t *plan = tw_tr_plan(tr, "WH-2");
    tw_tr_within_capacity(tr, plan);
    assert_int_equal(json_array_size(json_object_get(plan, "trips")), 2);
    assert_int_equal(json_array_size(json_object_get(plan, "left_over")), 1);
    assert_true(tw_tr_left_over(plan, big_s));
    assert_string_equal(tw_tr_status(tr, big_s), "approved");
    assert_string_equal(tw_tr_status(tr, small_s), "planned");
    assert_string_equal(tw_tr_status(tr, box_n), "planned");
    assert_string_equal(tw_tr_status(tr, large_n), "planned");
    long long old_trip = tw_tr_trip_of(plan, box_n);
    assert_true(old_trip > 0);
    json_decref(plan);

    /* a third vehicle: planning again replaces the draft, nothing left */
    tw_tr_vehicle(tr, "粤B10003", "WH-2", 150, 1000000);
    plan = tw_tr_plan(tr, "WH-2");
    tw_tr_within_capacity(tr, plan);
    assert_int_equal(json_array_size(json_object_get(plan, "left_over")), 0);
    assert_int_equal(json_array_size(json_object_get(plan, "trips")), 3);
    assert_int_equal(tw_tr_trip_of(plan, big_s), tw_tr_trip_of(plan,
                                                               small_s));
    assert_string_equal(tw_tr_status(tr, big_s), "planned");
    json_decref(plan);
    snprintf(path, sizeof path, "/api/v1/trips/%lld", old_trip);
    json_decref(tw_test_refusal(&tr->srv, "GET", path, tr->logistics, NULL,
                                404, "not_found"));
    tw_tr_events(tr, small_s, "planned", "approved", "1");
    tw_tr_events(tr, small_s, "approved", "planned", "2");
}


static void
tw_tr_stock(const tw_tr_t *tr, const char *wh, const char *expected)
{
    tw_test_db_expect(&tr->db, "SELECT on_hand || '/' || reserved FROM "
                      "catalog.stock WHERE sku = 'BOX-S' AND "
                      "warehouse_code = $1", wh, expected);
}


static json_t *
tw_tr_dispatch(const tw_tr_t *tr, long long trip, int expected)
{
    char path[64];

    snprintf(path, sizeof path, "/api/v1/trips/%lld/dispatch", trip);
    if (expected != 200) {
        return tw_test_refusal(&tr->srv, "POST", path, tr->logistics, NULL,
                               expected, expected == 404 ? "not_found"
                                                         : "wrong_state");
    }
    return tw_test_call(&tr->srv, "POST", path, tr->logistics, NULL, NULL,
                        200);
}


static json_t *
tw_tr_deliver(const tw_tr_t *tr, long long order, const char *body,
              int expected, const char *code)
{
    char path[64];

    snprintf(path, sizeof path, "/api/v1/orders/%lld/deliver", order);
    if (code != NULL) {
        return tw_test_refusal(&tr->srv, "POST", path, tr->logistics, body,
                               expected, code);
    }
    return tw_test_call(&tr->srv, "POST", path, tr->logistics, NULL, body,
                        expected);
}


static void
tw_tr_dispatch_and_deliver(void **state)
{
    tw_tr_t *tr = *state;
    char path[64];

    tw_tr_warehouse(tr, "WH-3", 1000);
    tw_tr_vehicle(tr, "粤C20001", "WH-3", 150, 1000000);
    long long north = tw_tr_order(tr, "WH-3-N",
                                  "[{\"sku\":\"BOX-S\",\"qty\":4}]",
                                  tr->date);
    long long south = tw_tr_order(tr, "WH-3-S",
                                  "[{\"sku\":\"BOX-S\",\"qty\":2}]",
                                  tr->date);
    tw_tr_stock(tr, "WH-3", "1000/6");
    json_t *plan = tw_tr_plan(tr, "WH-3");
    long long trip = tw_tr_trip_of(plan, north);
    assert_int_equal(tw_tr_trip_of(plan, south), trip);
    json_decref(plan);

    json_decref(tw_tr_deliver(tr, north, "{\"signed_by\":\"王五\"}", 409,
                              "wrong_state"));
    snprintf(path, sizeof path, "/api/v1/trips/%lld/dispatch", trip);
    json_decref(tw_test_refusal(&tr->srv, "POST", path, tr->clerk, NULL, 403,
                                "forbidden"));
    json_t *left = tw_tr_dispatch(tr, trip, 200);
    assert_string_equal(json_string_value(json_object_get(left, "status")),
                        "dispatched");
    json_decref(left);
    assert_string_equal(tw_tr_status(tr, north), "shipped");
    assert_string_equal(tw_tr_status(tr, south), "shipped");
    tw_tr_stock(tr, "WH-3", "994/0");
    json_decref(tw_tr_dispatch(tr, trip, 409));
    json_decref(tw_tr_dispatch(tr, 999999, 404));

    json_decref(tw_tr_deliver(tr, north, "{\"signed_by\":\"王五\","
                              "\"signed_at\":\"2026-12-10 08:30\"}", 400,
                              "invalid_input"));
    json_decref(tw_tr_deliver(tr, north, "{}", 400, "invalid_input"));
    json_t *order = tw_tr_deliver(tr, north, "{\"signed_by\":\"王五\","
                                  "\"signed_at\":"
                                  "\"2026-12-10T08:30:00+08:00\"}", 200,
                                  NULL);
    json_t *proof = json_object_get(order, "delivery");
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "delivered");
    assert_string_equal(json_string_value(json_object_get(proof,
                                                          "signed_by")),
                        "王五");
    assert_string_equal(json_string_value(json_object_get(proof,
                                                          "signed_at")),
                        "2026-12-10T00:30:00Z");
    json_decref(order);
    json_decref(tw_tr_deliver(tr, north, "{\"signed_by\":\"王五\"}", 409,
                              "wrong_state"));
    order = tw_tr_deliver(tr, south, "{\"signed_by\":\"赵六\"}", 200, NULL);
    assert_true(json_is_string(json_object_get(json_object_get(order,
                                                               "delivery"),
                                               "signed_at")));
    json_decref(order);
    tw_tr_events(tr, north, "shipped", "delivered", "1");

    /* nothing is due any more; the dispatched trip stays */
    plan = tw_tr_plan(tr, "WH-3");
    assert_int_equal(json_array_size(json_object_get(plan, "trips")), 0);
    assert_int_equal(json_array_size(json_object_get(plan, "left_over")), 0);
    json_decref(plan);
    snprintf(path, sizeof path, "/api/v1/trips/%lld", trip);
    left = tw_test_call(&tr->srv, "GET", path, tr->logistics, NULL, NULL,
                        200);
    assert_string_equal(json_string_value(json_object_get(left, "status")),
                        "dispatched");
    json_decref(left);
}


/* One line of 250 l onto vehicles of 100 l: cut by quantity into three
 * trips; the order ships with the last of them. */
static void
tw_tr_split_order(void **state)
{
    tw_tr_t *tr = *state;
    long long trips[3];

    tw_tr_warehouse(tr, "WH-4", 1000);
    tw_tr_vehicle(tr, "粤D30001", "WH-4", 100, 1000000);
    tw_tr_vehicle(tr, "粤D30002", "WH-4", 100, 1000000);
    tw_tr_vehicle(tr, "粤D30003", "WH-4", 100, 1000000);
    long long id = tw_tr_order(tr, "WH-4-S",
                               "[{\"sku\":\"BOX-S\",\"qty\":25}]", tr->date);

    json_t *plan = tw_tr_plan(tr, "WH-4");
    tw_tr_within_capacity(tr, plan);
    json_t *list = json_object_get(plan, "trips");
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(json_array_size(json_object_get(plan, "left_over")), 0);
    json_int_t units = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *trip = json_array_get(list, i);
        json_t *carried = json_array_get(json_object_get(trip, "orders"), 0);
        trips[i] = (long long) tw_tr_int(trip, "id");
        assert_int_equal(tw_tr_int(carried, "order"), id);
        units += tw_tr_int(json_array_get(json_object_get(carried, "lines"),
                                          0), "qty");
    }
    assert_int_equal(units, 25);
    json_decref(plan);

    json_decref(tw_tr_dispatch(tr, trips[0], 200));
    json_decref(tw_tr_dispatch(tr, trips[1], 200));
    assert_string_equal(tw_tr_status(tr, id), "planned");

    /* Part of it is on the road: no cancelling now. */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/cancel", id);
    json_decref(tw_test_refusal(&tr->srv, "POST", path, tr->admin,
                                "{\"reason\":\"too late\"}", 409,
                                "wrong_state"));
    assert_string_equal(tw_tr_status(tr, id), "planned");
    json_decref(tw_tr_dispatch(tr, trips[2], 200));
    assert_string_equal(tw_tr_status(tr, id), "shipped");
    tw_tr_stock(tr, "WH-4", "975/0");
    tw_tr_events(tr, id, "planned", "shipped", "1");
}


/* Last: the server stops cleanly (no leak or error under the sanitizers
 * after all of the above). */
static void
tw_tr_stop(void **state)
{
    tw_tr_t *tr = *state;

    tw_test_stop(&tr->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_tr_shipping_plan),
        cmocka_unit_test(tw_tr_plan_and_replan),
        cmocka_unit_test(tw_tr_dispatch_and_deliver),
        cmocka_unit_test(tw_tr_split_order),
        cmocka_unit_test(tw_tr_stop),
    };

    return cmocka_run_group_tests(tests, tw_tr_setup, tw_tr_teardown);
}
