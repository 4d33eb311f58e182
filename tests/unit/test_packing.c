/*
 * test_packing.c - the truck loading algorithm of the orders plugin on
 * its own, without a database: no vehicle over its volume or weight on
 * random inputs (fixed seed, many rounds), every unit either on a
 * vehicle or its order left over, regions kept together when they fit,
 * orders larger than any vehicle split by lines and a line by quantity,
 * and never more vehicles than one order per vehicle would take.
 *
 * The plugin is a shared object, so its pure packing.c is compiled into
 * this test by including it (the path is relative to this file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../plugins/orders/packing.c"

#define TW_PK_ROUNDS 400
#define TW_PK_MAX_ORDERS 40
#define TW_PK_MAX_LINES 5
#define TW_PK_MAX_VEHICLES 12

typedef struct tw_pk_case {
    ord_pack_line_t lines[TW_PK_MAX_ORDERS][TW_PK_MAX_LINES];
    ord_pack_order_t orders[TW_PK_MAX_ORDERS];
    size_t order_count;
    ord_pack_vehicle_t vehicles[TW_PK_MAX_VEHICLES];
    size_t vehicle_count;
} tw_pk_case_t;


static int64_t
tw_pk_rand(int64_t low, int64_t high)
{
    return low + (int64_t) (rand() % (int) (high - low + 1));
}


/* No vehicle over capacity; loads add up per vehicle; every unit of an
 * order that is not left over is loaded exactly once, and no order gets
 * more than it has. */
static void
tw_pk_check(const tw_pk_case_t *c, const ord_pack_result_t *r)
{
    int64_t cl[TW_PK_MAX_VEHICLES] = {0};
    int64_t g[TW_PK_MAX_VEHICLES] = {0};
    int64_t loaded[TW_PK_MAX_ORDERS][TW_PK_MAX_LINES] = {{0}};

    for (size_t k = 0; k < r->load_count; k++) {
        const ord_pack_load_t *load = &r->loads[k];
        const ord_pack_line_t *line = &c->lines[load->order][load->line];
        assert_true(load->vehicle < c->vehicle_count);
        assert_true(load->qty > 0);
        cl[load->vehicle] += line->volume_cl * load->qty;
        g[load->vehicle] += line->weight_g * load->qty;
        loaded[load->order][load->line] += load->qty;
    }
    for (size_t v = 0; v < c->vehicle_count; v++) {
        assert_true(cl[v] <= c->vehicles[v].capacity_cl);
        assert_true(g[v] <= c->vehicles[v].capacity_g);
        assert_int_equal(cl[v], r->used_cl[v]);
        assert_int_equal(g[v], r->used_g[v]);
    }
    for (size_t o = 0; o < c->order_count; o++) {
        bool whole = true;
        for (size_t l = 0; l < c->orders[o].line_count; l++) {
            assert_true(loaded[o][l] <= c->lines[o][l].qty);
            whole = whole && loaded[o][l] == c->lines[o][l].qty;
        }
        assert_true(whole != r->left_over[o]);
    }
}


static size_t
tw_pk_vehicles_used(const ord_pack_result_t *r, size_t vehicle_count)
{
    size_t used = 0;

    for (size_t v = 0; v < vehicle_count; v++) {
        used += r->used_cl[v] > 0 || r->used_g[v] > 0;
    }
    return used;
}


static void
tw_pk_random(tw_pk_case_t *c)
{
    memset(c, 0, sizeof *c);
    c->vehicle_count = (size_t) tw_pk_rand(1, TW_PK_MAX_VEHICLES);
    for (size_t v = 0; v < c->vehicle_count; v++) {
        c->vehicles[v].capacity_cl = tw_pk_rand(50000, 400000);
        c->vehicles[v].capacity_g = tw_pk_rand(500000, 4000000);
    }
    c->order_count = (size_t) tw_pk_rand(0, TW_PK_MAX_ORDERS);
    for (size_t o = 0; o < c->order_count; o++) {
        c->orders[o].region = (size_t) tw_pk_rand(0, 4);
        c->orders[o].lines = c->lines[o];
        c->orders[o].line_count = (size_t) tw_pk_rand(1, TW_PK_MAX_LINES);
        for (size_t l = 0; l < c->orders[o].line_count; l++) {
            c->lines[o][l].volume_cl = tw_pk_rand(500, 30000);
            c->lines[o][l].weight_g = tw_pk_rand(1000, 60000);
            c->lines[o][l].qty = tw_pk_rand(1, 30);
        }
    }
}


static void
tw_pk_random_rounds(void **state)
{
    (void) state;
    tw_pk_case_t c;
    size_t left_over_rounds = 0;

    srand(20261203);
    for (int round = 0; round < TW_PK_ROUNDS; round++) {
        ord_pack_result_t r;
        tw_pk_random(&c);
        assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                             c.vehicle_count, &r));
        tw_pk_check(&c, &r);
        for (size_t o = 0; o < c.order_count; o++) {
            left_over_rounds += r.left_over[o];
        }
        ord_pack_free(&r);
    }
    /* the random fleets are sometimes too small: both paths are taken */
    assert_true(left_over_rounds > 0);
}


/* `count` orders of one line each, `qty` units of 1 l and 1 kg, in
 * region order % regions, on `vehicles` vehicles of 100 l and 100 kg. */
static void
tw_pk_uniform(tw_pk_case_t *c, size_t count, int64_t qty, size_t regions,
              size_t vehicles)
{
    memset(c, 0, sizeof *c);
    c->order_count = count;
    for (size_t o = 0; o < count; o++) {
        c->lines[o][0] = (ord_pack_line_t){100, 1000, qty};
        c->orders[o] = (ord_pack_order_t){o % regions, c->lines[o], 1};
    }
    c->vehicle_count = vehicles;
    for (size_t v = 0; v < vehicles; v++) {
        c->vehicles[v] = (ord_pack_vehicle_t){10000, 100000};
    }
}


static void
tw_pk_regions_together(void **state)
{
    (void) state;
    tw_pk_case_t c;
    ord_pack_result_t r;

    /* 3 regions of 4 orders of 20 units: each region fits one vehicle */
    tw_pk_uniform(&c, 12, 20, 3, 6);
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                         c.vehicle_count, &r));
    tw_pk_check(&c, &r);

    size_t vehicle_of[3] = {ORD_NONE, ORD_NONE, ORD_NONE};
    for (size_t k = 0; k < r.load_count; k++) {
        size_t region = c.orders[r.loads[k].order].region;
        if (vehicle_of[region] == ORD_NONE) {
            vehicle_of[region] = r.loads[k].vehicle;
        }
        assert_int_equal(vehicle_of[region], r.loads[k].vehicle);
    }
    assert_int_equal(tw_pk_vehicles_used(&r, c.vehicle_count), 3);
    ord_pack_free(&r);
}


static void
tw_pk_fewer_than_naive(void **state)
{
    (void) state;
    tw_pk_case_t c;
    ord_pack_result_t r;

    srand(7);
    for (int round = 0; round < TW_PK_ROUNDS; round++) {
        tw_pk_random(&c);
        /* enough vehicles that each take any order whole */
        c.vehicle_count = TW_PK_MAX_VEHICLES;
        for (size_t v = 0; v < c.vehicle_count; v++) {
            c.vehicles[v] = (ord_pack_vehicle_t){5000000, 10000000};
        }
        c.order_count = c.order_count < c.vehicle_count ? c.order_count
                                                        : c.vehicle_count;
        assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                             c.vehicle_count, &r));
        tw_pk_check(&c, &r);
        for (size_t o = 0; o < c.order_count; o++) {
            assert_false(r.left_over[o]);
        }
        /* one order per vehicle would take order_count vehicles */
        assert_true(tw_pk_vehicles_used(&r, c.vehicle_count) <=
                    c.order_count);
        ord_pack_free(&r);
    }

    /* 10 orders of a third of a vehicle: 4 vehicles, not 10 */
    tw_pk_uniform(&c, 10, 33, 1, 10);
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                         c.vehicle_count, &r));
    tw_pk_check(&c, &r);
    assert_int_equal(tw_pk_vehicles_used(&r, c.vehicle_count), 4);
    ord_pack_free(&r);
}


static void
tw_pk_split_by_lines(void **state)
{
    (void) state;
    tw_pk_case_t c;
    ord_pack_result_t r;

    /* one order of 3 lines of 60 units: no line is cut, 3 vehicles */
    tw_pk_uniform(&c, 1, 60, 1, 3);
    c.lines[0][1] = c.lines[0][0];
    c.lines[0][2] = c.lines[0][0];
    c.orders[0].line_count = 3;
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                         c.vehicle_count, &r));
    tw_pk_check(&c, &r);
    assert_false(r.left_over[0]);
    assert_int_equal(r.load_count, 3);
    for (size_t k = 0; k < r.load_count; k++) {
        assert_int_equal(r.loads[k].qty, 60);
    }
    assert_int_equal(tw_pk_vehicles_used(&r, c.vehicle_count), 3);
    ord_pack_free(&r);
}


static void
tw_pk_split_by_quantity(void **state)
{
    (void) state;
    tw_pk_case_t c;
    ord_pack_result_t r;

    /* one line of 250 units, 100 to a vehicle: 100 + 100 + 50 */
    tw_pk_uniform(&c, 1, 250, 1, 3);
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                         c.vehicle_count, &r));
    tw_pk_check(&c, &r);
    assert_false(r.left_over[0]);
    assert_int_equal(r.load_count, 3);
    assert_int_equal(tw_pk_vehicles_used(&r, c.vehicle_count), 3);
    ord_pack_free(&r);

    /* two vehicles only: 200 go, the order is left over */
    c.vehicle_count = 2;
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                         c.vehicle_count, &r));
    tw_pk_check(&c, &r);
    assert_true(r.left_over[0]);
    assert_int_equal(r.used_cl[0] + r.used_cl[1], 200 * 100);
    ord_pack_free(&r);
}


static void
tw_pk_fleet_full(void **state)
{
    (void) state;
    tw_pk_case_t c;
    ord_pack_result_t r;

    /* 5 orders of 60 units, 2 vehicles: 2 loaded, 3 left over */
    tw_pk_uniform(&c, 5, 60, 2, 2);
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles,
                         c.vehicle_count, &r));
    tw_pk_check(&c, &r);
    size_t left = 0;
    for (size_t o = 0; o < c.order_count; o++) {
        left += r.left_over[o];
    }
    assert_int_equal(left, 3);
    ord_pack_free(&r);

    /* no vehicle at all: everything is left over */
    assert_true(ord_pack(c.orders, c.order_count, c.vehicles, 0, &r));
    assert_int_equal(r.load_count, 0);
    assert_true(r.left_over[0] && r.left_over[4]);
    ord_pack_free(&r);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_pk_random_rounds),
        cmocka_unit_test(tw_pk_regions_together),
        cmocka_unit_test(tw_pk_fewer_than_naive),
        cmocka_unit_test(tw_pk_split_by_lines),
        cmocka_unit_test(tw_pk_split_by_quantity),
        cmocka_unit_test(tw_pk_fleet_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
