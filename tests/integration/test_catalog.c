/*
 * test_catalog.c - the catalog plugin end to end: master-data routes,
 * their validation, paging, stock, dealer isolation across branches,
 * payments, the catalog.v1 service (through the catalog_probe test
 * plugin) and `tradewind catalog-import`.
 *
 * The tree: HQ with A and B below it.  Users: hq (HQ, catalog_admin),
 * a_admin (A, catalog_admin), b_admin (B, catalog_admin), a_clerk (A,
 * order_clerk), a_reviewer (A, order_reviewer).  The tests form one
 * scenario and run in order.  The server loads catalog.so from the
 * build's plugins/ and catalog_probe.so from the test plugins, both
 * linked into one temporary plugin folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define CAT_T_PASSWORD "catalog-password"

typedef struct cat_t {
    tw_test_db_t db;
    tw_test_server_t srv;
    char plugin_dir[64];
    char *hq;
    char *a_admin;
    char *b_admin;
    char *a_clerk;
    char *a_reviewer;
} cat_t;


/* Links the two plugins into a temporary folder for the server. */
static void
cat_t_plugin_dir(cat_t *t)
{
    char link[128];

    snprintf(t->plugin_dir, sizeof t->plugin_dir, "/tmp/tw-catalog-XXXXXX");
    assert_non_null(mkdtemp(t->plugin_dir));
    snprintf(link, sizeof link, "%s/catalog.so", t->plugin_dir);
    assert_int_equal(symlink(TW_BUILD_DIR "/plugins/catalog.so", link), 0);
    snprintf(link, sizeof link, "%s/catalog_probe.so", t->plugin_dir);
    assert_int_equal(symlink(TW_TEST_PLUGIN_DIR "/catalog_probe.so", link),
                     0);
}


static char *
cat_t_user(const cat_t *t, const char *login, const char *branch,
           const char *role)
{
    return tw_test_user(&t->srv, login, CAT_T_PASSWORD, branch, role);
}


static int
cat_t_setup(void **state)
{
    cat_t *t = calloc(1, sizeof *t);

    assert_non_null(t);
    *state = t;
    cat_t_plugin_dir(t);

    tw_test_options_t opts = {.modules = "catalog = on\n"
                                         "catalog_probe = on\n",
                              .plugin_dir = t->plugin_dir};
    tw_test_serve(&t->db, &t->srv, &opts);
    t->hq = cat_t_user(t, "hq", "HQ", "catalog_admin");
    return 0;
}


static int
cat_t_teardown(void **state)
{
    cat_t *t = *state;
    char link[128];

    if (t == NULL) {
        return 0;
    }
    tw_test_finish(&t->db, &t->srv);
    if (t->plugin_dir[0] != '\0') {
        snprintf(link, sizeof link, "%s/catalog.so", t->plugin_dir);
        unlink(link);
        snprintf(link, sizeof link, "%s/catalog_probe.so", t->plugin_dir);
        unlink(link);
        rmdir(t->plugin_dir);
    }
    free(t->hq);
    free(t->a_admin);
    free(t->b_admin);
    free(t->a_clerk);
    free(t->a_reviewer);
    free(t);
    return 0;
}


/* Sends a request that must answer `status`; drops the body. */
static void
cat_t_expect(const cat_t *t, const char *method, const char *path,
             const char *token, const char *body, int status)
{
    json_decref(tw_test_call(&t->srv, method, path, token, NULL, body,
                             status));
}


/* A request refused with 400 invalid_input naming `field`. */
static void
cat_t_invalid(const cat_t *t, const char *method, const char *path,
              const char *body, const char *field)
{
    json_t *error = tw_test_refusal(&t->srv, method, path, t->hq, body, 400,
                                    "invalid_input");
    json_t *details = json_object_get(error, "details");
    const char *named = json_string_value(json_object_get(details, "field"));
    json_t *fields = json_object_get(details, "fields");
    const char *listed = json_string_value(json_array_get(fields, 0));
    bool match = (named != NULL && strcmp(named, field) == 0) ||
                 (listed != NULL && strcmp(listed, field) == 0);

    if (!match) {
        print_error("%s %s %s: details do not name %s\n", method, path, body,
                    field);
    }
    json_decref(error);
    assert_true(match);
}


static json_int_t
cat_t_int(const json_t *object, const char *name)
{
    const json_t *value = json_object_get(object, name);

    assert_true(json_is_integer(value));
    return json_integer_value(value);
}


static void
cat_t_products(void **state)
{
    cat_t *t = *state;

    json_t *p = tw_test_call(&t->srv, "POST", "/api/v1/products", t->hq,
                             NULL,
                             "{\"sku\":\"FAN-01\",\"name\":\"落地扇\","
                             "\"category\":\"fan\",\"volume_l\":35.5,"
                             "\"weight_g\":4200,\"list_price_fen\":19900,"
                             "\"floor_price_fen\":15000}", 201);
    assert_string_equal(json_string_value(json_object_get(p, "name")),
                        "落地扇");
    assert_true(json_real_value(json_object_get(p, "volume_l")) == 35.5);
    assert_int_equal(cat_t_int(p, "floor_price_fen"), 15000);
    assert_true(json_is_true(json_object_get(p, "active")));
    json_decref(p);

    p = tw_test_call(&t->srv, "PUT", "/api/v1/products/FAN-01", t->hq, NULL,
                     "{\"name\":\"落地扇 二代\",\"list_price_fen\":21900,"
                     "\"volume_l\":36,\"floor_price_fen\":null}", 200);
    assert_int_equal(cat_t_int(p, "volume_l"), 36);
    assert_true(json_is_null(json_object_get(p, "floor_price_fen")));
    json_decref(p);

    p = tw_test_call(&t->srv, "GET", "/api/v1/products/FAN-01", t->hq, NULL,
                     NULL, 200);
    assert_string_equal(json_string_value(json_object_get(p, "name")),
                        "落地扇 二代");
    assert_int_equal(cat_t_int(p, "list_price_fen"), 21900);
    assert_int_equal(cat_t_int(p, "weight_g"), 4200);
    json_decref(p);

    tw_test_db_expect(&t->db, "SELECT volume_cl FROM catalog.products "
                      "WHERE sku = $1", "FAN-01", "3600");
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.audit WHERE "
                      "entity = 'product' AND entity_id = $1", "FAN-01", "2");
    json_decref(tw_test_refusal(&t->srv, "POST", "/api/v1/products", t->hq,
                                "{\"sku\":\"FAN-01\",\"name\":\"x\","
                                "\"category\":\"fan\",\"volume_l\":1,"
                                "\"weight_g\":1,\"list_price_fen\":1}",
                                409, "conflict"));
    json_decref(tw_test_refusal(&t->srv, "GET", "/api/v1/products/NOPE",
                                t->hq, NULL, 404, "not_found"));
    json_decref(tw_test_refusal(&t->srv, "PUT", "/api/v1/products/NOPE",
                                t->hq, "{\"name\":\"x\"}", 404,
                                "not_found"));
}


static void
cat_t_product_validation(void **state)
{
    cat_t *t = *state;
    static const struct {
        const char *body;
        const char *field;
    } cases[] = {
        {"{\"sku\":\"fan 1\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":1}", "sku"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":-1}",
         "list_price_fen"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":10.5}",
         "list_price_fen"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1.234,\"weight_g\":1,\"list_price_fen\":1}",
         "volume_l"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"toaster\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":1}", "category"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":1,"
         "\"colour\":\"red\"}", "colour"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":1,"
         "\"created_at\":\"2024-01-01T00:00:00Z\"}", "created_at"},
        {"{\"sku\":\"F2\",\"name\":\"n\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":100,"
         "\"floor_price_fen\":101}", "floor_price_fen"},
        {"{\"sku\":\"F2\",\"category\":\"fan\","
         "\"volume_l\":1,\"weight_g\":1,\"list_price_fen\":1}", "name"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cat_t_invalid(t, "POST", "/api/v1/products", cases[i].body,
                      cases[i].field);
    }
    tw_test_db_expect(&t->db, "SELECT count(*) FROM catalog.products "
                      "WHERE sku <> $1", "FAN-01", "0");

    /* the floor is checked against the stored list price as well */
    cat_t_expect(t, "PUT", "/api/v1/products/FAN-01", t->hq,
                 "{\"floor_price_fen\":20000}", 200);
    cat_t_invalid(t, "PUT", "/api/v1/products/FAN-01",
                  "{\"list_price_fen\":19999}", "floor_price_fen");
    cat_t_invalid(t, "PUT", "/api/v1/products/FAN-01",
                  "{\"sku\":\"FAN-01\"}", "sku");
    cat_t_invalid(t, "PUT", "/api/v1/products/FAN-01",
                  "{\"weight_g\":null}", "weight_g");
}


static void
cat_t_product_paging(void **state)
{
    cat_t *t = *state;
    char body[256];
    char path[128];
    int seen = 0;

    for (int i = 1; i <= 4; i++) {
        snprintf(body, sizeof body,
                 "{\"sku\":\"HT-%d\",\"name\":\"取暖器 %d\","
                 "\"category\":\"heater\",\"volume_l\":20,\"weight_g\":3000,"
                 "\"list_price_fen\":%d,\"active\":%s}", i, i, 10000 * i,
                 i == 4 ? "false" : "true");
        cat_t_expect(t, "POST", "/api/v1/products", t->hq, body, 201);
    }

    /* 5 products, pages of 2: FAN-01, HT-1 | HT-2, HT-3 | HT-4 */
    snprintf(path, sizeof path, "/api/v1/products?limit=2");
    for (int page = 0; page < 3; page++) {
        json_t *list = tw_test_call(&t->srv, "GET", path, t->hq, NULL, NULL,
                                    200);
        json_t *next = json_object_get(list, "next");

        seen += (int) json_array_size(json_object_get(list, "items"));
        assert_true(page < 2 ? json_is_string(next) : json_is_null(next));
        if (json_is_string(next)) {
            snprintf(path, sizeof path, "/api/v1/products?limit=2&after=%s",
                     json_string_value(next));
        }
        json_decref(list);
    }
    assert_int_equal(seen, 5);

    json_t *list = tw_test_call(&t->srv, "GET",
                                "/api/v1/products?category=heater"
                                "&active=true", t->hq, NULL, NULL, 200);
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(items, 0), "sku")), "HT-1");
    json_decref(list);

    cat_t_expect(t, "GET", "/api/v1/products?limit=201", t->hq, NULL, 400);
    cat_t_expect(t, "GET", "/api/v1/products?active=maybe", t->hq, NULL,
                 400);
}


static void
cat_t_warehouses_and_stock(void **state)
{
    cat_t *t = *state;

    cat_t_expect(t, "POST", "/api/v1/warehouses", t->hq,
                 "{\"code\":\"WH-SZ\",\"name\":\"深圳仓\","
                 "\"region\":\"华南\"}", 201);
    cat_t_expect(t, "PUT", "/api/v1/warehouses/WH-SZ", t->hq,
                 "{\"name\":\"深圳一号仓\"}", 200);
    json_t *w = tw_test_call(&t->srv, "GET", "/api/v1/warehouses/WH-SZ",
                             t->hq, NULL, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(w, "name")),
                        "深圳一号仓");
    assert_string_equal(json_string_value(json_object_get(w, "region")),
                        "华南");
    json_decref(w);
    cat_t_invalid(t, "POST", "/api/v1/warehouses",
                  "{\"code\":\"wh\",\"name\":\"n\",\"region\":\"r\"}",
                  "code");

    json_t *s = tw_test_call(&t->srv, "PUT", "/api/v1/warehouses/WH-SZ/"
                             "stock/FAN-01", t->hq, NULL,
                             "{\"on_hand\":10}", 200);
    assert_int_equal(cat_t_int(s, "available"), 10);
    json_decref(s);
    cat_t_expect(t, "PUT", "/api/v1/warehouses/WH-SZ/stock/HT-1", t->hq,
                 "{\"on_hand\":5}", 200);

    json_t *list = tw_test_call(&t->srv, "GET",
                                "/api/v1/warehouses/WH-SZ/stock", t->hq, NULL,
                                NULL, 200);
    json_t *first = json_array_get(json_object_get(list, "items"), 0);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
    assert_string_equal(json_string_value(json_object_get(first, "sku")),
                        "FAN-01");
    assert_int_equal(cat_t_int(first, "on_hand"), 10);
    assert_int_equal(cat_t_int(first, "reserved"), 0);
    json_decref(list);

    cat_t_expect(t, "PUT", "/api/v1/warehouses/NOPE/stock/FAN-01", t->hq,
                 "{\"on_hand\":1}", 404);
    cat_t_expect(t, "PUT", "/api/v1/warehouses/WH-SZ/stock/NOPE", t->hq,
                 "{\"on_hand\":1}", 404);
    cat_t_expect(t, "GET", "/api/v1/warehouses/NOPE/stock", t->hq, NULL,
                 404);
    cat_t_invalid(t, "PUT", "/api/v1/warehouses/WH-SZ/stock/FAN-01",
                  "{\"on_hand\":-1}", "on_hand");
}


/* Calls the probe's stock route; returns the JSON answer. */
static json_t *
cat_t_stock_op(const cat_t *t, const char *op, int qty, int status)
{
    char path[96];
    char body[128];

    snprintf(path, sizeof path, "/api/v1/catalog-probe/stock/%s", op);
    snprintf(body, sizeof body, "{\"warehouse\":\"WH-SZ\",\"sku\":\"FAN-01\","
             "\"qty\":%d}", qty);
    return tw_test_call(&t->srv, "POST", path, t->hq, NULL, body, status);
}


static void
cat_t_stock_service(void **state)
{
    cat_t *t = *state;

    json_t *r = cat_t_stock_op(t, "reserve", 4, 200);
    assert_int_equal(cat_t_int(r, "available"), 6);
    json_decref(r);

    /* more than is available: refused, nothing reserved */
    json_decref(cat_t_stock_op(t, "reserve", 7, 409));
    tw_test_db_expect(&t->db, "SELECT reserved FROM catalog.stock WHERE "
                      "sku = $1", "FAN-01", "4");

    /* on hand cannot fall below the 4 reserved */
    cat_t_expect(t, "PUT", "/api/v1/warehouses/WH-SZ/stock/FAN-01", t->hq,
                 "{\"on_hand\":3}", 409);

    json_decref(cat_t_stock_op(t, "ship", 3, 200));
    tw_test_db_expect(&t->db, "SELECT on_hand || '/' || reserved FROM "
                      "catalog.stock WHERE sku = $1", "FAN-01", "7/1");
    json_decref(cat_t_stock_op(t, "release", 2, 409));
    r = cat_t_stock_op(t, "release", 1, 200);
    assert_int_equal(cat_t_int(r, "available"), 7);
    json_decref(r);
    json_decref(cat_t_stock_op(t, "reserve", 0, 400));

    r = tw_test_call(&t->srv, "GET", "/api/v1/catalog-probe/products/FAN-01",
                     t->hq, NULL, NULL, 200);
    assert_int_equal(cat_t_int(r, "volume_cl"), 3600);
    assert_int_equal(cat_t_int(r, "floor_price_fen"), 20000);
    json_decref(r);
}


static void
cat_t_vehicles(void **state)
{
    cat_t *t = *state;

    json_t *v = tw_test_call(&t->srv, "POST", "/api/v1/vehicles", t->hq,
                             NULL,
                             "{\"plate\":\"粤B12345\",\"warehouse\":\"WH-SZ\","
                             "\"capacity_l\":12000.25,"
                             "\"capacity_g\":5000000}", 201);
    assert_true(json_real_value(json_object_get(v, "capacity_l")) ==
                12000.25);
    json_decref(v);
    cat_t_expect(t, "POST", "/api/v1/vehicles", t->hq,
                 "{\"plate\":\"YB-99\",\"warehouse\":\"WH-SZ\","
                 "\"capacity_l\":8000,\"capacity_g\":3000000}", 201);
    cat_t_expect(t, "PUT", "/api/v1/vehicles/YB-99", t->hq,
                 "{\"active\":false}", 200);
    cat_t_invalid(t, "POST", "/api/v1/vehicles",
                  "{\"plate\":\"X-1\",\"warehouse\":\"NOPE\","
                  "\"capacity_l\":1,\"capacity_g\":1}", "warehouse");
    cat_t_invalid(t, "POST", "/api/v1/vehicles",
                  "{\"plate\":\"X-1\",\"warehouse\":\"WH-SZ\","
                  "\"capacity_l\":0,\"capacity_g\":1}", "capacity_l");

    json_t *list = tw_test_call(&t->srv, "GET",
                                "/api/v1/catalog-probe/vehicles"
                                "?warehouse=WH-SZ", t->hq, NULL, NULL, 200);
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(cat_t_int(json_array_get(items, 0), "capacity_cl"),
                     1200025);
    json_decref(list);

    list = tw_test_call(&t->srv, "GET", "/api/v1/vehicles?warehouse=WH-SZ",
                        t->hq, NULL, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
    json_decref(list);
}


/* Adds branch `code` under HQ with `tradewind branch add`. */
static void
cat_t_branch(const cat_t *t, const char *code, const char *name)
{
    char *output = NULL;
    int status = tw_test_run(t->srv.config_path, NULL, &output, "branch",
                             "add", code, "--name", name, "--parent", "HQ",
                             NULL);

    free(output);
    assert_int_equal(status, 0);
}


static void
cat_t_dealer_isolation(void **state)
{
    cat_t *t = *state;

    cat_t_branch(t, "A", "甲分公司");
    cat_t_branch(t, "B", "乙分公司");
    t->a_admin = cat_t_user(t, "a_admin", "A", "catalog_admin");
    t->b_admin = cat_t_user(t, "b_admin", "B", "catalog_admin");
    t->a_clerk = cat_t_user(t, "a_clerk", "A", "order_clerk");
    t->a_reviewer = cat_t_user(t, "a_reviewer", "A", "order_reviewer");

    const char *dealer = "{\"code\":\"D-A1\",\"name\":\"甲商贸\","
                         "\"branch\":\"A\",\"region\":\"华南\","
                         "\"warehouse\":\"WH-SZ\",\"discount_bp\":500,"
                         "\"credit_limit_fen\":100000}";
    json_decref(tw_test_refusal(&t->srv, "POST", "/api/v1/dealers",
                                t->b_admin, dealer, 403, "forbidden_branch"));
    json_t *d = tw_test_call(&t->srv, "POST", "/api/v1/dealers", t->a_admin,
                             NULL, dealer, 201);
    assert_string_equal(json_string_value(json_object_get(d, "branch")), "A");
    assert_int_equal(cat_t_int(d, "open_amount_fen"), 0);
    assert_true(json_is_true(json_object_get(d, "active")));
    json_decref(d);

    cat_t_expect(t, "GET", "/api/v1/dealers/D-A1", t->b_admin, NULL, 404);
    cat_t_expect(t, "PUT", "/api/v1/dealers/D-A1", t->b_admin,
                 "{\"name\":\"x\"}", 404);
    cat_t_expect(t, "GET", "/api/v1/dealers/D-A1", t->a_clerk, NULL, 200);
    cat_t_expect(t, "GET", "/api/v1/dealers/D-A1", t->hq, NULL, 200);

    json_t *list = tw_test_call(&t->srv, "GET", "/api/v1/dealers",
                                t->b_admin, NULL, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);

    cat_t_invalid(t, "PUT", "/api/v1/dealers/D-A1", "{\"branch\":\"B\"}",
                  "branch");
    cat_t_invalid(t, "PUT", "/api/v1/dealers/D-A1",
                  "{\"open_amount_fen\":0}", "open_amount_fen");
    cat_t_invalid(t, "POST", "/api/v1/dealers",
                  "{\"code\":\"D-X\",\"name\":\"n\",\"branch\":\"NOPE\","
                  "\"region\":\"r\",\"warehouse\":\"WH-SZ\","
                  "\"credit_limit_fen\":1}", "branch");
    cat_t_expect(t, "POST", "/api/v1/products", t->a_clerk, "{}", 403);
}


/* Charges or credits D-A1 through the probe; returns the answer. */
static json_t *
cat_t_dealer_op(const cat_t *t, const char *op, int amount, int status)
{
    char path[96];
    char body[64];

    snprintf(path, sizeof path, "/api/v1/catalog-probe/dealers/D-A1/%s", op);
    snprintf(body, sizeof body, "{\"amount_fen\":%d}", amount);
    return tw_test_call(&t->srv, "POST", path, t->a_clerk, NULL, body,
                        status);
}


static void
cat_t_credit_and_payments(void **state)
{
    cat_t *t = *state;
    const char *pay = "/api/v1/dealers/D-A1/payments";

    json_t *d = cat_t_dealer_op(t, "charge", 60000, 200);
    assert_int_equal(cat_t_int(d, "open_amount_fen"), 60000);
    assert_int_equal(cat_t_int(d, "discount_bp"), 500);
    json_decref(d);

    /* 60000 + 50000 would pass the limit of 100000 */
    json_decref(cat_t_dealer_op(t, "charge", 50000, 409));
    tw_test_db_expect(&t->db, "SELECT open_amount_fen FROM catalog.dealers "
                      "WHERE code = $1", "D-A1", "60000");

    json_decref(tw_test_refusal(&t->srv, "POST", pay, t->a_reviewer,
                                "{\"amount_fen\":70000}", 409, "conflict"));
    cat_t_invalid(t, "POST", pay, "{\"amount_fen\":1.5}", "amount_fen");
    cat_t_expect(t, "POST", pay, t->a_clerk, "{\"amount_fen\":1}", 403);
    cat_t_expect(t, "POST", pay, t->b_admin, "{\"amount_fen\":1}", 404);

    json_t *p = tw_test_call(&t->srv, "POST", pay, t->a_reviewer, NULL,
                             "{\"amount_fen\":20000}", 201);
    assert_int_equal(cat_t_int(p, "open_amount_fen"), 40000);
    assert_int_equal(cat_t_int(p, "amount_fen"), 20000);
    assert_string_equal(json_string_value(json_object_get(p, "recorded_by")),
                        "a_reviewer");
    json_decref(p);
    tw_test_db_expect(&t->db, "SELECT count(*) FROM core.audit WHERE "
                      "action = 'payment' AND entity_id = $1", "D-A1", "1");

    /* a credit never takes the open amount below 0 */
    d = cat_t_dealer_op(t, "credit", 90000, 200);
    assert_int_equal(cat_t_int(d, "open_amount_fen"), 0);
    json_decref(d);
    json_decref(tw_test_call(&t->srv, "POST",
                             "/api/v1/catalog-probe/dealers/D-A1/charge",
                             t->b_admin, NULL, "{\"amount_fen\":1}", 404));
}


/* Writes `text` to `name` in the server's folder; the path goes to
 * `path`. */
static void
cat_t_file(const cat_t *t, const char *name, const char *text, char *path,
           size_t size)
{
    snprintf(path, size, "%s/%s", t->srv.dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}


/* Runs catalog-import; returns its output (malloc'd). */
static char *
cat_t_import(const cat_t *t, const char *kind, const char *path, int status)
{
    char *output = NULL;
    int got = tw_test_run(t->srv.config_path, NULL, &output,
                          "catalog-import", kind, path, NULL);

    if (got != status) {
        print_error("catalog-import %s: %d %s\n", kind, got,
                    output != NULL ? output : "");
        free(output);
        output = NULL;
    }
    assert_int_equal(got, status);
    return output;
}


static void
cat_t_imports(void **state)
{
    cat_t *t = *state;
    char path[512];
    char *out;

    cat_t_file(t, "products.csv",
               "sku,name,category,volume_l,weight_g,list_price_fen,"
               "floor_price_fen\r\n"
               "AP-1,\"净化器, 大\",air_purifier,40.25,8000,99900,80000\r\n"
               "HT-1,取暖器 一,heater,20,3000,12345,\r\n",
               path, sizeof path);
    out = cat_t_import(t, "products", path, 0);
    assert_non_null(strstr(out, "imported 2 products"));
    free(out);
    tw_test_db_expect(&t->db, "SELECT name || ' ' || volume_cl FROM "
                      "catalog.products WHERE sku = $1", "AP-1",
                      "净化器, 大 4025");
    tw_test_db_expect(&t->db, "SELECT list_price_fen FROM catalog.products "
                      "WHERE sku = $1", "HT-1", "12345");

    /* a bad third line imports nothing, not even the good second one */
    cat_t_file(t, "bad.csv",
               "sku,name,category,volume_l,weight_g,list_price_fen\n"
               "NEW-1,新品,fan,10,1000,100\n"
               "NEW-2,新品,fan,10.125,1000,100\n", path, sizeof path);
    out = cat_t_import(t, "products", path, 1);
    assert_non_null(strstr(out, "bad.csv:3: column volume_l"));
    free(out);
    tw_test_db_expect(&t->db, "SELECT count(*) FROM catalog.products WHERE "
                      "sku LIKE $1", "NEW-%", "0");

    cat_t_file(t, "dealers.csv",
               "code,name,branch,region,warehouse,discount_bp,"
               "credit_limit_fen\n"
               "D-B1,乙商贸,B,华东,WH-SZ,300,500000\n"
               "D-B2,乙二商贸,B,华东,WH-SZ,,0\n", path, sizeof path);
    free(cat_t_import(t, "dealers", path, 0));
    cat_t_expect(t, "GET", "/api/v1/dealers/D-B2", t->b_admin, NULL, 200);
    cat_t_expect(t, "GET", "/api/v1/dealers/D-B2", t->a_admin, NULL, 404);

    cat_t_file(t, "dealers2.csv",
               "code,name,branch,region,warehouse,credit_limit_fen\n"
               "D-B3,丙,B,华东,WH-SZ,1\n"
               "D-B4,丁,NOPE,华东,WH-SZ,1\n", path, sizeof path);
    out = cat_t_import(t, "dealers", path, 1);
    assert_non_null(strstr(out, "dealers2.csv:3: column branch"));
    free(out);

    cat_t_file(t, "stock.csv", "warehouse,sku,on_hand\nWH-SZ,AP-1,12\n"
               "WH-SZ,FAN-01,8\n", path, sizeof path);
    out = cat_t_import(t, "stock", path, 0);
    assert_non_null(strstr(out, "imported 2 stock"));
    free(out);
    tw_test_db_expect(&t->db, "SELECT on_hand FROM catalog.stock WHERE "
                      "sku = $1", "FAN-01", "8");

    free(cat_t_import(t, "customers", path, 2));
}


static void
cat_t_stop(void **state)
{
    cat_t *t = *state;

    tw_test_stop(&t->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cat_t_products),
        cmocka_unit_test(cat_t_product_validation),
        cmocka_unit_test(cat_t_product_paging),
        cmocka_unit_test(cat_t_warehouses_and_stock),
        cmocka_unit_test(cat_t_stock_service),
        cmocka_unit_test(cat_t_vehicles),
        cmocka_unit_test(cat_t_dealer_isolation),
        cmocka_unit_test(cat_t_credit_and_payments),
        cmocka_unit_test(cat_t_imports),
        cmocka_unit_test(cat_t_stop),
    };

    return cmocka_run_group_tests(tests, cat_t_setup, cat_t_teardown);
}
