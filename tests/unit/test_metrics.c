/*
 * test_metrics.c - request counters, the latency histogram and their
 * Prometheus text, including updates from several threads at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

#define TW_TEST_THREADS 4
#define TW_TEST_PER_THREAD 10000


static int
tw_test_setup(void **state)
{
    *state = tw_metrics_new();
    return *state != NULL ? 0 : -1;
}


static int
tw_test_teardown(void **state)
{
    tw_metrics_free(*state);
    return 0;
}


/* Fails unless `line` (a whole line, without its newline) is in `text`. */
static void
tw_test_has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    const char *at = text;

    while ((at = strstr(at, line)) != NULL) {
        if ((at == text || at[-1] == '\n') && at[len] == '\n')
            return;
        at += len;
    }
    fail_msg("line not found: %s\n--- in ---\n%s", line, text);
}


static void
test_counts_by_route_method_status(void **state)
{
    tw_metrics_t *metrics = *state;
    char *text;

    tw_metrics_observe(metrics, "/api/v1/notes/{id}", "GET", 200, 0.001);
    tw_metrics_observe(metrics, "/api/v1/notes/{id}", "GET", 200, 0.001);
    tw_metrics_observe(metrics, "/api/v1/notes/{id}", "GET", 200, 0.001);
    tw_metrics_observe(metrics, "/api/v1/notes/{id}", "GET", 404, 0.001);
    tw_metrics_observe(metrics, NULL, "GET", 404, 0.001);
    tw_metrics_observe(metrics, NULL, "BREW", 404, 0.001);

    text = tw_metrics_render(metrics, 2, 8);
    assert_non_null(text);
    tw_test_has_line(text, "# TYPE tradewind_http_requests_total counter");
    tw_test_has_line(text, "tradewind_http_requests_total{route=\""
                           "/api/v1/notes/{id}\",method=\"GET\","
                           "status=\"200\"} 3");
    tw_test_has_line(text, "tradewind_http_requests_total{route=\""
                           "/api/v1/notes/{id}\",method=\"GET\","
                           "status=\"404\"} 1");
    tw_test_has_line(text, "tradewind_http_requests_total{route=\""
                           "unmatched\",method=\"GET\",status=\"404\"} 1");
    tw_test_has_line(text, "tradewind_http_requests_total{route=\""
                           "unmatched\",method=\"OTHER\",status=\"404\"} 1");
    tw_test_has_line(text, "tradewind_db_pool_connections_in_use 2");
    tw_test_has_line(text, "tradewind_db_pool_connections_max 8");
    assert_null(strstr(text, "BREW"));
    free(text);
}


static void
test_histogram_is_cumulative(void **state)
{
    tw_metrics_t *metrics = *state;
    char *text;

    tw_metrics_observe(metrics, "/r", "GET", 200, 0.003);
    tw_metrics_observe(metrics, "/r", "GET", 200, 0.005); /* le inclusive */
    tw_metrics_observe(metrics, "/r", "GET", 200, 0.2);
    tw_metrics_observe(metrics, "/r", "GET", 200, 20.0);

    text = tw_metrics_render(metrics, 0, 4);
    assert_non_null(text);
    tw_test_has_line(text, "# TYPE tradewind_http_request_duration_seconds "
                           "histogram");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"0.005\"} 2");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"0.1\"} 2");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"0.25\"} 3");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"10\"} 3");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"+Inf\"} 4");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_sum "
                           "20.208000");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_count 4");
    free(text);
}


static void
test_empty_render(void **state)
{
    char *text = tw_metrics_render(*state, 0, 0);

    assert_non_null(text);
    assert_null(strstr(text, "tradewind_http_requests_total{"));
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"+Inf\"} 0");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_count 0");
    free(text);
}


static void
test_labels_are_escaped(void **state)
{
    char *text;

    tw_metrics_observe(*state, "/a\"b\\c\nd", "GET", 200, 0.0);
    text = tw_metrics_render(*state, 0, 0);
    assert_non_null(text);
    tw_test_has_line(text, "tradewind_http_requests_total{route=\""
                           "/a\\\"b\\\\c\\nd\",method=\"GET\","
                           "status=\"200\"} 1");
    free(text);
}


static void *
tw_test_hammer(void *metrics)
{
    int i;

    for (i = 0; i < TW_TEST_PER_THREAD; i++)
        tw_metrics_observe(metrics, i % 2 ? "/odd" : "/even", "POST", 201,
                           0.02);
    return NULL;
}


static void
test_concurrent_updates_are_not_lost(void **state)
{
    pthread_t threads[TW_TEST_THREADS];
    char *text;
    int i;

    for (i = 0; i < TW_TEST_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, tw_test_hammer,
                                        *state), 0);
    for (i = 0; i < TW_TEST_THREADS; i++)
        pthread_join(threads[i], NULL);

    text = tw_metrics_render(*state, 0, 0);
    assert_non_null(text);
    tw_test_has_line(text, "tradewind_http_requests_total{route=\"/odd\","
                           "method=\"POST\",status=\"201\"} 20000");
    tw_test_has_line(text, "tradewind_http_requests_total{route=\"/even\","
                           "method=\"POST\",status=\"201\"} 20000");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_count "
                           "40000");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"0.01\"} 0");
    tw_test_has_line(text, "tradewind_http_request_duration_seconds_bucket"
                           "{le=\"0.025\"} 40000");
    free(text);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_by_route_method_status,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_histogram_is_cumulative,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_empty_render, tw_test_setup,
                                        tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_labels_are_escaped,
                                        tw_test_setup, tw_test_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_updates_are_not_lost,
                                        tw_test_setup, tw_test_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
