/*
 * list.c - GET /api/v1/orders: the visible orders, newest first (id
 * descending), paged by cursor (?limit= default 50, at most 200;
 * ?after=<id> continues below that id), filtered by ?status=, ?dealer=,
 * ?branch=<code> (that branch and those below it) and ?from=/?to=
 * (creation day, Asia/Shanghai, both included).
 *
 * Every filter is a parameter of one constant query (NULL when absent).
 * Row-level security already limits the rows to the user's branches.
 */
#include <stdlib.h>
#include <string.h>

#include "orders.h"

static const char ord_list_sql[] =
    "SELECT o.id, o.status, o.dealer_code, b.code, o.warehouse_code, "
    "o.total_fen, to_char(o.requested_date, 'YYYY-MM-DD'), o.created_by, "
    "to_char(o.created_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM orders.orders o JOIN core.branches b ON b.id = o.branch_id "
    "WHERE ($1::bigint IS NULL OR o.id < $1::bigint) "
    "AND ($3::text IS NULL OR o.status = $3) "
    "AND ($4::text IS NULL OR o.dealer_code = $4) "
    "AND ($5::text IS NULL OR b.path LIKE (SELECT p.path || '%' FROM "
    "core.branches p WHERE p.code = $5)) "
    "AND ($6::date IS NULL OR o.created_at >= "
    "$6::date::timestamp AT TIME ZONE 'Asia/Shanghai') "
    "AND ($7::date IS NULL OR o.created_at < "
    "($7::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') "
    "ORDER BY o.id DESC LIMIT $2";

static const char *const ord_statuses[] = {
    "submitted", "approved", "on_hold", "rejected", "planned", "shipped",
    "delivered", "cancelled", NULL,
};


static bool
ord_status_known(const char *status)
{
    for (size_t i = 0; ord_statuses[i] != NULL; i++) {
        if (strcmp(ord_statuses[i], status) == 0) {
            return true;
        }
    }
    return false;
}


static bool
ord_bad_query(tw_req_t *req, const char *name, const char *rule)
{
    tw_reply_error(req, 400, "invalid_query",
                   json_pack("{s:s}", "parameter", name),
                   "'%s' must be %s", name, rule);
    return false;
}


/* The page size: 1..200, 50 when absent. */
static bool
ord_limit(tw_req_t *req, long *limit)
{
    const char *text = tw_req_query(req, "limit");

    *limit = ORD_PAGE_DEFAULT;
    if (text == NULL) {
        return true;
    }
    if (strlen(text) <= 3 && ord_id_valid(text)) {
        *limit = strtol(text, NULL, 10);
        if (*limit >= 1 && *limit <= ORD_PAGE_MAX) {
            return true;
        }
    }
    return ord_bad_query(req, "limit", "a whole number from 1 to 200");
}


/* Checks every filter; a branch code must name a branch. */
static bool
ord_filters_valid(tw_req_t *req, const char *const *params)
{
    int64_t branch_id;

    if (params[0] != NULL && !ord_id_valid(params[0])) {
        return ord_bad_query(req, "after", "an order id");
    }
    if (params[2] != NULL && !ord_status_known(params[2])) {
        return ord_bad_query(req, "status", "an order status");
    }
    if (params[5] != NULL && !ord_date_valid(params[5])) {
        return ord_bad_query(req, "from", "a day as YYYY-MM-DD");
    }
    if (params[6] != NULL && !ord_date_valid(params[6])) {
        return ord_bad_query(req, "to", "a day as YYYY-MM-DD");
    }
    if (params[4] != NULL &&
        tw_branch_lookup(tw_req_db(req), params[4], &branch_id) != TW_OK) {
        return ord_bad_query(req, "branch", "the code of a branch");
    }
    return true;
}


static json_t *
ord_summary_json(const PGresult *res, int row)
{
    return json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id",
                     ord_json_int(res, row, 0), "status",
                     PQgetvalue(res, row, 1), "dealer",
                     PQgetvalue(res, row, 2), "branch",
                     PQgetvalue(res, row, 3), "warehouse",
                     PQgetvalue(res, row, 4), "total_fen",
                     ord_json_int(res, row, 5), "requested_date",
                     PQgetvalue(res, row, 6), "created_by",
                     PQgetvalue(res, row, 7), "created_at",
                     PQgetvalue(res, row, 8));
}


/* Replies {"items": [...], "next": id or null}; one row more than
 * the page is read to know whether another page follows. */
static void
ord_reply_page(tw_req_t *req, const PGresult *res, long limit)
{
    json_t *items = json_array();
    int rows = PQntuples(res);
    int shown = rows > limit ? (int) limit : rows;

    for (int row = 0; row < shown; row++) {
        json_array_append_new(items, ord_summary_json(res, row));
    }
    json_t *next = rows > limit ? ord_json_int(res, shown - 1, 0)
                                : json_null();
    tw_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items,
                                      "next", next));
}


void
ord_list(tw_req_t *req, void *ctx)
{
    char limit_text[24];
    long limit;
    (void) ctx;

    if (!ord_limit(req, &limit)) {
        return;
    }
    ord_int_text(limit + 1, limit_text, sizeof limit_text);
    const char *params[] = {
        tw_req_query(req, "after"), limit_text, tw_req_query(req, "status"),
        tw_req_query(req, "dealer"), tw_req_query(req, "branch"),
        tw_req_query(req, "from"), tw_req_query(req, "to"),
    };
    if (!ord_filters_valid(req, params)) {
        return;
    }

    PGresult *res = tw_db_exec(tw_req_db(req), ord_list_sql, 7, params);
    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }
    ord_reply_page(req, res, limit);
    PQclear(res);
}
