/*
 * plan.c - GET /api/v1/shipping-plan?warehouse=CODE&date=YYYY-MM-DD: the
 * goods due from a warehouse by a day (see trips.h), grouped by region
 * (the dealer's, as the catalog has it), each region and order with its
 * volume and weight.  Volumes travel as litres (centilitres / 100, at
 * most two decimals) as the catalog's products do, weights in grams.
 *
 * Row-level security limits the orders to the user's branches: an HQ
 * logistics user sees the whole warehouse.
 */
#include <string.h>

#include "trips.h"


int64_t
ord_percent(int64_t used, int64_t capacity)
{
    if (capacity <= 0) {
        return 0;
    }
    return (used * 200 + capacity) / (capacity * 2);
}


static bool
ord_plan_refuse(tw_req_t *req, const char *name, const char *rule)
{
    tw_reply_error(req, 400, "invalid_input",
                   json_pack("{s:s}", "field", name), "'%s' must be %s",
                   name, rule);
    return false;
}


bool
ord_plan_args(tw_req_t *req, bool from_body, const char **warehouse,
              const char **date)
{
    static const char *const allowed[] = {"warehouse", "date", NULL};
    cat_warehouse_t found;

    if (from_body) {
        if (!ord_body_only(req, allowed)) {
            return false;
        }
        json_t *body = tw_req_json(req);
        *warehouse = json_string_value(json_object_get(body, "warehouse"));
        *date = json_string_value(json_object_get(body, "date"));
    } else {
        *warehouse = tw_req_query(req, "warehouse");
        *date = tw_req_query(req, "date");
    }
    if (*warehouse == NULL || (*warehouse)[0] == '\0') {
        return ord_plan_refuse(req, "warehouse", "a warehouse code");
    }
    if (!ord_date_valid(*date)) {
        return ord_plan_refuse(req, "date", "a day as YYYY-MM-DD");
    }

    tw_rc_t rc = ord_catalog()->warehouse_get(tw_req_db(req), *warehouse,
                                              &found);
    if (rc != TW_OK) {
        ord_reply_rc(req, rc, "warehouse");
        return false;
    }
    return true;
}


static json_t *
ord_litres(int64_t cl)
{
    return json_real((double) cl / 100.0);
}


static json_t *
ord_plan_order_json(const ord_due_t *due, const ord_due_order_t *order)
{
    json_t *lines = json_array();

    for (size_t l = 0; l < order->line_count; l++) {
        size_t index = order->first_line + l;
        json_array_append_new(lines, json_pack(
            "{s:s, s:I}", "sku", due->skus[index], "qty",
            (json_int_t) due->lines[index].qty));
    }
    return json_pack("{s:I, s:s, s:o, s:I, s:o}", "id",
                     (json_int_t) order->id, "dealer", order->dealer,
                     "volume_l", ord_litres(order->volume_cl), "weight_g",
                     (json_int_t) order->weight_g, "lines", lines);
}


static json_t *
ord_plan_region_json(const ord_due_t *due, size_t region)
{
    json_t *orders = json_array();
    int64_t cl = 0;
    int64_t g = 0;

    for (size_t o = 0; o < due->order_count; o++) {
        const ord_due_order_t *order = &due->orders[o];
        if (order->region == region) {
            cl += order->volume_cl;
            g += order->weight_g;
            json_array_append_new(orders, ord_plan_order_json(due, order));
        }
    }
    return json_pack("{s:s, s:o, s:I, s:o}", "region", due->regions[region],
                     "volume_l", ord_litres(cl), "weight_g", (json_int_t) g,
                     "orders", orders);
}


void
ord_shipping_plan(tw_req_t *req, void *ctx)
{
    (void) ctx;
    const char *warehouse;
    const char *date;
    ord_due_t due;

    if (!ord_plan_args(req, false, &warehouse, &date)) {
        return;
    }
    tw_rc_t rc = ord_due_load(tw_req_db(req), warehouse, date, &due);
    if (rc != TW_OK) {
        ord_reply_rc(req, rc, "product or dealer of a due order");
        return;
    }

    json_t *regions = json_array();
    for (size_t r = 0; r < due.region_count; r++) {
        json_array_append_new(regions, ord_plan_region_json(&due, r));
    }
    ord_due_free(&due);
    tw_reply_json(req, 200, json_pack("{s:s, s:s, s:o}", "warehouse",
                                      warehouse, "date", date, "regions",
                                      regions));
}
