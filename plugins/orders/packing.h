/*
 * packing.h - truck loading as a pure computation: orders (lines of
 * units with a volume and a weight) onto vehicles (a volume and a weight
 * capacity), with no database, so it is easy to test on its own.
 *
 * The caller owns the inputs; ord_pack fills a result that the caller
 * frees with ord_pack_free.  Volumes are in centilitres, weights in
 * grams, all integers: a load never passes a capacity by rounding.
 */
#ifndef ORD_PACKING_H
#define ORD_PACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ord_pack_line {
    int64_t volume_cl; /* of one unit */
    int64_t weight_g;  /* of one unit */
    int64_t qty;
} ord_pack_line_t;

typedef struct ord_pack_order {
    size_t region; /* orders of one region stay together where they fit */
    const ord_pack_line_t *lines;
    size_t line_count;
} ord_pack_order_t;

typedef struct ord_pack_vehicle {
    int64_t capacity_cl;
    int64_t capacity_g;
} ord_pack_vehicle_t;

/* `qty` units of line `line` of order `order` go on vehicle `vehicle`. */
typedef struct ord_pack_load {
    size_t vehicle;
    size_t order;
    size_t line;
    int64_t qty;
} ord_pack_load_t;

typedef struct ord_pack_result {
    ord_pack_load_t *loads; /* by vehicle, then as loaded */
    size_t load_count;
    bool *left_over;  /* per order: some of it is on no vehicle */
    int64_t *used_cl; /* per vehicle */
    int64_t *used_g;  /* per vehicle */
} ord_pack_result_t;

/* Loads `orders` onto `vehicles`.  Returns false only when out of
 * memory (then `out` holds nothing to free). */
bool ord_pack(const ord_pack_order_t *orders, size_t order_count,
              const ord_pack_vehicle_t *vehicles, size_t vehicle_count,
              ord_pack_result_t *out);

void ord_pack_free(ord_pack_result_t *result);

#endif
