/*
 * test_http.c - the HTTP layer end to end: a real `tradewind serve` with
 * the `good` test plugin on a fresh database, spoken to over TCP.
 *
 * Probes, 404/405 with the error shape, request ids, the body limit
 * (announced and chunked), malformed JSON, authentication and permission
 * refusals, a full authenticated round trip with percent-encoded path
 * parameters, /metrics, and a slow client that is dropped while others
 * are served.  One server for the group, small limits (body_limit 1024,
 * timeout_s 2); the last test stops it so that an unclean stop fails a
 * test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TW_TEST_BODY_LIMIT 1024
#define TW_TEST_TIMEOUT_S 2
#define TW_TEST_PASSWORD "correct horse 42"

typedef struct tw_http_ctx {
    tw_test_db_t db;
    tw_test_server_t srv;
    char *clerk;  /* tokens */
    char *viewer;
    char *admin;
} tw_http_ctx_t;


static int
tw_http_setup(void **state)
{
    tw_test_options_t opts = {0};
    tw_http_ctx_t *ctx = calloc(1, sizeof(*ctx));

    assert_non_null(ctx);
    *state = ctx;
    opts.modules = "good = on\n";
    opts.body_limit = TW_TEST_BODY_LIMIT;
    opts.timeout_s = TW_TEST_TIMEOUT_S;

    tw_test_serve(&ctx->db, &ctx->srv, &opts);

    ctx->clerk = tw_test_user(&ctx->srv, "clerk1", TW_TEST_PASSWORD, "HQ",
                              "clerk");
    ctx->viewer = tw_test_user(&ctx->srv, "viewer1", TW_TEST_PASSWORD, "HQ",
                               "viewer");
    ctx->admin = tw_test_user(&ctx->srv, "admin1", TW_TEST_PASSWORD, "HQ",
                              "admin");
    return 0;
}


static int
tw_http_teardown(void **state)
{
    tw_http_ctx_t *ctx = *state;

    if (ctx == NULL)
        return 0;

    tw_test_finish(&ctx->db, &ctx->srv);
    free(ctx->clerk);
    free(ctx->viewer);
    free(ctx->admin);
    free(ctx);
    return 0;
}


/* Fails unless header `name` of `res` equals `want`. */
static void
tw_http_assert_header(const tw_test_response_t *res, const char *name,
                      const char *want)
{
    char *value = tw_test_header(res, name);

    assert_non_null(value);
    assert_string_equal(value, want);
    free(value);
}


/* Fails unless the answer carries a 16-hex-digit X-Request-Id. */
static void
tw_http_assert_generated_id(const tw_test_response_t *res)
{
    char *id = tw_test_header(res, "X-Request-Id");

    assert_non_null(id);
    assert_int_equal(strlen(id), 16);
    assert_int_equal(strspn(id, "0123456789abcdef"), 16);
    free(id);
}


/* Sends a request and checks what every JSON answer carries. */
static void
tw_http_call(void **state, const char *method, const char *path,
             const char *token, const char *headers, const char *body,
             tw_test_response_t *res)
{
    tw_http_ctx_t *ctx = *state;
    char *id;

    assert_int_equal(tw_test_http(ctx->srv.port, method, path, token,
                                  headers, body, res), 0);
    id = tw_test_header(res, "X-Request-Id");
    assert_non_null(id);
    free(id);
    tw_http_assert_header(res, "Content-Type", "application/json");
}


/* Fails unless `res` is `status` with the error shape and `code`. */
static void
tw_http_assert_error(const tw_test_response_t *res, int status,
                     const char *code)
{
    json_t *error = json_object_get(res->json, "error");

    assert_int_equal(res->status, status);
    assert_true(json_is_object(error));
    assert_string_equal(json_string_value(json_object_get(error, "code")),
                        code);
    assert_true(json_is_string(json_object_get(error, "message")));
    assert_true(json_is_object(json_object_get(error, "details")));
}


/* GET `path` with `token` (may be NULL): fails unless it answers 200
 * with string field `key` equal to `want`.  The caller frees *res. */
static void
tw_http_get_ok(void **state, const char *path, const char *token,
               const char *key, const char *want, tw_test_response_t *res)
{
    tw_http_call(state, "GET", path, token, NULL, NULL, res);
    assert_int_equal(res->status, 200);
    assert_string_equal(json_string_value(json_object_get(res->json, key)),
                        want);
}


static const char *
tw_http_message(const tw_test_response_t *res)
{
    return json_string_value(
        json_object_get(json_object_get(res->json, "error"), "message"));
}


static void
test_healthz(void **state)
{
    tw_test_response_t res;

    tw_http_get_ok(state, "/healthz", NULL, "status", "ok", &res);
    tw_http_assert_generated_id(&res);
    tw_test_response_free(&res);
}


static void
test_readyz(void **state)
{
    tw_test_response_t res;

    tw_http_get_ok(state, "/readyz", NULL, "status", "ready", &res);
    tw_test_response_free(&res);
}


static void
test_unknown_path_is_404(void **state)
{
    tw_test_response_t res;

    tw_http_call(state, "GET", "/api/v1/no-such-thing", NULL, NULL, NULL,
                 &res);
    tw_http_assert_error(&res, 404, "not_found");
    tw_http_assert_generated_id(&res);
    tw_test_response_free(&res);

    /* A trailing slash names another path. */
    tw_http_call(state, "GET", "/healthz/", NULL, NULL, NULL, &res);
    tw_http_assert_error(&res, 404, "not_found");
    tw_test_response_free(&res);
}


static void
test_other_method_is_405_with_allow(void **state)
{
    tw_test_response_t res;
    char *allow;

    tw_http_call(state, "DELETE", "/api/v1/notes", NULL, NULL, NULL, &res);
    tw_http_assert_error(&res, 405, "method_not_allowed");
    allow = tw_test_header(&res, "Allow");
    assert_non_null(allow);
    assert_non_null(strstr(allow, "GET"));
    assert_non_null(strstr(allow, "POST"));
    free(allow);
    tw_test_response_free(&res);
}


static void
test_request_id_echoed_when_valid(void **state)
{
    tw_test_response_t res;

    tw_http_call(state, "GET", "/healthz", NULL,
                 "X-Request-Id: lb-7f3a.b_c-9\r\n", NULL, &res);
    tw_http_assert_header(&res, "X-Request-Id", "lb-7f3a.b_c-9");
    tw_test_response_free(&res);

    /* Also on an error answer. */
    tw_http_call(state, "GET", "/nowhere", NULL,
                 "X-Request-Id: trace-1\r\n", NULL, &res);
    assert_int_equal(res.status, 404);
    tw_http_assert_header(&res, "X-Request-Id", "trace-1");
    tw_test_response_free(&res);

    /* Unsafe characters are not echoed into headers and logs. */
    tw_http_call(state, "GET", "/healthz", NULL,
                 "X-Request-Id: a b\"c\r\n", NULL, &res);
    tw_http_assert_generated_id(&res);
    tw_test_response_free(&res);
}


static void
test_request_id_too_long_is_replaced(void **state)
{
    char id[80], headers[128];
    tw_test_response_t res;

    snprintf(id, sizeof(id), "%065d", 7);
    snprintf(headers, sizeof(headers), "X-Request-Id: %s\r\n", id);
    tw_http_call(state, "GET", "/healthz", NULL, headers, NULL, &res);
    tw_http_assert_generated_id(&res);
    tw_test_response_free(&res);

    /* 64 characters is the longest id kept. */
    id[64] = '\0';
    snprintf(headers, sizeof(headers), "X-Request-Id: %s\r\n", id);
    tw_http_call(state, "GET", "/healthz", NULL, headers, NULL, &res);
    tw_http_assert_header(&res, "X-Request-Id", id);
    tw_test_response_free(&res);
}


/* A JSON object of exactly `size` bytes: {"title":"xxx..."}. */
static char *
tw_http_json_of_size(size_t size)
{
    char *body = malloc(size + 1);

    assert_non_null(body);
    assert_true(size >= 12);
    memset(body, 'x', size);
    memcpy(body, "{\"title\":\"", 10);
    memcpy(body + size - 2, "\"}", 3);
    return body;
}


static void
test_body_over_limit_is_413(void **state)
{
    char *body = tw_http_json_of_size(TW_TEST_BODY_LIMIT + 1);
    tw_test_response_t res;

    tw_http_call(state, "POST", "/api/v1/notes", NULL, NULL, body, &res);
    tw_http_assert_error(&res, 413, "body_too_large");
    tw_http_assert_generated_id(&res);
    tw_test_response_free(&res);
    free(body);
}


static void
test_body_at_limit_is_read(void **state)
{
    char *body = tw_http_json_of_size(TW_TEST_BODY_LIMIT);
    tw_test_response_t res;

    /* It passes the limit and the JSON check; the token check refuses. */
    tw_http_call(state, "POST", "/api/v1/notes", NULL, NULL, body, &res);
    tw_http_assert_error(&res, 401, "unauthenticated");
    tw_test_response_free(&res);
    free(body);
}


/* Connects to the server with a receive timeout of `timeout_s`. */
static int
tw_http_connect(void **state, int timeout_s)
{
    tw_http_ctx_t *ctx = *state;
    struct timeval tv = {timeout_s, 0};
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)ctx->srv.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
}


/* Reads until the server closes; returns the bytes read (NUL-ended). */
static size_t
tw_http_read_all(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len + 1 < size) {
        n = recv(fd, buf + len, size - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return len;
}


static void
test_chunked_body_over_limit_is_413(void **state)
{
    static const char head[] =
        "POST /api/v1/notes HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    char *body = tw_http_json_of_size(TW_TEST_BODY_LIMIT + 100);
    char answer[4096], size_line[32];
    int fd = tw_http_connect(state, 5);

    snprintf(size_line, sizeof(size_line), "%zx\r\n", strlen(body));
    assert_true(send(fd, head, strlen(head), MSG_NOSIGNAL) > 0);
    assert_true(send(fd, size_line, strlen(size_line), MSG_NOSIGNAL) > 0);
    assert_true(send(fd, body, strlen(body), MSG_NOSIGNAL) > 0);
    assert_true(send(fd, "\r\n0\r\n\r\n", 7, MSG_NOSIGNAL) > 0);

    tw_http_read_all(fd, answer, sizeof(answer));
    close(fd);
    free(body);
    assert_int_equal(strncmp(answer, "HTTP/1.1 413 ", 13), 0);
    assert_non_null(strstr(answer, "\"body_too_large\""));
    assert_non_null(strstr(answer, "X-Request-Id: "));
}


static void
test_malformed_json_is_400(void **state)
{
    tw_test_response_t res;
    const char *message;

    tw_http_call(state, "POST", "/api/v1/notes", NULL, NULL,
                 "{\"branch\": \"HQ\",\n \"title\": }", &res);
    tw_http_assert_error(&res, 400, "malformed_json");
    message = tw_http_message(&res);
    assert_non_null(strstr(message, "line 2"));
    assert_non_null(strstr(message, "column"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(res.json, "error"),
                                         "details"), "line")), 2);
    tw_test_response_free(&res);

    /* Trailing garbage after a complete value is malformed, too. */
    tw_http_call(state, "POST", "/api/v1/notes", NULL, NULL, "{} {}", &res);
    tw_http_assert_error(&res, 400, "malformed_json");
    tw_test_response_free(&res);
}


static void
test_protected_route_needs_token(void **state)
{
    tw_test_response_t res;

    tw_http_call(state, "GET", "/api/v1/notes", NULL, NULL, NULL, &res);
    tw_http_assert_error(&res, 401, "unauthenticated");
    tw_http_assert_header(&res, "WWW-Authenticate", "Bearer");
    tw_test_response_free(&res);

    tw_http_call(state, "GET", "/api/v1/notes", "not-a-session", NULL, NULL,
                 &res);
    tw_http_assert_error(&res, 401, "unauthenticated");
    tw_test_response_free(&res);
}


static void
test_public_route_ignores_bad_token(void **state)
{
    tw_test_response_t res;

    tw_http_get_ok(state, "/api/v1/good/hello", "not-a-session", "greeting",
                   "hello", &res);
    tw_test_response_free(&res);
}


static void
test_missing_permission_is_403(void **state)
{
    tw_http_ctx_t *ctx = *state;
    tw_test_response_t res;

    tw_http_call(state, "POST", "/api/v1/notes", ctx->viewer, NULL,
                 "{\"branch\":\"HQ\",\"title\":\"no\"}", &res);
    tw_http_assert_error(&res, 403, "forbidden");
    tw_test_response_free(&res);
}


/* "%3X" for every digit of `id`: the router must decode it. */
static void
tw_http_encoded_note_path(json_int_t id, char *path, size_t size)
{
    char digits[32];
    size_t i, len;

    snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT, id);
    len = (size_t)snprintf(path, size, "/api/v1/notes/");
    for (i = 0; digits[i] != '\0' && len + 4 < size; i++)
        len += (size_t)snprintf(path + len, size - len, "%%%02X",
                                (unsigned)digits[i]);
}


static void
test_authenticated_round_trip(void **state)
{
    tw_http_ctx_t *ctx = *state;
    tw_test_response_t res;
    char path[128];
    json_int_t id;

    tw_http_call(state, "POST", "/api/v1/notes", ctx->clerk,
                 "X-Request-Id: note-create-1\r\n",
                 "{\"branch\":\"HQ\",\"title\":\"first\"}", &res);
    assert_int_equal(res.status, 201);
    id = json_integer_value(json_object_get(res.json, "id"));
    assert_true(id > 0);
    tw_test_response_free(&res);

    tw_http_encoded_note_path(id, path, sizeof(path));
    tw_http_call(state, "GET", path, ctx->clerk, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_int_equal(json_integer_value(json_object_get(res.json, "id")), id);
    assert_string_equal(json_string_value(json_object_get(res.json,
                                                          "title")),
                        "first");
    tw_test_response_free(&res);

    tw_http_call(state, "GET", "/api/v1/notes/999999999", ctx->clerk, NULL,
                 NULL, &res);
    tw_http_assert_error(&res, 404, "not_found");
    tw_test_response_free(&res);
}


static void
test_audit_row_carries_request_id(void **state)
{
    tw_http_ctx_t *ctx = *state;
    tw_test_response_t res;
    json_t *items, *row;
    size_t i;
    int seen = 0;

    tw_http_call(state, "GET", "/api/v1/audit?entity=note", ctx->admin, NULL,
                 NULL, &res);
    assert_int_equal(res.status, 200);
    items = json_object_get(res.json, "items");
    assert_true(json_is_array(items));
    json_array_foreach(items, i, row) {
        if (strcmp(json_string_value(json_object_get(row, "request_id")),
                   "note-create-1") == 0) {
            assert_string_equal(json_string_value(json_object_get(row,
                                                                  "login")),
                                "clerk1");
            seen++;
        }
    }
    assert_int_equal(seen, 1);
    tw_test_response_free(&res);
}


static void
test_metrics_count_called_routes(void **state)
{
    tw_http_ctx_t *ctx = *state;
    tw_test_response_t res;
    char *type;

    tw_http_call(state, "GET", "/api/v1/good/hello", NULL, NULL, NULL, &res);
    tw_test_response_free(&res);

    assert_int_equal(tw_test_http(ctx->srv.port, "GET", "/metrics", NULL,
                                  NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    type = tw_test_header(&res, "Content-Type");
    assert_non_null(type);
    assert_string_equal(type, "text/plain; version=0.0.4");
    free(type);

    assert_non_null(strstr(res.body, "tradewind_http_requests_total{route="
                                     "\"/api/v1/good/hello\",method=\"GET\","
                                     "status=\"200\"} "));
    assert_non_null(strstr(res.body, "tradewind_http_requests_total{route="
                                     "\"unmatched\",method=\"GET\","
                                     "status=\"404\"} "));
    assert_non_null(strstr(res.body, "tradewind_http_request_duration_"
                                     "seconds_bucket{le=\"+Inf\"} "));
    assert_non_null(strstr(res.body, "tradewind_db_pool_connections_max 8"));
    assert_non_null(strstr(res.body, "tradewind_db_pool_connections_in_use "));
    tw_test_response_free(&res);
}


static double
tw_http_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


static void
test_slow_client_is_dropped(void **state)
{
    tw_test_response_t res;
    double started, waited;
    char buf[256];
    int fd, i;

    fd = tw_http_connect(state, 10);
    started = tw_http_now();
    assert_int_equal(send(fd, "GET /heal", 9, MSG_NOSIGNAL), 9);

    /* The half-sent request holds no worker: others are served. */
    for (i = 0; i < 8; i++) {
        tw_http_call(state, "GET", "/healthz", NULL, NULL, NULL, &res);
        assert_int_equal(res.status, 200);
        tw_test_response_free(&res);
    }

    tw_http_read_all(fd, buf, sizeof(buf));
    waited = tw_http_now() - started;
    close(fd);
    assert_true(waited >= TW_TEST_TIMEOUT_S - 0.5);
    assert_true(waited < TW_TEST_TIMEOUT_S + 4);
}


static void
test_server_stops_cleanly(void **state)
{
    tw_http_ctx_t *ctx = *state;

    tw_test_stop(&ctx->srv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_readyz),
        cmocka_unit_test(test_unknown_path_is_404),
        cmocka_unit_test(test_other_method_is_405_with_allow),
        cmocka_unit_test(test_request_id_echoed_when_valid),
        cmocka_unit_test(test_request_id_too_long_is_replaced),
        cmocka_unit_test(test_body_over_limit_is_413),
        cmocka_unit_test(test_body_at_limit_is_read),
        cmocka_unit_test(test_chunked_body_over_limit_is_413),
        cmocka_unit_test(test_malformed_json_is_400),
        cmocka_unit_test(test_protected_route_needs_token),
        cmocka_unit_test(test_public_route_ignores_bad_token),
        cmocka_unit_test(test_missing_permission_is_403),
        cmocka_unit_test(test_authenticated_round_trip),
        cmocka_unit_test(test_audit_row_carries_request_id),
        cmocka_unit_test(test_metrics_count_called_routes),
        cmocka_unit_test(test_slow_client_is_dropped),
        cmocka_unit_test(test_server_stops_cleanly),
    };

    return cmocka_run_group_tests(tests, tw_http_setup, tw_http_teardown);
}
