/*
 * demo.c - the orders' part of `tradewind demo-data`: months of order
 * history for the catalog's demo dealers, about ORD_DEMO_PER_MONTH
 * orders a month (the real network runs 10,000 to 50,000; this many keeps
 * a year under a minute on 2 cores), with seasonal mixes: fans peak in
 * summer, heaters and humidifiers in winter.
 *
 * History older than ORD_DEMO_OPEN_DAYS is delivered (a few cancelled or
 * rejected); the newest orders are approved, or on hold when the
 * dealer's credit would not cover them.  Orders, lines and events are
 * generated in memory from a fixed seed and sent with COPY; then the
 * dealers' open amounts and the reserved stock are set from the approved
 * orders with two UPDATEs of the catalog's tables (this runs as the
 * owner, in the one transaction of the generator), so both agree with
 * the history by construction.  Skips when any order exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orders.h"

#define ORD_DEMO_PER_MONTH 10000
#define ORD_DEMO_OPEN_DAYS 4
#define ORD_DEMO_DAY 86400
#define ORD_DEMO_CATEGORIES 6
#define ORD_DEMO_MAX_LINES 4
#define ORD_DEMO_WEIGHT 700 /* a month's season weight of an average one */

/* Seasonal weight (percent) of each category by month, January first. */
static const struct {
    const char *category;
    int weight[12];
} ord_demo_seasons[ORD_DEMO_CATEGORIES] = {
    {"fan", {20, 20, 40, 80, 150, 250, 300, 250, 120, 40, 20, 20}},
    {"heater", {250, 200, 100, 40, 20, 10, 10, 10, 30, 100, 220, 300}},
    {"air_purifier", {150, 130, 150, 120, 80, 60, 60, 60, 80, 120, 150, 170}},
    {"kitchen", {100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}},
    {"humidifier", {200, 150, 80, 40, 20, 20, 20, 20, 40, 80, 150, 200}},
    {"water_heater", {150, 130, 100, 80, 70, 60, 60, 60, 80, 110, 140, 160}},
};

typedef struct ord_demo_product {
    char sku[CAT_CODE_SIZE];
    int64_t list_fen;
} ord_demo_product_t;

typedef struct ord_demo_dealer {
    char code[CAT_CODE_SIZE];
    char branch_id[24];
    char login[48];
    char warehouse[CAT_CODE_SIZE];
    int64_t discount_bp;
    int64_t credit_fen;
    int64_t open_fen;
} ord_demo_dealer_t;

/* The products of one category. */
typedef struct ord_demo_shelf {
    ord_demo_product_t *items;
    size_t count;
} ord_demo_shelf_t;

typedef struct ord_demo {
    uint64_t seed;
    ord_demo_shelf_t shelves[ORD_DEMO_CATEGORIES];
    ord_demo_dealer_t *dealers;
    size_t n_dealers;
    time_t now;        /* Shanghai wall clock, counted as if UTC */
    FILE *orders;      /* COPY text of each table */
    FILE *lines;
    FILE *events;
    int64_t order_id;  /* the last one used */
    int64_t event_id;
    long n_lines;
    long n_open;
} ord_demo_t;

/* One order being generated. */
typedef struct ord_demo_order {
    ord_demo_dealer_t *dealer;
    time_t at;
    int64_t total_fen;
    const char *status;
} ord_demo_order_t;


/* xorshift64*: small, fast and the same everywhere. */
static uint64_t
ord_demo_next(ord_demo_t *demo)
{
    demo->seed ^= demo->seed >> 12;
    demo->seed ^= demo->seed << 25;
    demo->seed ^= demo->seed >> 27;
    return demo->seed * UINT64_C(2685821657736338717);
}


/* A whole number from 0 to n - 1. */
static int64_t
ord_demo_below(ord_demo_t *demo, int64_t n)
{
    return (int64_t) (ord_demo_next(demo) % (uint64_t) n);
}


/* Writes `at` as a Shanghai timestamp. */
static void
ord_demo_time(FILE *out, time_t at)
{
    struct tm tm;
    char text[32];

    gmtime_r(&at, &tm);
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S+08", &tm);
    fputs(text, out);
}


static int
ord_demo_category(const char *name)
{
    for (int c = 0; c < ORD_DEMO_CATEGORIES; c++) {
        if (strcmp(ord_demo_seasons[c].category, name) == 0) {
            return c;
        }
    }
    return -1;
}


/* Sorts the active products onto one shelf per category. */
static tw_rc_t
ord_demo_load_products(tw_db_t *db, ord_demo_t *demo)
{
    PGresult *res = tw_db_exec(db, "SELECT sku, category, list_price_fen"
                               " FROM catalog.products WHERE active"
                               " ORDER BY sku", 0, NULL);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    for (int c = 0; c < ORD_DEMO_CATEGORIES; c++) {
        demo->shelves[c].items = calloc((size_t) PQntuples(res) + 1,
                                        sizeof (ord_demo_product_t));
    }
    for (int i = 0; i < PQntuples(res); i++) {
        int c = ord_demo_category(PQgetvalue(res, i, 1));
        ord_demo_shelf_t *shelf = c >= 0 ? &demo->shelves[c] : NULL;

        if (shelf == NULL || shelf->items == NULL) {
            continue;
        }
        ord_demo_product_t *p = &shelf->items[shelf->count++];
        snprintf(p->sku, sizeof p->sku, "%s", PQgetvalue(res, i, 0));
        p->list_fen = strtoll(PQgetvalue(res, i, 2), NULL, 10);
    }
    PQclear(res);

    for (int c = 0; c < ORD_DEMO_CATEGORIES; c++) {
        if (demo->shelves[c].count == 0) {
            return TW_ERR_NOT_FOUND;
        }
    }
    return TW_OK;
}


static void
ord_demo_dealer_row(ord_demo_dealer_t *d, const PGresult *res, int i)
{
    snprintf(d->code, sizeof d->code, "%s", PQgetvalue(res, i, 0));
    snprintf(d->branch_id, sizeof d->branch_id, "%s", PQgetvalue(res, i, 1));
    snprintf(d->login, sizeof d->login, "%s", PQgetvalue(res, i, 2));
    snprintf(d->warehouse, sizeof d->warehouse, "%s", PQgetvalue(res, i, 3));
    d->discount_bp = strtoll(PQgetvalue(res, i, 4), NULL, 10);
    d->credit_fen = strtoll(PQgetvalue(res, i, 5), NULL, 10);
}


/* The active dealers; each order is entered by its branch's admin. */
static tw_rc_t
ord_demo_load_dealers(tw_db_t *db, ord_demo_t *demo)
{
    PGresult *res = tw_db_exec(db,
        "SELECT d.code, d.branch_id, lower(b.code) || '.admin',"
        " d.warehouse_code, d.discount_bp, d.credit_limit_fen"
        " FROM catalog.dealers d JOIN core.branches b ON b.id = d.branch_id"
        " WHERE d.active ORDER BY d.code", 0, NULL);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    demo->n_dealers = (size_t) PQntuples(res);
    demo->dealers = calloc(demo->n_dealers + 1, sizeof *demo->dealers);
    for (size_t i = 0; demo->dealers != NULL && i < demo->n_dealers; i++) {
        ord_demo_dealer_row(&demo->dealers[i], res, (int) i);
    }
    PQclear(res);
    if (demo->dealers == NULL) {
        return TW_ERR_NOMEM;
    }
    return demo->n_dealers > 0 ? TW_OK : TW_ERR_NOT_FOUND;
}


/* A category for an order of month `mon` (0-11), by its season. */
static int
ord_demo_pick_category(ord_demo_t *demo, int mon)
{
    int total = 0;

    for (int c = 0; c < ORD_DEMO_CATEGORIES; c++) {
        total += ord_demo_seasons[c].weight[mon];
    }

    int64_t r = ord_demo_below(demo, total);
    int c = 0;
    while (r >= ord_demo_seasons[c].weight[mon]) {
        r -= ord_demo_seasons[c].weight[mon];
        c++;
    }
    return c;
}


/* Up to ORD_DEMO_MAX_LINES different products for an order. */
static size_t
ord_demo_pick_products(ord_demo_t *demo, int mon,
                       const ord_demo_product_t **picked)
{
    size_t want = (size_t) ord_demo_below(demo, ORD_DEMO_MAX_LINES) + 1;
    size_t n = 0;

    for (size_t tries = 0; n < want && tries < 2 * want; tries++) {
        const ord_demo_shelf_t *shelf =
            &demo->shelves[ord_demo_pick_category(demo, mon)];
        const ord_demo_product_t *p =
            &shelf->items[ord_demo_below(demo, (int64_t) shelf->count)];
        bool taken = false;

        for (size_t i = 0; i < n; i++) {
            taken = taken || picked[i] == p;
        }
        if (!taken) {
            picked[n++] = p;
        }
    }
    return n;
}


/* Writes the lines of order `o`; sets its total. */
static void
ord_demo_lines(ord_demo_t *demo, ord_demo_order_t *o, int mon)
{
    const ord_demo_product_t *picked[ORD_DEMO_MAX_LINES];
    size_t n = ord_demo_pick_products(demo, mon, picked);

    o->total_fen = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t qty = ord_demo_below(demo, 10) + 1;
        int64_t scaled = picked[i]->list_fen *
                         (10000 - o->dealer->discount_bp);
        int64_t unit = (scaled + 5000) / 10000; /* as submit.c prices */

        fprintf(demo->lines, "%lld\t%zu\t%s\t%lld\t%lld\t%lld\t%s\n",
                (long long) demo->order_id, i + 1, picked[i]->sku,
                (long long) qty, (long long) unit, (long long) (unit * qty),
                o->dealer->branch_id);
        o->total_fen += unit * qty;
    }
    demo->n_lines += (long) n;
}


/* Appends one history event of the current order. */
static void
ord_demo_event(ord_demo_t *demo, const ord_demo_order_t *o, const char *from,
               const char *to, time_t at, const char *reason)
{
    fprintf(demo->events, "%lld\t%lld\t%s\t%s\t%s\t",
            (long long) ++demo->event_id, (long long) demo->order_id,
            o->dealer->branch_id, from != NULL ? from : "\\N", to);
    ord_demo_time(demo->events, at);
    fprintf(demo->events, "\t%s\t%s\n", o->dealer->login,
            reason != NULL ? reason : "\\N");
}


/* The status of an order `age` seconds old, and the dealer's credit. */
static void
ord_demo_decide(ord_demo_t *demo, ord_demo_order_t *o, time_t age)
{
    ord_demo_dealer_t *dealer = o->dealer;
    int64_t r = ord_demo_below(demo, 100);

    if (age < ORD_DEMO_OPEN_DAYS * ORD_DEMO_DAY) {
        bool fits = dealer->open_fen + o->total_fen <= dealer->credit_fen;
        o->status = fits && r < 85 ? "approved" : "on_hold";
        if (strcmp(o->status, "approved") == 0) {
            dealer->open_fen += o->total_fen;
            demo->n_open++;
        }
        return;
    }
    o->status = r < 3 ? "cancelled" : r < 5 ? "rejected" : "delivered";
}


/* Events of the order's life; returns when it last changed. */
static time_t
ord_demo_history(ord_demo_t *demo, const ord_demo_order_t *o)
{
    static const char *const path[] = {"approved", "planned", "shipped",
                                       "delivered"};
    static const int after[] = {5, 20 * 3600, 30 * 3600, 50 * 3600};
    const char *first = strcmp(o->status, "on_hold") == 0 ||
                                strcmp(o->status, "rejected") == 0
                            ? o->status
                            : "approved";
    const char *reason = strcmp(o->status, "on_hold") == 0
                             ? "超出信用额度，等待人工审核"
                         : strcmp(o->status, "rejected") == 0
                             ? "型号与经销区域不符"
                             : NULL;

    ord_demo_event(demo, o, NULL, "submitted", o->at, NULL);
    ord_demo_event(demo, o, "submitted", first, o->at + after[0], reason);
    if (strcmp(o->status, "cancelled") == 0) {
        ord_demo_event(demo, o, "approved", "cancelled", o->at + 3600,
                       "经销商取消");
        return o->at + 3600;
    }
    if (strcmp(o->status, "delivered") != 0) {
        return o->at + after[0];
    }
    for (size_t i = 1; i < 4; i++) {
        ord_demo_event(demo, o, path[i - 1], path[i], o->at + after[i],
                       NULL);
    }
    return o->at + after[3];
}


static const char *
ord_demo_decision(const char *status)
{
    if (strcmp(status, "on_hold") == 0) {
        return "{\"outcome\": \"hold\", \"reasons\": [\"超出信用额度\"]}";
    }
    if (strcmp(status, "rejected") == 0) {
        return "{\"outcome\": \"reject\", \"reasons\": [\"型号与经销区域不符\"]}";
    }
    return "{\"outcome\": \"approve\", \"reasons\": []}";
}


/* One order at `at`: its lines, decision, events and row. */
static void
ord_demo_order(ord_demo_t *demo, time_t at, int mon)
{
    ord_demo_order_t o = {
        .dealer = &demo->dealers[ord_demo_below(demo,
                                                (int64_t) demo->n_dealers)],
        .at = at,
    };
    char day[16];
    struct tm tm;

    demo->order_id++;
    ord_demo_lines(demo, &o, mon);
    ord_demo_decide(demo, &o, demo->now - at);
    time_t updated = ord_demo_history(demo, &o);

    time_t wanted = at + 3 * ORD_DEMO_DAY;
    gmtime_r(&wanted, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    fprintf(demo->orders, "%lld\t%s\t%s\t%s\t%s\t%lld\t%s\t%s\t%s\t",
            (long long) demo->order_id, o.dealer->branch_id, o.dealer->code,
            o.dealer->warehouse, o.status, (long long) o.total_fen, day,
            ord_demo_decision(o.status), o.dealer->login);
    ord_demo_time(demo->orders, at);
    fputc('\t', demo->orders);
    ord_demo_time(demo->orders, updated);
    if (strcmp(o.status, "delivered") == 0) {
        fputs("\t店长\t", demo->orders);
        ord_demo_time(demo->orders, updated);
        fputc('\n', demo->orders);
    } else {
        fputs("\t\\N\t\\N\n", demo->orders);
    }
}


/* The orders of the month `back` months before this one, spread evenly
 * over its days (this month: up to now), so ids follow time. */
static void
ord_demo_month(ord_demo_t *demo, int back)
{
    struct tm tm;
    gmtime_r(&demo->now, &tm);
    tm.tm_mon -= back;
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    time_t start = timegm(&tm); /* normalises tm: tm_mon is 0 to 11 */
    int mon = tm.tm_mon;
    tm.tm_mon++;
    time_t end = timegm(&tm);

    int weight = 0;
    for (int c = 0; c < ORD_DEMO_CATEGORIES; c++) {
        weight += ord_demo_seasons[c].weight[mon];
    }
    /* busier in the seasons' peaks; a partial month gets its share */
    int64_t n = (int64_t) ORD_DEMO_PER_MONTH * weight / ORD_DEMO_WEIGHT;
    if (end > demo->now) {
        n = n * (demo->now - start) / (end - start) + 1;
        end = demo->now;
    }
    for (int64_t i = 0; i < n; i++) {
        ord_demo_order(demo, start + (end - start) * i / n, mon);
    }
}


/* The sequences continue after the ids the history used. */
static tw_rc_t
ord_demo_sequences(tw_db_t *db)
{
    static const char *const steps[] = {
        "SELECT setval(pg_get_serial_sequence('orders.orders', 'id'),"
        " (SELECT max(id) FROM orders.orders))",
        "SELECT setval(pg_get_serial_sequence('orders.order_events', 'id'),"
        " (SELECT max(id) FROM orders.order_events))",
    };
    tw_rc_t rc = TW_OK;

    for (size_t i = 0; rc == TW_OK && i < sizeof steps / sizeof *steps;
         i++) {
        rc = ord_command(db, steps[i]);
    }
    return rc;
}


/* For every row of `sql`, reserves stock (rows: warehouse, sku, qty)
 * when `stock` is true, else charges a dealer (rows: dealer, amount). */
static tw_rc_t
ord_demo_take_each(tw_db_t *db, const char *sql, bool stock,
                   const cat_service_t *cat)
{
    PGresult *res = tw_db_exec(db, sql, 0, NULL);
    tw_rc_t rc = TW_OK;

    if (res == NULL) {
        return tw_db_rc(db);
    }
    for (int i = 0; rc == TW_OK && i < PQntuples(res); i++) {
        const char *a = PQgetvalue(res, i, 0);
        int64_t n = strtoll(PQgetvalue(res, i, stock ? 2 : 1), NULL, 10);

        rc = stock ? cat->stock_reserve(db, a, PQgetvalue(res, i, 1), n)
                   : cat->dealer_charge(db, a, n);
    }
    PQclear(res);
    return rc;
}


/* What the open orders of the history hold: their stock reservations
 * and the dealers' open amounts, taken through catalog.v1 as a live
 * order's are, since a plugin never writes another's tables. */
static tw_rc_t
ord_demo_settle(tw_db_t *db)
{
    const cat_service_t *cat = ord_catalog();
    tw_rc_t rc = ord_demo_sequences(db);

    if (rc == TW_OK) {
        rc = ord_demo_take_each(db,
            "SELECT o.warehouse_code, l.sku, sum(l.qty)"
            " FROM orders.orders o JOIN orders.order_lines l"
            " ON l.order_id = o.id WHERE o.status IN ('approved', 'planned')"
            " GROUP BY 1, 2 ORDER BY 1, 2", true, cat);
    }
    if (rc == TW_OK) {
        rc = ord_demo_take_each(db,
            "SELECT dealer_code, sum(total_fen) FROM orders.orders"
            " WHERE status IN ('approved', 'planned', 'shipped')"
            " GROUP BY 1 ORDER BY 1", false, cat);
    }
    return rc;
}


/* Now on the Shanghai wall clock, counted as if it were UTC. */
static tw_rc_t
ord_demo_clock(tw_db_t *db, ord_demo_t *demo)
{
    PGresult *res = tw_db_exec(db, "SELECT extract(epoch FROM"
                               " (now() AT TIME ZONE 'Asia/Shanghai'))"
                               "::bigint", 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    demo->now = (time_t) strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return TW_OK;
}


static const char *const ord_demo_copies[] = {
    "COPY orders.orders (id, branch_id, dealer_code, warehouse_code,"
    " status, total_fen, requested_date, decision, created_by, created_at,"
    " updated_at, signed_by, signed_at) FROM STDIN",
    "COPY orders.order_lines (order_id, line_no, sku, qty, unit_price_fen,"
    " line_total_fen, branch_id) FROM STDIN",
    "COPY orders.order_events (id, order_id, branch_id, from_status,"
    " to_status, at, by_login, reason) FROM STDIN",
};


/* Generates `months` months of history and sends it, table by table
 * (orders first: lines and events refer to them). */
static tw_rc_t
ord_demo_build(tw_db_t *db, ord_demo_t *demo, int months)
{
    FILE **outs[] = {&demo->orders, &demo->lines, &demo->events};
    char *text[] = {NULL, NULL, NULL};
    size_t len[] = {0, 0, 0};
    tw_rc_t rc = TW_OK;

    for (size_t i = 0; i < 3; i++) {
        *outs[i] = open_memstream(&text[i], &len[i]);
        rc = *outs[i] == NULL ? TW_ERR_NOMEM : rc;
    }
    for (int back = months - 1; rc == TW_OK && back >= 0; back--) {
        ord_demo_month(demo, back);
    }

    for (size_t i = 0; i < 3; i++) {
        if (*outs[i] != NULL && fclose(*outs[i]) != 0) {
            rc = TW_ERR_NOMEM;
        }
        if (rc == TW_OK) {
            rc = tw_db_copy(db, ord_demo_copies[i], text[i], len[i]);
        }
        free(text[i]);
    }
    return rc;
}


static void
ord_demo_free(ord_demo_t *demo)
{
    for (int c = 0; c < ORD_DEMO_CATEGORIES; c++) {
        free(demo->shelves[c].items);
    }
    free(demo->dealers);
    free(demo);
}


/* True when there is no order yet (else nothing is generated). */
static tw_rc_t
ord_demo_empty(tw_db_t *db, bool *empty)
{
    PGresult *res = tw_db_exec(db, "SELECT NOT EXISTS (SELECT 1 FROM"
                               " orders.orders)", 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    *empty = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return TW_OK;
}


static tw_rc_t
ord_demo_run(tw_db_t *db, ord_demo_t *demo, int months, char *msg,
             size_t msg_size)
{
    tw_rc_t rc = ord_demo_load_products(db, demo);
    if (rc == TW_OK) {
        rc = ord_demo_load_dealers(db, demo);
    }
    if (rc == TW_ERR_NOT_FOUND) {
        snprintf(msg, msg_size, "no demo products or dealers in the catalog");
        return rc;
    }
    rc = rc == TW_OK ? ord_demo_clock(db, demo) : rc;
    rc = rc == TW_OK ? ord_demo_build(db, demo, months) : rc;
    rc = rc == TW_OK ? ord_demo_settle(db) : rc;
    if (rc == TW_OK) {
        snprintf(msg, msg_size, "%lld orders in %d month(s), %ld lines, "
                 "%lld events, %ld approved and open",
                 (long long) demo->order_id, months, demo->n_lines,
                 (long long) demo->event_id, demo->n_open);
    }
    return rc;
}


static tw_rc_t
ord_demo_generate(tw_db_t *db, const tw_demo_options_t *opt, char *msg,
                  size_t msg_size)
{
    bool empty = false;
    tw_rc_t rc = ord_demo_empty(db, &empty);

    if (rc != TW_OK || !empty) {
        snprintf(msg, msg_size, "already loaded: orders exist");
        return rc;
    }

    ord_demo_t *demo = calloc(1, sizeof *demo);
    if (demo == NULL) {
        return TW_ERR_NOMEM;
    }
    demo->seed = UINT64_C(0x6f72646572732121); /* fixed: same data */
    rc = ord_demo_run(db, demo, opt->months, msg, msg_size);
    ord_demo_free(demo);
    return rc;
}


tw_rc_t
ord_demo_register(tw_host_t *host)
{
    return tw_demo_add(host, ord_demo_generate);
}
