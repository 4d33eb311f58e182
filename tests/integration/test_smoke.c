/*
 * test_smoke.c - the smallest end-to-end check: a server with no modules
 * on a fresh database starts, answers /healthz, and stops cleanly; the
 * program reports its version.
 *
 * One server for the group; it is stopped by the last test, so that an
 * unclean stop fails a test rather than the (uncounted) group teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct tw_smoke {
    tw_test_db_t db;
    tw_test_server_t srv;
} tw_smoke_t;


static int
tw_smoke_setup(void **state)
{
    tw_smoke_t *smoke = calloc(1, sizeof(*smoke));

    assert_non_null(smoke);
    *state = smoke;
    tw_test_serve(&smoke->db, &smoke->srv, NULL);
    return 0;
}


static int
tw_smoke_teardown(void **state)
{
    tw_smoke_t *smoke = *state;

    if (smoke == NULL) {
        return 0;
    }
    tw_test_finish(&smoke->db, &smoke->srv);
    free(smoke);
    return 0;
}


static void
tw_smoke_healthz(void **state)
{
    tw_smoke_t *smoke = *state;
    tw_test_response_t res;

    assert_int_equal(tw_test_http(smoke->srv.port, "GET", "/healthz", NULL,
                                  NULL, NULL, &res),
                     0);
    assert_int_equal(res.status, 200);
    assert_non_null(res.json);
    assert_string_equal(json_string_value(json_object_get(res.json, "status")),
                        "ok");
    tw_test_response_free(&res);
}


static void
tw_smoke_version(void **state)
{
    tw_smoke_t *smoke = *state;
    char *output = NULL;
    int status;

    status =
        tw_test_run(smoke->srv.config_path, NULL, &output, "version", NULL);
    assert_non_null(output);
    if (status != 0 || strstr(output, TW_VERSION) == NULL) {
        print_error("tradewind version (%d):\n%s", status, output);
    }
    assert_int_equal(status, 0);
    assert_non_null(strstr(output, TW_VERSION));
    free(output);
}


static void
tw_smoke_stop(void **state)
{
    tw_smoke_t *smoke = *state;

    /* Fails the test itself when the server crashed, leaked or hung. */
    tw_test_stop(&smoke->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_smoke_healthz),
        cmocka_unit_test(tw_smoke_version),
        cmocka_unit_test(tw_smoke_stop),
    };

    return cmocka_run_group_tests(tests, tw_smoke_setup, tw_smoke_teardown);
}
