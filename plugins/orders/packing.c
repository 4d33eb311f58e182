/*
 * packing.c - truck loading (see packing.h): a region-aware first-fit
 * decreasing.
 *
 * 1. Items: an order that fits some vehicle is one item.  A larger one is
 *    split by lines into pieces that each fit some vehicle; a single line
 *    that fits no vehicle is cut by quantity into chunks of as many units
 *    as the roomiest vehicle takes (only then is a line cut).
 * 2. Items are sorted by region (the region with the most goods first),
 *    then by size, the larger of volume and weight as a share of the
 *    biggest vehicle, decreasing.
 * 3. A region that fits whole into the room left on a vehicle in use goes
 *    there.  Otherwise each item goes, first fit, onto a vehicle already
 *    carrying its region; else onto the smallest unused vehicle that
 *    holds the rest of the region; else into room left on any vehicle;
 *    else onto the biggest unused vehicle it fits; else it is left over.
 *
 * Capacities are checked in integers on every placement, so no vehicle
 * is ever loaded past its volume or its weight.  Not thread-shared: all
 * state lives in one call.
 */
#include <stdlib.h>
#include <string.h>

#include "packing.h"

#define ORD_NONE ((size_t) -1)

typedef struct ord_pack_part {
    size_t line;
    int64_t qty;
} ord_pack_part_t;

/* A piece of an order that goes onto one vehicle. */
typedef struct ord_pack_item {
    size_t order;
    size_t region;
    size_t first_part;
    size_t part_count;
    int64_t cl;
    int64_t g;
    double size;        /* share of the biggest vehicle; only for sorting */
    double region_size; /* the sum of its region's sizes */
    size_t vehicle;     /* ORD_NONE: left over */
} ord_pack_item_t;

/* Everything one call works on. */
typedef struct ord_pack_state {
    const ord_pack_order_t *orders;
    const ord_pack_vehicle_t *vehicles;
    size_t vehicle_count;
    ord_pack_item_t *items;
    size_t item_count;
    size_t item_cap;
    ord_pack_part_t *parts;
    size_t part_count;
    size_t part_cap;
    size_t region_count;
    bool *holds; /* vehicle x region: the vehicle carries that region */
    bool *used;  /* per vehicle */
    ord_pack_result_t *out;
} ord_pack_state_t;


static bool
ord_pack_grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return true;
    }

    size_t cap_new = *cap < 16 ? 16 : *cap * 2;
    while (cap_new < need) {
        cap_new *= 2;
    }
    void *grown = realloc(*array, cap_new * elem);
    if (grown == NULL) {
        return false;
    }
    *array = grown;
    *cap = cap_new;
    return true;
}


static bool
ord_pack_fits(const ord_pack_vehicle_t *vehicle, int64_t cl, int64_t g)
{
    return cl <= vehicle->capacity_cl && g <= vehicle->capacity_g;
}


static bool
ord_pack_fits_any(const ord_pack_state_t *st, int64_t cl, int64_t g)
{
    for (size_t v = 0; v < st->vehicle_count; v++) {
        if (ord_pack_fits(&st->vehicles[v], cl, g)) {
            return true;
        }
    }
    return false;
}


/* The most units of `line` any one vehicle takes; 0 if none takes one. */
static int64_t
ord_pack_max_units(const ord_pack_state_t *st, const ord_pack_line_t *line)
{
    int64_t best = 0;

    for (size_t v = 0; v < st->vehicle_count; v++) {
        const ord_pack_vehicle_t *veh = &st->vehicles[v];
        int64_t by_cl = line->volume_cl > 0
                            ? veh->capacity_cl / line->volume_cl : INT64_MAX;
        int64_t by_g = line->weight_g > 0
                           ? veh->capacity_g / line->weight_g : INT64_MAX;
        int64_t units = by_cl < by_g ? by_cl : by_g;
        best = units > best ? units : best;
    }
    return best;
}


/* Starts a new, empty item of order `order`; NULL when out of memory. */
static ord_pack_item_t *
ord_pack_item_new(ord_pack_state_t *st, size_t order)
{
    if (!ord_pack_grow((void **) &st->items, &st->item_cap,
                       st->item_count + 1, sizeof *st->items)) {
        return NULL;
    }

    ord_pack_item_t *item = &st->items[st->item_count++];
    memset(item, 0, sizeof *item);
    item->order = order;
    item->region = st->orders[order].region;
    item->first_part = st->part_count;
    item->vehicle = ORD_NONE;
    return item;
}


/* Adds `qty` units of line `line` to the last item. */
static bool
ord_pack_part_add(ord_pack_state_t *st, size_t line, int64_t qty)
{
    ord_pack_item_t *item = &st->items[st->item_count - 1];
    const ord_pack_line_t *src = &st->orders[item->order].lines[line];

    if (!ord_pack_grow((void **) &st->parts, &st->part_cap,
                       st->part_count + 1, sizeof *st->parts)) {
        return false;
    }
    st->parts[st->part_count++] = (ord_pack_part_t){line, qty};
    item->part_count++;
    item->cl += src->volume_cl * qty;
    item->g += src->weight_g * qty;
    return true;
}


/* Cuts line `line` of order `order`, which fits no vehicle whole, into
 * chunks of as many units as the roomiest vehicle takes. */
static bool
ord_pack_cut_line(ord_pack_state_t *st, size_t order, size_t line)
{
    const ord_pack_line_t *src = &st->orders[order].lines[line];
    int64_t chunk = ord_pack_max_units(st, src);

    if (chunk == 0) {
        /* not even one unit fits a vehicle */
        st->out->left_over[order] = true;
        return true;
    }
    for (int64_t left = src->qty; left > 0; left -= chunk) {
        if (ord_pack_item_new(st, order) == NULL ||
            !ord_pack_part_add(st, line, left < chunk ? left : chunk)) {
            return false;
        }
    }
    return true;
}


/* Splits order `order`, which fits no vehicle whole, by lines. */
static bool
ord_pack_split(ord_pack_state_t *st, size_t order)
{
    const ord_pack_order_t *src = &st->orders[order];
    ord_pack_item_t *piece = NULL;

    for (size_t l = 0; l < src->line_count; l++) {
        const ord_pack_line_t *line = &src->lines[l];
        int64_t cl = line->volume_cl * line->qty;
        int64_t g = line->weight_g * line->qty;

        if (!ord_pack_fits_any(st, cl, g)) {
            if (!ord_pack_cut_line(st, order, l)) {
                return false;
            }
            piece = NULL;
            continue;
        }
        if (piece == NULL ||
            !ord_pack_fits_any(st, piece->cl + cl, piece->g + g)) {
            piece = ord_pack_item_new(st, order);
        }
        if (piece == NULL || !ord_pack_part_add(st, l, line->qty)) {
            return false;
        }
        piece = &st->items[st->item_count - 1];
    }
    return true;
}


/* One item for an order that fits some vehicle whole. */
static bool
ord_pack_whole(ord_pack_state_t *st, size_t order)
{
    if (ord_pack_item_new(st, order) == NULL) {
        return false;
    }
    for (size_t l = 0; l < st->orders[order].line_count; l++) {
        if (!ord_pack_part_add(st, l, st->orders[order].lines[l].qty)) {
            return false;
        }
    }
    return true;
}


static bool
ord_pack_make_items(ord_pack_state_t *st, size_t order_count)
{
    for (size_t o = 0; o < order_count; o++) {
        const ord_pack_order_t *src = &st->orders[o];
        int64_t cl = 0;
        int64_t g = 0;

        for (size_t l = 0; l < src->line_count; l++) {
            cl += src->lines[l].volume_cl * src->lines[l].qty;
            g += src->lines[l].weight_g * src->lines[l].qty;
        }
        bool ok = ord_pack_fits_any(st, cl, g) ? ord_pack_whole(st, o)
                                               : ord_pack_split(st, o);
        if (!ok) {
            return false;
        }
        if (src->region + 1 > st->region_count) {
            st->region_count = src->region + 1;
        }
    }
    return true;
}


/* Sizes as a share of the biggest vehicle (most volume, then weight). */
static void
ord_pack_sizes(ord_pack_state_t *st, double *region_sizes)
{
    const ord_pack_vehicle_t *big = &st->vehicles[0];

    for (size_t v = 1; v < st->vehicle_count; v++) {
        const ord_pack_vehicle_t *veh = &st->vehicles[v];
        if (veh->capacity_cl > big->capacity_cl ||
            (veh->capacity_cl == big->capacity_cl &&
             veh->capacity_g > big->capacity_g)) {
            big = veh;
        }
    }
    for (size_t i = 0; i < st->item_count; i++) {
        ord_pack_item_t *item = &st->items[i];
        double by_cl = (double) item->cl / (double) big->capacity_cl;
        double by_g = (double) item->g / (double) big->capacity_g;
        item->size = by_cl > by_g ? by_cl : by_g;
        region_sizes[item->region] += item->size;
    }
    for (size_t i = 0; i < st->item_count; i++) {
        st->items[i].region_size = region_sizes[st->items[i].region];
    }
}


static int
ord_pack_compare(const void *a, const void *b)
{
    const ord_pack_item_t *x = a;
    const ord_pack_item_t *y = b;

    if (x->region_size != y->region_size) {
        return x->region_size > y->region_size ? -1 : 1;
    }
    if (x->region != y->region) {
        return x->region < y->region ? -1 : 1;
    }
    if (x->size != y->size) {
        return x->size > y->size ? -1 : 1;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}


static bool
ord_pack_room(const ord_pack_state_t *st, size_t v, int64_t cl, int64_t g)
{
    return st->out->used_cl[v] + cl <= st->vehicles[v].capacity_cl &&
           st->out->used_g[v] + g <= st->vehicles[v].capacity_g;
}


static void
ord_pack_put(ord_pack_state_t *st, ord_pack_item_t *item, size_t v)
{
    item->vehicle = v;
    st->used[v] = true;
    st->holds[v * st->region_count + item->region] = true;
    st->out->used_cl[v] += item->cl;
    st->out->used_g[v] += item->g;
}


/* First vehicle with room for cl/g; `region` != ORD_NONE: only those
 * carrying it.  ORD_NONE when there is none. */
static size_t
ord_pack_first_fit(const ord_pack_state_t *st, size_t region, int64_t cl,
                   int64_t g)
{
    for (size_t v = 0; v < st->vehicle_count; v++) {
        bool eligible = region == ORD_NONE
                            ? st->used[v]
                            : st->holds[v * st->region_count + region];
        if (eligible && ord_pack_room(st, v, cl, g)) {
            return v;
        }
    }
    return ORD_NONE;
}


/* The unused vehicle that holds cl/g: the smallest (`smallest`) or the
 * biggest one.  ORD_NONE when none does. */
static size_t
ord_pack_unused(const ord_pack_state_t *st, int64_t cl, int64_t g,
                bool smallest)
{
    size_t best = ORD_NONE;

    for (size_t v = 0; v < st->vehicle_count; v++) {
        const ord_pack_vehicle_t *veh = &st->vehicles[v];
        if (st->used[v] || !ord_pack_fits(veh, cl, g)) {
            continue;
        }
        const ord_pack_vehicle_t *cur = best != ORD_NONE
                                            ? &st->vehicles[best] : NULL;
        bool smaller = cur != NULL &&
                       (veh->capacity_cl != cur->capacity_cl
                            ? veh->capacity_cl < cur->capacity_cl
                            : veh->capacity_g < cur->capacity_g);
        bool bigger = cur != NULL &&
                      (veh->capacity_cl != cur->capacity_cl
                           ? veh->capacity_cl > cur->capacity_cl
                           : veh->capacity_g > cur->capacity_g);
        if (cur == NULL || (smallest ? smaller : bigger)) {
            best = v;
        }
    }
    return best;
}


/* Where item `item` goes, with `rest_cl`/`rest_g` of its region still to
 * place (itself included); ORD_NONE when nowhere. */
static size_t
ord_pack_choose(const ord_pack_state_t *st, const ord_pack_item_t *item,
                int64_t rest_cl, int64_t rest_g)
{
    size_t v = ord_pack_first_fit(st, item->region, item->cl, item->g);

    if (v == ORD_NONE) {
        v = ord_pack_unused(st, rest_cl, rest_g, true);
    }
    if (v == ORD_NONE) {
        v = ord_pack_first_fit(st, ORD_NONE, item->cl, item->g);
    }
    if (v == ORD_NONE) {
        v = ord_pack_unused(st, item->cl, item->g, false);
    }
    return v;
}


/* Places the items [first, end) of one region. */
static void
ord_pack_region(ord_pack_state_t *st, size_t first, size_t end)
{
    int64_t rest_cl = 0;
    int64_t rest_g = 0;

    for (size_t i = first; i < end; i++) {
        rest_cl += st->items[i].cl;
        rest_g += st->items[i].g;
    }

    /* a small region fills a gap on a vehicle in use, whole */
    size_t gap = ord_pack_first_fit(st, ORD_NONE, rest_cl, rest_g);
    for (size_t i = first; i < end; i++) {
        ord_pack_item_t *item = &st->items[i];
        size_t v = gap != ORD_NONE ? gap
                                   : ord_pack_choose(st, item, rest_cl,
                                                     rest_g);
        if (v != ORD_NONE) {
            ord_pack_put(st, item, v);
        } else {
            st->out->left_over[item->order] = true;
        }
        rest_cl -= item->cl;
        rest_g -= item->g;
    }
}


/* Adds a load, merged with an earlier one of the same vehicle, order and
 * line (chunks of a cut line may share a vehicle). */
static bool
ord_pack_emit(ord_pack_state_t *st, size_t *cap, size_t first_of_vehicle,
              ord_pack_load_t load)
{
    ord_pack_result_t *out = st->out;

    for (size_t k = first_of_vehicle; k < out->load_count; k++) {
        if (out->loads[k].order == load.order &&
            out->loads[k].line == load.line) {
            out->loads[k].qty += load.qty;
            return true;
        }
    }
    if (!ord_pack_grow((void **) &out->loads, cap, out->load_count + 1,
                       sizeof *out->loads)) {
        return false;
    }
    out->loads[out->load_count++] = load;
    return true;
}


static bool
ord_pack_collect(ord_pack_state_t *st)
{
    size_t cap = 0;

    for (size_t v = 0; v < st->vehicle_count; v++) {
        size_t first = st->out->load_count;
        for (size_t i = 0; i < st->item_count; i++) {
            const ord_pack_item_t *item = &st->items[i];
            for (size_t p = 0; item->vehicle == v && p < item->part_count;
                 p++) {
                const ord_pack_part_t *part =
                    &st->parts[item->first_part + p];
                ord_pack_load_t load = {v, item->order, part->line,
                                        part->qty};
                if (!ord_pack_emit(st, &cap, first, load)) {
                    return false;
                }
            }
        }
    }
    return true;
}


static bool
ord_pack_run(ord_pack_state_t *st, size_t order_count)
{
    if (!ord_pack_make_items(st, order_count)) {
        return false;
    }

    size_t regions = st->region_count > 0 ? st->region_count : 1;
    double *region_sizes = calloc(regions, sizeof *region_sizes);
    st->holds = calloc(st->vehicle_count * regions, sizeof *st->holds);
    if (region_sizes == NULL || st->holds == NULL) {
        free(region_sizes);
        return false;
    }
    ord_pack_sizes(st, region_sizes);
    free(region_sizes);
    if (st->item_count > 0) {
        qsort(st->items, st->item_count, sizeof *st->items,
              ord_pack_compare);
    }

    for (size_t first = 0, end; first < st->item_count; first = end) {
        end = first + 1;
        while (end < st->item_count &&
               st->items[end].region == st->items[first].region) {
            end++;
        }
        ord_pack_region(st, first, end);
    }
    return ord_pack_collect(st);
}


bool
ord_pack(const ord_pack_order_t *orders, size_t order_count,
         const ord_pack_vehicle_t *vehicles, size_t vehicle_count,
         ord_pack_result_t *out)
{
    ord_pack_state_t st = {.orders = orders, .vehicles = vehicles,
                           .vehicle_count = vehicle_count, .out = out};
    size_t vehicles_or_one = vehicle_count > 0 ? vehicle_count : 1;

    memset(out, 0, sizeof *out);
    out->left_over = calloc(order_count > 0 ? order_count : 1,
                            sizeof *out->left_over);
    out->used_cl = calloc(vehicles_or_one, sizeof *out->used_cl);
    out->used_g = calloc(vehicles_or_one, sizeof *out->used_g);
    st.used = calloc(vehicles_or_one, sizeof *st.used);

    bool ok = out->left_over != NULL && out->used_cl != NULL &&
              out->used_g != NULL && st.used != NULL;
    if (ok && vehicle_count == 0) {
        memset(out->left_over, true, order_count * sizeof *out->left_over);
    } else if (ok) {
        ok = ord_pack_run(&st, order_count);
    }
    free(st.items);
    free(st.parts);
    free(st.holds);
    free(st.used);
    if (!ok) {
        ord_pack_free(out);
    }
    return ok;
}


void
ord_pack_free(ord_pack_result_t *result)
{
    free(result->loads);
    free(result->left_over);
    free(result->used_cl);
    free(result->used_g);
    memset(result, 0, sizeof *result);
}
