/*
 * test_demo.c - `tradewind demo-data` with the catalog and orders
 * modules: the plugins' generators (tw_demo_add) load their counts, the
 * order history covers each requested month, and the dealers' open
 * amounts and the reserved stock agree with the approved orders.  A
 * second run adds nothing.
 *
 * `--months 2` keeps the run short under the sanitizers (a year is
 * about 90,000 orders); the checks do not depend on the length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TW_DEMO_MONTHS "2"

/* Every count the demo data must reach, as one text. */
#define TW_DEMO_COUNTS_SQL                                                \
    "SELECT (SELECT count(*) FROM catalog.products) || ' '"               \
    " || (SELECT count(*) FROM catalog.warehouses) || ' '"                \
    " || (SELECT count(*) FROM catalog.stock) || ' '"                     \
    " || (SELECT count(*) FROM catalog.dealers) || ' '"                   \
    " || (SELECT count(*) FROM catalog.vehicles)"

#define TW_DEMO_ORDERS_SQL                                                \
    "SELECT (SELECT count(*) FROM orders.orders) || ' '"                  \
    " || (SELECT count(*) FROM orders.order_lines) || ' '"                \
    " || (SELECT count(*) FROM orders.order_events)"


/* Runs `tradewind demo-data ARGS` and expects exit `status`; returns the
 * output (malloc'd). */
static char *
tw_demo_run(tw_test_cli_t *t, int status, const char *arg1,
            const char *arg2)
{
    char *output = NULL;
    int got = tw_test_run(t->srv.config_path, NULL, &output, "demo-data",
                          arg1, arg2, NULL);

    return tw_test_cli_expect(got, status, output, "demo-data");
}


static int
tw_demo_setup(void **state)
{
    tw_test_options_t opts = {.modules = "catalog = on\norders = on\n",
                              .plugin_dir = TW_BUILD_DIR "/plugins"};
    tw_test_cli_t *t = tw_test_cli_setup(state, sizeof *t, &opts);
    char *output = NULL;

    int status = tw_test_run(t->srv.config_path, NULL, &output, "migrate",
                             NULL);
    free(tw_test_cli_expect(status, 0, output, "migrate"));
    return 0;
}


static void
tw_demo_counts(void **state)
{
    tw_test_cli_t *t = *state;
    char *output = tw_demo_run(t, 0, "--months", TW_DEMO_MONTHS);

    assert_non_null(strstr(output, "catalog demo data: 500 products, "
                                   "20 warehouses, 10000 stock rows, "
                                   "2000 dealers, 200 vehicles"));
    assert_non_null(strstr(output, "orders demo data: "));
    free(output);

    tw_test_db_expect(&t->db, TW_DEMO_COUNTS_SQL, NULL,
                      "500 20 10000 2000 200");
    tw_test_db_expect(&t->db, "SELECT count(DISTINCT category)"
                      " FROM catalog.products", NULL, "6");
    tw_test_db_expect(&t->db, "SELECT count(DISTINCT branch_id)"
                      " FROM catalog.dealers", NULL, "60");
}


/* Orders in each of the requested months, none before, all priced. */
static void
tw_demo_months(void **state)
{
    tw_test_cli_t *t = *state;

    tw_test_db_expect(&t->db,
        "WITH m AS (SELECT date_trunc('month', created_at AT TIME ZONE"
        "  'Asia/Shanghai') AS month, count(*) AS n FROM orders.orders"
        "  GROUP BY 1)"
        " SELECT count(*) FILTER (WHERE n > 0) || ' ' || count(*) ||"
        "  ' ' || (min(month) = date_trunc('month', now() AT TIME ZONE"
        "  'Asia/Shanghai') - ($1::int - 1) * interval '1 month') FROM m",
        TW_DEMO_MONTHS, TW_DEMO_MONTHS " " TW_DEMO_MONTHS " true");
    tw_test_db_expect(&t->db, "SELECT count(*) FROM orders.orders o"
                      " WHERE total_fen <> (SELECT coalesce(sum("
                      " line_total_fen), -1) FROM orders.order_lines l"
                      " WHERE l.order_id = o.id)", NULL, "0");
    tw_test_db_expect(&t->db, "SELECT count(*) > 1000 FROM orders.orders"
                      " WHERE status = 'delivered'", NULL, "t");
}


/* Open amounts and reserved stock are those of the approved orders. */
static void
tw_demo_consistent(void **state)
{
    tw_test_cli_t *t = *state;

    tw_test_db_expect(&t->db, "SELECT count(*) FROM catalog.dealers d"
                      " WHERE open_amount_fen > credit_limit_fen"
                      " OR open_amount_fen <> (SELECT coalesce(sum("
                      " total_fen), 0) FROM orders.orders o"
                      " WHERE o.dealer_code = d.code AND o.status IN"
                      " ('approved', 'planned', 'shipped'))", NULL, "0");
    tw_test_db_expect(&t->db, "SELECT count(*) > 0 FROM catalog.dealers"
                      " WHERE open_amount_fen > 0", NULL, "t");
    tw_test_db_expect(&t->db, "SELECT count(*) FROM catalog.stock s"
                      " WHERE reserved <> (SELECT coalesce(sum(l.qty), 0)"
                      " FROM orders.orders o JOIN orders.order_lines l"
                      " ON l.order_id = o.id WHERE o.warehouse_code ="
                      " s.warehouse_code AND l.sku = s.sku"
                      " AND o.status IN ('approved', 'planned'))", NULL,
                      "0");
    tw_test_db_expect(&t->db, "SELECT count(*) > 0 FROM catalog.stock"
                      " WHERE reserved > 0", NULL, "t");
}


static void
tw_demo_twice_adds_nothing(void **state)
{
    tw_test_cli_t *t = *state;
    char *before = tw_test_db_value(&t->db, TW_DEMO_ORDERS_SQL, NULL);
    char *output = tw_demo_run(t, 0, NULL, NULL);

    assert_non_null(strstr(output, "catalog demo data: already loaded"));
    assert_non_null(strstr(output, "orders demo data: already loaded"));
    free(output);
    tw_test_db_expect(&t->db, TW_DEMO_COUNTS_SQL, NULL,
                      "500 20 10000 2000 200");
    tw_test_db_expect(&t->db, TW_DEMO_ORDERS_SQL, NULL, before);
    free(before);
}


static void
tw_demo_bad_months(void **state)
{
    tw_test_cli_t *t = *state;

    free(tw_demo_run(t, 2, "--months", "0"));
    free(tw_demo_run(t, 2, "--months", "25"));
    free(tw_demo_run(t, 2, "--months", "x"));
    free(tw_demo_run(t, 2, "--weeks", "2"));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_demo_counts),
        cmocka_unit_test(tw_demo_months),
        cmocka_unit_test(tw_demo_consistent),
        cmocka_unit_test(tw_demo_twice_adds_nothing),
        cmocka_unit_test(tw_demo_bad_months),
    };

    return cmocka_run_group_tests(tests, tw_demo_setup,
                                  tw_test_cli_teardown);
}
