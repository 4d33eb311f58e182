/*
 * test_orders.c - the orders plugin through HTTP: submission with
 * prices and totals, each built-in check and its finding, each outcome
 * of the order_review rule (including a rule that fails), manual
 * approval and rejection, cancellation giving back stock and credit,
 * wrong states, bad input creating nothing, branch isolation, lists with
 * filters and paging, the history of an order, and a retried submission
 * with the same Idempotency-Key creating one order.
 *
 * The server runs "catalog" and "orders" with [rules] dir pointing at a
 * folder this program writes: the shipped findings library and a default
 * order_review rule that forces an outcome for the dealers D-REJECT,
 * D-HOLD, D-APPROVE and D-FAIL (which fails) and otherwise reviews as the
 * shipped default rule does.  Master data is set up once by an HQ admin;
 * each test uses its own dealers, so tests do not depend on each other's
 * orders, except the list test, which runs after those it lists.
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

#define TW_ORD_PASSWORD "orders-password"

static const char tw_ord_rule[] =
    "local findings = import(\"findings\")\n"
    "local FORCED = {[\"D-REJECT\"] = \"reject\", [\"D-HOLD\"] = \"hold\",\n"
    "  [\"D-APPROVE\"] = \"approve\"}\n"
    "function rule(input)\n"
    "  local dealer = input.order.dealer\n"
    "  if dealer == \"D-FAIL\" then error(\"forced failure\") end\n"
    "  if FORCED[dealer] then\n"
    "    return {outcome = FORCED[dealer], reasons = {\"forced \" ..\n"
    "      FORCED[dealer]}}\n"
    "  end\n"
    "  local verdict = findings.review(input.findings, findings.actions())\n"
    "  findings.hold(verdict, findings.unusual_size(input.order,\n"
    "    input.dealer, 3))\n"
    "  return findings.done(verdict)\n"
    "end\n";

typedef struct tw_ord {
    tw_test_db_t db;
    tw_test_server_t srv;
    char dir[64]; /* the rules folder */
    char extra[160];
    char date[11]; /* a requested date a week ahead */
    char *admin;
    char *clerk;
    char *reviewer;
    char *b_clerk;
} tw_ord_t;


static void
tw_ord_post(const tw_ord_t *ord, const char *path, const char *body)
{
    json_decref(tw_test_call(&ord->srv, "POST", path, ord->admin, NULL, body,
                             201));
}


static void
tw_ord_product(const tw_ord_t *ord, const char *sku, long long list,
               const char *floor, bool active, long long on_hand)
{
    char body[512];
    char path[128];

    snprintf(body, sizeof body,
             "{\"sku\":\"%s\",\"name\":\"产品 %s\",\"category\":\"fan\","
             "\"volume_l\":20,\"weight_g\":3000,\"list_price_fen\":%lld,"
             "\"floor_price_fen\":%s,\"active\":%s}",
             sku, sku, list, floor, active ? "true" : "false");
    tw_ord_post(ord, "/api/v1/products", body);

    snprintf(path, sizeof path, "/api/v1/warehouses/WH-A/stock/%s", sku);
    snprintf(body, sizeof body, "{\"on_hand\":%lld}", on_hand);
    json_decref(tw_test_call(&ord->srv, "PUT", path, ord->admin, NULL, body,
                             200));
}


static void
tw_ord_dealer(const tw_ord_t *ord, const char *code, const char *branch,
              int discount_bp, long long credit, bool active)
{
    char body[512];

    snprintf(body, sizeof body,
             "{\"code\":\"%s\",\"name\":\"经销商 %s\",\"branch\":\"%s\","
             "\"region\":\"华南\",\"warehouse\":\"WH-A\",\"discount_bp\":%d,"
             "\"credit_limit_fen\":%lld,\"active\":%s}",
             code, code, branch, discount_bp, credit,
             active ? "true" : "false");
    tw_ord_post(ord, "/api/v1/dealers", body);
}


static void
tw_ord_master_data(const tw_ord_t *ord)
{
    tw_ord_post(ord, "/api/v1/branches",
                "{\"code\":\"A\",\"name\":\"A分公司\",\"parent\":\"HQ\"}");
    tw_ord_post(ord, "/api/v1/branches",
                "{\"code\":\"B\",\"name\":\"B分公司\",\"parent\":\"HQ\"}");
    tw_ord_post(ord, "/api/v1/warehouses",
                "{\"code\":\"WH-A\",\"name\":\"广州仓\",\"region\":\"华南\"}");

    tw_ord_product(ord, "FAN-1", 10000, "9000", true, 1000);
    tw_ord_product(ord, "HALF-1", 15000, "null", true, 1000);
    tw_ord_product(ord, "ODD-1", 20001, "null", true, 1000);
    tw_ord_product(ord, "LOWF-1", 10000, "9900", true, 1000);
    tw_ord_product(ord, "SCARCE-1", 10000, "null", true, 2);
    tw_ord_product(ord, "OFF-1", 10000, "null", false, 1000);

    static const struct {
        const char *code;
        const char *branch;
        int discount_bp;
        long long credit;
        bool active;
    } dealers[] = {
        {"D-PRICE", "A", 333, 100000000, true},
        {"D-POOR", "A", 0, 5000, true},
        {"D-STOCK", "A", 0, 100000000, true},
        {"D-FLOOR", "A", 333, 100000000, true},
        {"D-SLEEP", "A", 0, 100000000, false},
        {"D-REJECT", "A", 0, 100000000, true},
        {"D-HOLD", "A", 0, 100000000, true},
        {"D-APPROVE", "A", 0, 100000000, true},
        {"D-FAIL", "A", 0, 100000000, true},
        {"D-LIST", "A", 0, 100000000, true},
        {"D-B", "B", 0, 100000000, true},
        {"D-RETRY", "A", 0, 100000000, true},
    };
    for (size_t i = 0; i < sizeof dealers / sizeof dealers[0]; i++) {
        tw_ord_dealer(ord, dealers[i].code, dealers[i].branch,
                      dealers[i].discount_bp, dealers[i].credit,
                      dealers[i].active);
    }
}


static void
tw_ord_write_rules(const tw_ord_t *ord)
{
    FILE *f = fopen(TW_SOURCE_DIR "/scripts/lib/findings.lua", "r");
    static char lib[65536];

    assert_non_null(f);
    size_t n = fread(lib, 1, sizeof lib - 1, f);
    fclose(f);
    lib[n] = '\0';
    tw_test_save_file(ord->dir, "lib/findings.lua", lib);
    tw_test_save_file(ord->dir, "default/order_review.lua", tw_ord_rule);
}


static int
tw_ord_setup(void **state)
{
    tw_ord_t *ord = calloc(1, sizeof *ord);
    time_t later = time(NULL) + 7 * 86400;

    assert_non_null(ord);
    *state = ord;
    strftime(ord->date, sizeof ord->date, "%Y-%m-%d", gmtime(&later));
    snprintf(ord->dir, sizeof ord->dir, "/tmp/tw-orders-rules-XXXXXX");
    assert_non_null(mkdtemp(ord->dir));
    tw_ord_write_rules(ord);
    snprintf(ord->extra, sizeof ord->extra, "[rules]\ndir = %s\n", ord->dir);

    tw_test_options_t opts = {.modules = "catalog = on\norders = on\n",
                              .extra = ord->extra,
                              .plugin_dir = TW_BUILD_DIR "/plugins"};
    tw_test_serve(&ord->db, &ord->srv, &opts);
    ord->admin = tw_test_user(&ord->srv, "hq.admin", TW_ORD_PASSWORD, "HQ",
                              "admin");
    tw_ord_master_data(ord);
    ord->clerk = tw_test_user(&ord->srv, "a.clerk", TW_ORD_PASSWORD, "A",
                              "order_clerk");
    ord->reviewer = tw_test_user(&ord->srv, "a.reviewer", TW_ORD_PASSWORD,
                                 "A", "order_reviewer");
    ord->b_clerk = tw_test_user(&ord->srv, "b.clerk", TW_ORD_PASSWORD, "B",
                                "order_clerk");
    return 0;
}


static int
tw_ord_teardown(void **state)
{
    tw_ord_t *ord = *state;

    if (ord == NULL) {
        return 0;
    }
    tw_test_finish(&ord->db, &ord->srv);
    tw_test_remove_dir(ord->dir);
    free(ord->admin);
    free(ord->clerk);
    free(ord->reviewer);
    free(ord->b_clerk);
    free(ord);
    return 0;
}


/* Submits an order of `dealer` with `lines` (JSON) as `token`, asserting
 * `expected`; returns the reply. */
static json_t *
tw_ord_submit(const tw_ord_t *ord, const char *token, const char *dealer,
              const char *lines, int expected)
{
    char body[1024];

    snprintf(body, sizeof body,
             "{\"dealer\":\"%s\",\"lines\":%s,\"requested_date\":\"%s\","
             "\"note\":\"测试订单\"}", dealer, lines, ord->date);
    return tw_test_call(&ord->srv, "POST", "/api/v1/orders", token, NULL,
                        body, expected);
}


/* Submits as the clerk and asserts the status the order ends in;
 * returns the order. */
static json_t *
tw_ord_expect(const tw_ord_t *ord, const char *dealer, const char *lines,
              const char *status)
{
    json_t *order = tw_ord_submit(ord, ord->clerk, dealer, lines, 201);

    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        status);
    return order;
}


static long long
tw_ord_id(const json_t *order)
{
    return (long long) json_integer_value(json_object_get(order, "id"));
}


/* POST /api/v1/orders/<id>/<action> with `body` as `token`. */
static json_t *
tw_ord_act(const tw_ord_t *ord, const char *token, long long id,
           const char *action, const char *body, int expected)
{
    char path[128];

    snprintf(path, sizeof path, "/api/v1/orders/%lld/%s", id, action);
    return tw_test_call(&ord->srv, "POST", path, token, NULL, body,
                        expected);
}


/* Like tw_ord_act for a refusal with error code `code`. */
static void
tw_ord_refused(const tw_ord_t *ord, const char *token, long long id,
               const char *action, const char *body, int expected,
               const char *code)
{
    char path[128];

    snprintf(path, sizeof path, "/api/v1/orders/%lld/%s", id, action);
    json_decref(tw_test_refusal(&ord->srv, "POST", path, token, body,
                                expected, code));
}


/* Asserts the code of finding `index` of `order`. */
static void
tw_ord_finding(const json_t *order, size_t index, const char *code)
{
    json_t *findings = json_object_get(order, "findings");
    json_t *finding = json_array_get(findings, index);

    assert_non_null(finding);
    assert_string_equal(json_string_value(json_object_get(finding, "code")),
                        code);
}


static const char *
tw_ord_decision(const json_t *order, const char *member)
{
    json_t *decision = json_object_get(order, "decision");

    return json_string_value(json_object_get(decision, member));
}


/* The first reason of the order's decision. */
static const char *
tw_ord_reason(const json_t *order, size_t index)
{
    json_t *reasons = json_object_get(json_object_get(order, "decision"),
                                      "reasons");

    return json_string_value(json_array_get(reasons, index));
}


static void
tw_ord_expect_reserved(const tw_ord_t *ord, const char *sku,
                       const char *reserved)
{
    tw_test_db_expect(&ord->db, "SELECT reserved::text FROM catalog.stock "
                      "WHERE warehouse_code = 'WH-A' AND sku = $1", sku,
                      reserved);
}


static void
tw_ord_expect_open(const tw_ord_t *ord, const char *dealer,
                   const char *open)
{
    tw_test_db_expect(&ord->db, "SELECT open_amount_fen::text FROM "
                      "catalog.dealers WHERE code = $1", dealer, open);
}


/* Event `index` of the order's history goes to `to`, by `by`. */
static void
tw_ord_event(const json_t *order, size_t index, const char *to,
             const char *by)
{
    json_t *event = json_array_get(json_object_get(order, "history"), index);

    assert_non_null(event);
    assert_string_equal(json_string_value(json_object_get(event, "to")), to);
    assert_string_equal(json_string_value(json_object_get(event, "by")), by);
}


static long long
tw_ord_line_price(const json_t *order, size_t index)
{
    json_t *line = json_array_get(json_object_get(order, "lines"), index);

    return (long long) json_integer_value(json_object_get(line,
                                                          "unit_price_fen"));
}


static void
tw_ord_approve_prices_cancel(void **state)
{
    tw_ord_t *ord = *state;
    char hash[65];
    char path[64];

    json_t *order = tw_ord_expect(ord, "D-PRICE",
                                  "[{\"sku\":\"FAN-1\",\"qty\":3},"
                                  "{\"sku\":\"HALF-1\",\"qty\":2},"
                                  "{\"sku\":\"ODD-1\",\"qty\":1}]",
                                  "approved");
    /* 10000 x 96.67% = 9667; 15000 x 96.67% = 14500.5 rounds away from
     * zero to 14501; 20001 x 96.67% = 19334.9667 rounds to 19335 */
    assert_int_equal(tw_ord_line_price(order, 0), 9667);
    assert_int_equal(tw_ord_line_price(order, 1), 14501);
    assert_int_equal(tw_ord_line_price(order, 2), 19335);
    assert_int_equal(json_integer_value(json_object_get(order, "total_fen")),
                     3 * 9667 + 2 * 14501 + 19335);
    assert_int_equal(json_array_size(json_object_get(order, "findings")), 0);
    tw_test_sha256_hex(tw_ord_rule, hash);
    assert_string_equal(tw_ord_decision(order, "outcome"), "approve");
    assert_string_equal(tw_ord_decision(order, "rule_hash"), hash);
    tw_ord_expect_reserved(ord, "HALF-1", "2");
    tw_ord_expect_open(ord, "D-PRICE", "77338");
    long long id = tw_ord_id(order);
    json_decref(order);

    tw_ord_refused(ord, ord->clerk, id, "cancel", "{}", 400,
                   "invalid_input");
    json_decref(tw_ord_act(ord, ord->clerk, id, "cancel",
                           "{\"reason\":\"dealer changed his mind\"}", 200));
    tw_ord_expect_reserved(ord, "HALF-1", "0");
    tw_ord_expect_reserved(ord, "FAN-1", "0");
    tw_ord_expect_open(ord, "D-PRICE", "0");
    tw_ord_refused(ord, ord->clerk, id, "cancel", "{\"reason\":\"again\"}",
                   409, "wrong_state");

    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    order = tw_test_call(&ord->srv, "GET", path, ord->clerk, NULL, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "cancelled");
    assert_int_equal(json_array_size(json_object_get(order, "history")), 3);
    tw_ord_event(order, 0, "submitted", "a.clerk");
    tw_ord_event(order, 1, "approved", "a.clerk");
    tw_ord_event(order, 2, "cancelled", "a.clerk");
    json_t *last = json_array_get(json_object_get(order, "history"), 2);
    assert_string_equal(json_string_value(json_object_get(last, "reason")),
                        "dealer changed his mind");
    json_decref(order);
    tw_test_db_expect(&ord->db, "SELECT count(*)::text FROM core.audit "
                      "WHERE entity = 'order' AND entity_id = $1", path + 15,
                      "3");
}


static void
tw_ord_credit_hold_and_reject(void **state)
{
    tw_ord_t *ord = *state;

    json_t *order = tw_ord_expect(ord, "D-POOR", "[{\"sku\":\"FAN-1\","
                                  "\"qty\":1}]", "on_hold");
    tw_ord_finding(order, 0, "credit_exceeded");
    assert_string_equal(tw_ord_decision(order, "outcome"), "hold");
    long long id = tw_ord_id(order);
    json_decref(order);

    /* the credit still does not fit when the reviewer approves */
    tw_ord_refused(ord, ord->clerk, id, "approve", "{}", 403, "forbidden");
    tw_ord_refused(ord, ord->reviewer, id, "approve", "{}", 409,
                   "credit_exceeded");
    tw_ord_expect_open(ord, "D-POOR", "0");
    tw_ord_refused(ord, ord->reviewer, id, "reject", "{}", 400,
                   "invalid_input");

    order = tw_ord_act(ord, ord->reviewer, id, "reject",
                       "{\"comment\":\"no credit\"}", 200);
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "rejected");
    tw_ord_event(order, 2, "rejected", "a.reviewer");
    json_decref(order);
    tw_ord_refused(ord, ord->reviewer, id, "approve", "{}", 409,
                   "wrong_state");
    tw_ord_refused(ord, ord->clerk, id, "cancel", "{\"reason\":\"late\"}",
                   409, "wrong_state");
}


static void
tw_ord_stock_hold_and_manual_approve(void **state)
{
    tw_ord_t *ord = *state;

    json_t *order = tw_ord_expect(ord, "D-STOCK", "[{\"sku\":\"SCARCE-1\","
                                  "\"qty\":5}]", "on_hold");
    tw_ord_finding(order, 0, "stock_short");
    long long id = tw_ord_id(order);
    json_decref(order);

    json_decref(tw_test_call(&ord->srv, "PUT",
                             "/api/v1/warehouses/WH-A/stock/SCARCE-1",
                             ord->admin, NULL, "{\"on_hand\":10}", 200));
    order = tw_ord_act(ord, ord->reviewer, id, "approve",
                       "{\"comment\":\"restocked\"}", 200);
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "approved");
    tw_ord_event(order, 2, "approved", "a.reviewer");
    json_decref(order);
    tw_ord_expect_reserved(ord, "SCARCE-1", "5");
    tw_ord_expect_open(ord, "D-STOCK", "50000");

    /* 6 wanted, 5 left: held, and approving it re-checks the stock */
    order = tw_ord_expect(ord, "D-STOCK", "[{\"sku\":\"SCARCE-1\","
                          "\"qty\":6}]", "on_hold");
    id = tw_ord_id(order);
    json_decref(order);
    tw_ord_refused(ord, ord->reviewer, id, "approve", "{}", 409,
                   "stock_short");
    tw_ord_expect_reserved(ord, "SCARCE-1", "5");

    order = tw_ord_act(ord, ord->clerk, id, "cancel",
                       "{\"reason\":\"not needed\"}", 200);
    assert_string_equal(json_string_value(json_object_get(order, "status")),
                        "cancelled");
    json_decref(order);
    tw_ord_expect_reserved(ord, "SCARCE-1", "5");
    tw_ord_expect_open(ord, "D-STOCK", "50000");
    tw_ord_refused(ord, ord->reviewer, id, "approve", "{}", 409,
                   "wrong_state");
}


static void
tw_ord_floor_and_inactive_dealer(void **state)
{
    tw_ord_t *ord = *state;

    /* 10000 less 3.33% is 9667, below the floor of 9900 */
    json_t *order = tw_ord_expect(ord, "D-FLOOR", "[{\"sku\":\"LOWF-1\","
                                  "\"qty\":1}]", "on_hold");
    tw_ord_finding(order, 0, "below_floor");
    json_decref(order);

    order = tw_ord_expect(ord, "D-SLEEP", "[{\"sku\":\"FAN-1\",\"qty\":1}]",
                          "rejected");
    tw_ord_finding(order, 0, "dealer_inactive");
    assert_string_equal(tw_ord_decision(order, "outcome"), "reject");
    assert_non_null(strstr(tw_ord_reason(order, 0), "inactive"));
    json_decref(order);
    tw_ord_expect_open(ord, "D-SLEEP", "0");
}


static void
tw_ord_rule_outcomes(void **state)
{
    tw_ord_t *ord = *state;
    const char *one_fan = "[{\"sku\":\"FAN-1\",\"qty\":1}]";

    json_t *order = tw_ord_expect(ord, "D-REJECT", one_fan, "rejected");
    assert_string_equal(tw_ord_reason(order, 0), "forced reject");
    json_decref(order);

    order = tw_ord_expect(ord, "D-HOLD", one_fan, "on_hold");
    assert_string_equal(tw_ord_reason(order, 0), "forced hold");
    json_decref(order);

    /* a failing rule holds the order with its error; no hash */
    order = tw_ord_expect(ord, "D-FAIL", one_fan, "on_hold");
    assert_string_equal(tw_ord_decision(order, "outcome"), "hold");
    assert_non_null(strstr(tw_ord_reason(order, 0), "forced failure"));
    assert_true(json_is_null(json_object_get(json_object_get(order,
                                                             "decision"),
                                             "rule_hash")));
    json_decref(order);

    /* the rule approves, but the stock is not there: held, not sold */
    order = tw_ord_expect(ord, "D-APPROVE", "[{\"sku\":\"SCARCE-1\","
                          "\"qty\":100}]", "on_hold");
    tw_ord_finding(order, 0, "stock_short");
    assert_string_equal(tw_ord_decision(order, "outcome"), "hold");
    assert_non_null(strstr(tw_ord_reason(order, 1), "no longer"));
    json_decref(order);
    tw_ord_expect_open(ord, "D-APPROVE", "0");
    tw_ord_expect_reserved(ord, "SCARCE-1", "5");
}


static void
tw_ord_bad_input_creates_nothing(void **state)
{
    tw_ord_t *ord = *state;
    static const struct {
        const char *lines;
        int status;
        const char *code;
    } cases[] = {
        {"[]", 400, "invalid_input"},
        {"[{\"sku\":\"FAN-1\",\"qty\":0}]", 400, "invalid_line"},
        {"[{\"sku\":\"FAN-1\",\"qty\":1.5}]", 400, "invalid_line"},
        {"[{\"sku\":\"FAN-1\",\"qty\":\"2\"}]", 400, "invalid_line"},
        {"[{\"sku\":\"FAN-1\",\"qty\":1,\"price\":1}]", 400, "invalid_line"},
        {"[{\"sku\":\"FAN-1\",\"qty\":1},{\"sku\":\"FAN-1\",\"qty\":2}]", 400,
         "duplicate_sku"},
        {"[{\"sku\":\"NOPE-1\",\"qty\":1}]", 400, "unknown_sku"},
        {"[{\"sku\":\"OFF-1\",\"qty\":1}]", 400, "inactive_sku"},
    };
    char *before = tw_test_db_value(&ord->db, "SELECT count(*)::text FROM "
                                    "orders.orders", NULL);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[512];
        snprintf(body, sizeof body, "{\"dealer\":\"D-LIST\",\"lines\":%s,"
                 "\"requested_date\":\"%s\"}", cases[i].lines, ord->date);
        json_decref(tw_test_refusal(&ord->srv, "POST", "/api/v1/orders",
                                    ord->clerk, body, cases[i].status,
                                    cases[i].code));
    }

    static const struct {
        const char *body;
        int status;
        const char *code;
    } bodies[] = {
        {"{\"dealer\":\"D-LIST\",\"lines\":[{\"sku\":\"FAN-1\",\"qty\":1}],"
         "\"requested_date\":\"2099-01-01\",\"status\":\"approved\"}", 400,
         "unknown_field"},
        {"{\"dealer\":\"D-LIST\",\"lines\":[{\"sku\":\"FAN-1\",\"qty\":1}],"
         "\"requested_date\":\"2099-02-30\"}", 400, "invalid_input"},
        {"{\"dealer\":\"D-LIST\",\"lines\":[{\"sku\":\"FAN-1\",\"qty\":1}],"
         "\"requested_date\":\"2000-01-01\"}", 400, "date_in_past"},
        {"{\"dealer\":\"D-NONE\",\"lines\":[{\"sku\":\"FAN-1\",\"qty\":1}],"
         "\"requested_date\":\"2099-01-01\"}", 404, "dealer_not_found"},
        /* another branch's dealer is invisible to branch A */
        {"{\"dealer\":\"D-B\",\"lines\":[{\"sku\":\"FAN-1\",\"qty\":1}],"
         "\"requested_date\":\"2099-01-01\"}", 404, "dealer_not_found"},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_decref(tw_test_refusal(&ord->srv, "POST", "/api/v1/orders",
                                    ord->clerk, bodies[i].body,
                                    bodies[i].status, bodies[i].code));
    }
    json_decref(tw_test_refusal(&ord->srv, "POST", "/api/v1/orders",
                                ord->reviewer, bodies[3].body, 403,
                                "forbidden"));

    tw_test_db_expect(&ord->db, "SELECT count(*)::text FROM orders.orders",
                      NULL, before);
    free(before);
}


/* GET `path` as `token`; asserts the item count and returns the page. */
static json_t *
tw_ord_page(const tw_ord_t *ord, const char *token, const char *path,
            size_t count)
{
    json_t *page = tw_test_call(&ord->srv, "GET", path, token, NULL, NULL,
                                200);

    assert_int_equal(json_array_size(json_object_get(page, "items")), count);
    return page;
}


static long long
tw_ord_item_id(const json_t *page, size_t index)
{
    return tw_ord_id(json_array_get(json_object_get(page, "items"), index));
}


static void
tw_ord_lists(void **state)
{
    tw_ord_t *ord = *state;
    long long ids[3];
    char path[256];
    char today[11];
    time_t shanghai = time(NULL) + 8 * 3600;

    for (size_t i = 0; i < 3; i++) {
        json_t *order = tw_ord_expect(ord, "D-LIST", "[{\"sku\":\"FAN-1\","
                                      "\"qty\":1}]", "approved");
        ids[i] = tw_ord_id(order);
        json_decref(order);
    }
    json_decref(tw_ord_submit(ord, ord->b_clerk, "D-B", "[{\"sku\":\"FAN-1\","
                              "\"qty\":1}]", 201));

    json_t *page = tw_ord_page(ord, ord->clerk,
                               "/api/v1/orders?dealer=D-LIST&limit=2", 2);
    assert_int_equal(tw_ord_item_id(page, 0), ids[2]);
    assert_int_equal(tw_ord_item_id(page, 1), ids[1]);
    snprintf(path, sizeof path, "/api/v1/orders?dealer=D-LIST&limit=2"
             "&after=%lld", (long long) json_integer_value(
                 json_object_get(page, "next")));
    json_decref(page);
    page = tw_ord_page(ord, ord->clerk, path, 1);
    assert_int_equal(tw_ord_item_id(page, 0), ids[0]);
    assert_true(json_is_null(json_object_get(page, "next")));
    json_decref(page);

    /* the held queue holds only held orders, D-HOLD's among them */
    page = tw_ord_page(ord, ord->reviewer, "/api/v1/orders?status=on_hold"
                       "&dealer=D-HOLD", 1);
    json_decref(page);
    page = tw_test_call(&ord->srv, "GET", "/api/v1/orders?status=on_hold",
                        ord->reviewer, NULL, NULL, 200);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(page, "items"), i, item) {
        assert_string_equal(json_string_value(json_object_get(item,
                                                              "status")),
                            "on_hold");
    }
    /* D-FLOOR, D-HOLD, D-FAIL and D-APPROVE wait for a reviewer */
    assert_int_equal(json_array_size(json_object_get(page, "items")), 4);
    json_decref(page);

    strftime(today, sizeof today, "%Y-%m-%d", gmtime(&shanghai));
    snprintf(path, sizeof path, "/api/v1/orders?dealer=D-LIST&from=%s&to=%s",
             today, today);
    json_decref(tw_ord_page(ord, ord->clerk, path, 3));
    json_decref(tw_ord_page(ord, ord->clerk, "/api/v1/orders?dealer=D-LIST"
                            "&from=2000-01-01&to=2000-01-31", 0));

    /* branches: B's order is invisible to A, visible to HQ and B */
    json_decref(tw_ord_page(ord, ord->clerk, "/api/v1/orders?branch=B", 0));
    json_decref(tw_ord_page(ord, ord->admin, "/api/v1/orders?branch=B", 1));
    json_decref(tw_ord_page(ord, ord->b_clerk, "/api/v1/orders", 1));
    snprintf(path, sizeof path, "/api/v1/orders/%lld", ids[0]);
    json_decref(tw_test_refusal(&ord->srv, "GET", path, ord->b_clerk, NULL,
                                404, "not_found"));

    static const char *const bad[] = {
        "/api/v1/orders?limit=0", "/api/v1/orders?limit=201",
        "/api/v1/orders?status=lost", "/api/v1/orders?from=2025-1-1",
        "/api/v1/orders?branch=NOWHERE", "/api/v1/orders?after=x",
    };
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_decref(tw_test_refusal(&ord->srv, "GET", bad[i], ord->clerk,
                                    NULL, 400, "invalid_query"));
    }
}


/* A clerk whose answer was lost retries with the same Idempotency-Key:
 * the same order comes back, and stock and credit are taken once. */
static void
tw_ord_idempotent_retry(void **state)
{
    tw_ord_t *ord = *state;
    const char *key = "Idempotency-Key: order-retry-1\r\n";
    char body[256];

    snprintf(body, sizeof body,
             "{\"dealer\":\"D-RETRY\",\"lines\":[{\"sku\":\"ODD-1\","
             "\"qty\":4}],\"requested_date\":\"%s\"}", ord->date);
    json_t *first = tw_test_call(&ord->srv, "POST", "/api/v1/orders",
                                 ord->clerk, key, body, 201);
    json_t *again = tw_test_call(&ord->srv, "POST", "/api/v1/orders",
                                 ord->clerk, key, body, 201);

    assert_string_equal(json_string_value(json_object_get(first, "status")),
                        "approved");
    assert_true(json_equal(first, again));
    json_decref(first);
    json_decref(again);
    tw_test_db_expect(&ord->db, "SELECT count(*)::text FROM orders.orders "
                      "WHERE dealer_code = $1", "D-RETRY", "1");
    tw_ord_expect_open(ord, "D-RETRY", "80004");
    tw_ord_expect_reserved(ord, "ODD-1", "4");
}


static void
tw_ord_stop(void **state)
{
    tw_ord_t *ord = *state;

    tw_test_stop(&ord->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_ord_approve_prices_cancel),
        cmocka_unit_test(tw_ord_credit_hold_and_reject),
        cmocka_unit_test(tw_ord_stock_hold_and_manual_approve),
        cmocka_unit_test(tw_ord_floor_and_inactive_dealer),
        cmocka_unit_test(tw_ord_rule_outcomes),
        cmocka_unit_test(tw_ord_bad_input_creates_nothing),
        cmocka_unit_test(tw_ord_lists),
        cmocka_unit_test(tw_ord_idempotent_retry),
        cmocka_unit_test(tw_ord_stop),
    };

    return cmocka_run_group_tests(tests, tw_ord_setup, tw_ord_teardown);
}
