/*
 * test_orders_concurrency.c - many orders at once against scarce stock
 * and a limited credit: never oversold, never over the credit limit.
 *
 * Each test forks 20 children that each POST one order of one unit at
 * the same moment (they wait on a pipe that the parent closes), then
 * checks the sums in the database: approved orders == min(stock,
 * credit), reserved == approved units, on hand - reserved >= 0, the
 * open amount == the sum of approved totals <= the credit limit, and
 * every other order on hold with a reason.  The shipped rules run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TW_OC_PASSWORD "concurrency-password"
#define TW_OC_ORDERS 20
#define TW_OC_PRICE 10000 /* fen, one unit, no discount */

typedef struct tw_oc {
    tw_test_db_t db;
    tw_test_server_t srv;
    char extra[256];
    char date[11];
    char *admin;
    char *clerk;
} tw_oc_t;


static void
tw_oc_post(const tw_oc_t *oc, const char *method, const char *path,
           const char *body, int expected)
{
    json_decref(tw_test_call(&oc->srv, method, path, oc->admin, NULL, body,
                             expected));
}


/* A product `sku` with `on_hand` units and a dealer `dealer` in branch A
 * whose credit covers `credit_orders` orders of one unit. */
static void
tw_oc_stage(const tw_oc_t *oc, const char *sku, long long on_hand,
            const char *dealer, long long credit_orders)
{
    char body[512];
    char path[128];

    snprintf(body, sizeof body,
             "{\"sku\":\"%s\",\"name\":\"风扇 %s\",\"category\":\"fan\","
             "\"volume_l\":20,\"weight_g\":3000,\"list_price_fen\":%d}",
             sku, sku, TW_OC_PRICE);
    tw_oc_post(oc, "POST", "/api/v1/products", body, 201);
    snprintf(path, sizeof path, "/api/v1/warehouses/WH-C/stock/%s", sku);
    snprintf(body, sizeof body, "{\"on_hand\":%lld}", on_hand);
    tw_oc_post(oc, "PUT", path, body, 200);

    snprintf(body, sizeof body,
             "{\"code\":\"%s\",\"name\":\"经销商 %s\",\"branch\":\"A\","
             "\"region\":\"华东\",\"warehouse\":\"WH-C\",\"discount_bp\":0,"
             "\"credit_limit_fen\":%lld}",
             dealer, dealer, credit_orders * TW_OC_PRICE);
    tw_oc_post(oc, "POST", "/api/v1/dealers", body, 201);
}


static int
tw_oc_setup(void **state)
{
    tw_oc_t *oc = calloc(1, sizeof *oc);
    time_t later = time(NULL) + 7 * 86400;

    assert_non_null(oc);
    *state = oc;
    strftime(oc->date, sizeof oc->date, "%Y-%m-%d", gmtime(&later));
    snprintf(oc->extra, sizeof oc->extra, "[rules]\ndir = %s/scripts\n",
             TW_SOURCE_DIR);

    tw_test_options_t opts = {.modules = "catalog = on\norders = on\n",
                              .extra = oc->extra,
                              .plugin_dir = TW_BUILD_DIR "/plugins"};
    tw_test_serve(&oc->db, &oc->srv, &opts);
    oc->admin = tw_test_user(&oc->srv, "hq.admin", TW_OC_PASSWORD, "HQ",
                             "admin");
    tw_oc_post(oc, "POST", "/api/v1/branches",
               "{\"code\":\"A\",\"name\":\"A分公司\",\"parent\":\"HQ\"}", 201);
    tw_oc_post(oc, "POST", "/api/v1/warehouses",
               "{\"code\":\"WH-C\",\"name\":\"上海仓\",\"region\":\"华东\"}",
               201);
    oc->clerk = tw_test_user(&oc->srv, "a.clerk", TW_OC_PASSWORD, "A",
                             "order_clerk");
    return 0;
}


static int
tw_oc_teardown(void **state)
{
    tw_oc_t *oc = *state;

    if (oc == NULL) {
        return 0;
    }
    tw_test_finish(&oc->db, &oc->srv);
    free(oc->admin);
    free(oc->clerk);
    free(oc);
    return 0;
}


/* A child: waits for the start signal, posts its order, and exits 0
 * when it was answered 201. */
static void
tw_oc_child(const tw_oc_t *oc, int start_fd, const char *body)
{
    tw_test_response_t res;
    char byte;

    /* read returns 0 when the parent closes the pipe: all start at once */
    if (read(start_fd, &byte, 1) < 0) {
        _exit(2);
    }
    int rc = tw_test_http(oc->srv.port, "POST", "/api/v1/orders", oc->clerk,
                          NULL, body, &res);
    int ok = rc == 0 && res.status == 201;
    if (!ok) {
        fprintf(stderr, "order answered %d: %s\n", res.status,
                res.body != NULL ? res.body : "");
    }
    tw_test_response_free(&res);
    _exit(ok ? 0 : 1);
}


/* Fires TW_OC_ORDERS orders, the i-th for dealers[i % dealer_count], of
 * one unit of `sku`, all at once; asserts every one was answered 201. */
static void
tw_oc_fire(const tw_oc_t *oc, const char *sku, const char *const *dealers,
           size_t dealer_count)
{
    pid_t pids[TW_OC_ORDERS];
    int start[2];

    assert_int_equal(pipe(start), 0);
    for (size_t i = 0; i < TW_OC_ORDERS; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"dealer\":\"%s\",\"lines\":[{\"sku\":\"%s\",\"qty\":1}],"
                 "\"requested_date\":\"%s\"}",
                 dealers[i % dealer_count], sku, oc->date);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(start[1]);
            tw_oc_child(oc, start[0], body);
        }
    }
    close(start[0]);
    close(start[1]);

    int failed = 0;
    for (size_t i = 0; i < TW_OC_ORDERS; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    assert_int_equal(failed, 0);
}


static long long
tw_oc_number(const tw_oc_t *oc, const char *sql, const char *param)
{
    char *text = tw_test_db_value(&oc->db, sql, param);
    long long value = strtoll(text, NULL, 10);

    free(text);
    return value;
}


/* The sums after the orders of `sku`: `approved` orders approved,
 * the rest held with a reason, stock and credit consistent. */
static void
tw_oc_check(const tw_oc_t *oc, const char *sku, long long approved)
{
    long long ok = tw_oc_number(oc, "SELECT count(*) FROM orders.orders o "
                                "JOIN orders.order_lines l ON l.order_id = "
                                "o.id WHERE l.sku = $1 AND o.status = "
                                "'approved'", sku);
    long long held = tw_oc_number(oc, "SELECT count(*) FROM orders.orders o "
                                  "JOIN orders.order_lines l ON l.order_id ="
                                  " o.id WHERE l.sku = $1 AND o.status = "
                                  "'on_hold' AND jsonb_array_length("
                                  "o.decision->'reasons') > 0", sku);
    assert_int_equal(ok, approved);
    assert_int_equal(held, TW_OC_ORDERS - approved);

    assert_int_equal(tw_oc_number(oc, "SELECT reserved FROM catalog.stock "
                                  "WHERE sku = $1", sku), approved);
    assert_true(tw_oc_number(oc, "SELECT on_hand - reserved FROM "
                             "catalog.stock WHERE sku = $1", sku) >= 0);

    /* every dealer owes exactly its approved orders, within its limit */
    assert_int_equal(tw_oc_number(oc, "SELECT count(*) FROM catalog.dealers "
                                  "d WHERE d.code IN (SELECT dealer_code "
                                  "FROM orders.orders o JOIN "
                                  "orders.order_lines l ON l.order_id = o.id"
                                  " WHERE l.sku = $1) AND (d.open_amount_fen"
                                  " > d.credit_limit_fen OR "
                                  "d.open_amount_fen <> (SELECT "
                                  "coalesce(sum(total_fen), 0) FROM "
                                  "orders.orders WHERE dealer_code = d.code "
                                  "AND status = 'approved'))", sku), 0);
    assert_int_equal(tw_oc_number(oc, "SELECT sum(open_amount_fen) FROM "
                                  "catalog.dealers WHERE code IN (SELECT "
                                  "dealer_code FROM orders.orders o JOIN "
                                  "orders.order_lines l ON l.order_id = o.id"
                                  " WHERE l.sku = $1)", sku),
                     approved * TW_OC_PRICE);
}


/* One dealer with credit for 10 orders, stock for 7: 7 approved. */
static void
tw_oc_scarce_stock(void **state)
{
    tw_oc_t *oc = *state;
    static const char *const dealers[] = {"D-STOCK"};

    tw_oc_stage(oc, "SC-7", 7, "D-STOCK", 10);
    tw_oc_fire(oc, "SC-7", dealers, 1);
    tw_oc_check(oc, "SC-7", 7);
}


/* One dealer with credit for 5 orders, stock for 30: 5 approved. */
static void
tw_oc_scarce_credit(void **state)
{
    tw_oc_t *oc = *state;
    static const char *const dealers[] = {"D-CREDIT"};

    tw_oc_stage(oc, "SC-30", 30, "D-CREDIT", 5);
    tw_oc_fire(oc, "SC-30", dealers, 1);
    tw_oc_check(oc, "SC-30", 5);
}


/* Four dealers (credit for 10 orders each) racing for 7 units: their
 * orders are not serialised by a dealer lock, so some pass the stock
 * check and lose the reservation; still exactly 7 are approved. */
static void
tw_oc_dealers_race(void **state)
{
    tw_oc_t *oc = *state;
    static const char *const dealers[] = {"D-R1", "D-R2", "D-R3", "D-R4"};

    tw_oc_stage(oc, "SC-RACE", 7, "D-R1", 10);
    for (size_t i = 1; i < 4; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"code\":\"%s\",\"name\":\"经销商\",\"branch\":\"A\","
                 "\"region\":\"华东\",\"warehouse\":\"WH-C\","
                 "\"credit_limit_fen\":%d}", dealers[i], 10 * TW_OC_PRICE);
        tw_oc_post(oc, "POST", "/api/v1/dealers", body, 201);
    }
    tw_oc_fire(oc, "SC-RACE", dealers, 4);
    tw_oc_check(oc, "SC-RACE", 7);
}


static void
tw_oc_stop(void **state)
{
    tw_oc_t *oc = *state;

    tw_test_stop(&oc->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_oc_scarce_stock),
        cmocka_unit_test(tw_oc_scarce_credit),
        cmocka_unit_test(tw_oc_dealers_race),
        cmocka_unit_test(tw_oc_stop),
    };

    return cmocka_run_group_tests(tests, tw_oc_setup, tw_oc_teardown);
}
