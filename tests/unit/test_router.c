/*
 * test_router.c - route matching: literal against {param}, parameters,
 * 404 against 405, trailing slashes and percent-decoding.
 *
 * The routes are local tw_route_t records; no registry, no server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"


static void
tw_test_handler(tw_req_t *req, void *ctx)
{
    (void)req;
    (void)ctx;
}


#define TW_TEST_ROUTE(m, p) \
    { "test", (m), (p), TW_PERM_PUBLIC, tw_test_handler, NULL, 0 }

static const tw_route_t tw_test_routes[] = {
    TW_TEST_ROUTE("GET", "/api/v1/notes"),
    TW_TEST_ROUTE("POST", "/api/v1/notes"),
    TW_TEST_ROUTE("GET", "/api/v1/notes/{id}"),
    TW_TEST_ROUTE("GET", "/api/v1/notes/new"),
    TW_TEST_ROUTE("GET", "/api/v1/branches/{code}/users/{login}"),
    TW_TEST_ROUTE("GET", "/a/new/x"),
    TW_TEST_ROUTE("GET", "/a/{id}/y"),
    TW_TEST_ROUTE("PUT", "/b/new"),
    TW_TEST_ROUTE("GET", "/b/{id}"),
    TW_TEST_ROUTE("GET", "/slash/"),
    TW_TEST_ROUTE("GET", "/"),
};

#define TW_TEST_ROUTE_COUNT (sizeof(tw_test_routes) / sizeof(tw_route_t))


static int
tw_test_setup(void **state)
{
    tw_router_t *router = tw_router_new();
    size_t i;

    if (router == NULL)
        return -1;

    for (i = 0; i < TW_TEST_ROUTE_COUNT; i++) {
        if (tw_router_add(router, &tw_test_routes[i]) != TW_OK) {
            tw_router_free(router);
            return -1;
        }
    }
    *state = router;
    return 0;
}


static int
tw_test_teardown(void **state)
{
    tw_router_free(*state);
    return 0;
}


/* Matches and returns the pattern found, or NULL; keeps the match. */
static const char *
tw_test_find(void **state, const char *method, const char *path,
             tw_router_match_t *m)
{
    if (tw_router_match(*state, method, path, m) != TW_ROUTER_FOUND)
        return NULL;
    return m->route->pattern;
}


static void
test_literal_wins_over_param(void **state)
{
    tw_router_match_t m;

    assert_string_equal(tw_test_find(state, "GET", "/api/v1/notes/new", &m),
                        "/api/v1/notes/new");
    assert_int_equal(m.param_count, 0);
    tw_router_match_clear(&m);

    assert_string_equal(tw_test_find(state, "GET", "/api/v1/notes/7", &m),
                        "/api/v1/notes/{id}");
    assert_string_equal(tw_router_param(&m, "id"), "7");
    tw_router_match_clear(&m);
}


static void
test_param_after_failed_literal(void **state)
{
    tw_router_match_t m;

    /* "new" leads into the literal branch, which has no "y" below it. */
    assert_string_equal(tw_test_find(state, "GET", "/a/new/y", &m),
                        "/a/{id}/y");
    assert_string_equal(tw_router_param(&m, "id"), "new");
    tw_router_match_clear(&m);

    assert_string_equal(tw_test_find(state, "GET", "/a/new/x", &m),
                        "/a/new/x");
    tw_router_match_clear(&m);
}


static void
test_params_extracted(void **state)
{
    tw_router_match_t m;

    assert_string_equal(
        tw_test_find(state, "GET", "/api/v1/branches/GZ01/users/li.wei", &m),
        "/api/v1/branches/{code}/users/{login}");
    assert_int_equal(m.param_count, 2);
    assert_string_equal(tw_router_param(&m, "code"), "GZ01");
    assert_string_equal(tw_router_param(&m, "login"), "li.wei");
    assert_null(tw_router_param(&m, "id"));
    tw_router_match_clear(&m);
}


static void
test_not_found_and_method_not_allowed(void **state)
{
    tw_router_match_t m;

    assert_int_equal(tw_router_match(*state, "GET", "/api/v1/nothing", &m),
                     TW_ROUTER_NO_PATH);
    assert_null(m.allow);
    tw_router_match_clear(&m);

    assert_int_equal(tw_router_match(*state, "DELETE", "/api/v1/notes", &m),
                     TW_ROUTER_NO_METHOD);
    assert_string_equal(m.allow, "GET, POST");
    assert_null(m.route);
    tw_router_match_clear(&m);

    /* Methods are case-sensitive. */
    assert_int_equal(tw_router_match(*state, "get", "/api/v1/notes", &m),
                     TW_ROUTER_NO_METHOD);
    tw_router_match_clear(&m);
}


static void
test_allow_joins_literal_and_param(void **state)
{
    tw_router_match_t m;

    assert_int_equal(tw_router_match(*state, "DELETE", "/b/new", &m),
                     TW_ROUTER_NO_METHOD);
    assert_string_equal(m.allow, "PUT, GET");
    tw_router_match_clear(&m);

    /* GET falls through the literal node to the {id} route. */
    assert_string_equal(tw_test_find(state, "GET", "/b/new", &m), "/b/{id}");
    tw_router_match_clear(&m);
}


static void
test_trailing_slash_is_significant(void **state)
{
    tw_router_match_t m;

    assert_int_equal(tw_router_match(*state, "GET", "/api/v1/notes/", &m),
                     TW_ROUTER_NO_PATH);
    tw_router_match_clear(&m);

    assert_string_equal(tw_test_find(state, "GET", "/slash/", &m), "/slash/");
    tw_router_match_clear(&m);
    assert_int_equal(tw_router_match(*state, "GET", "/slash", &m),
                     TW_ROUTER_NO_PATH);
    tw_router_match_clear(&m);

    assert_string_equal(tw_test_find(state, "GET", "/", &m), "/");
    tw_router_match_clear(&m);

    /* An empty segment is no {param} value. */
    assert_int_equal(tw_router_match(*state, "GET", "/api//v1/notes", &m),
                     TW_ROUTER_NO_PATH);
    tw_router_match_clear(&m);
}


static void
test_percent_decoding(void **state)
{
    tw_router_match_t m;

    assert_string_equal(
        tw_test_find(state, "GET", "/api/v1/notes/a%2Fb%20c%e5%8c%97", &m),
        "/api/v1/notes/{id}");
    assert_string_equal(tw_router_param(&m, "id"), "a/b c\xe5\x8c\x97");
    tw_router_match_clear(&m);

    /* Literal segments compare decoded, too. */
    assert_string_equal(tw_test_find(state, "GET", "/api/v1/%6Eotes", &m),
                        "/api/v1/notes");
    tw_router_match_clear(&m);
}


static void
test_bad_escapes_match_nothing(void **state)
{
    static const char *const paths[] = {
        "/api/v1/notes/%zz", "/api/v1/notes/%4", "/api/v1/notes/a%00b",
        "api/v1/notes", "",
    };
    tw_router_match_t m;
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        assert_int_equal(tw_router_match(*state, "GET", paths[i], &m),
                         TW_ROUTER_NO_PATH);
        tw_router_match_clear(&m);
    }
}


static void
test_too_many_segments(void **state)
{
    char path[2 * (TW_ROUTER_MAX_SEGMENTS + 1) + 1];
    tw_router_match_t m;
    size_t i;

    for (i = 0; i < TW_ROUTER_MAX_SEGMENTS + 1; i++)
        memcpy(path + 2 * i, "/a", 2);
    path[sizeof(path) - 1] = '\0';

    assert_int_equal(tw_router_match(*state, "GET", path, &m),
                     TW_ROUTER_NO_PATH);
    tw_router_match_clear(&m);
}


static void
test_conflicts_and_bad_patterns(void **state)
{
    static const tw_route_t same_shape = TW_TEST_ROUTE("GET", "/b/{code}");
    static const tw_route_t other_method = TW_TEST_ROUTE("DELETE",
                                                         "/b/{code}");
    static const tw_route_t relative = TW_TEST_ROUTE("GET", "b/c");

    assert_int_equal(tw_router_add(*state, &same_shape), TW_ERR_CONFLICT);
    assert_int_equal(tw_router_add(*state, &relative), TW_ERR_INVALID);
    assert_int_equal(tw_router_add(*state, &other_method), TW_OK);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_wins_over_param),
        cmocka_unit_test(test_param_after_failed_literal),
        cmocka_unit_test(test_params_extracted),
        cmocka_unit_test(test_not_found_and_method_not_allowed),
        cmocka_unit_test(test_allow_joins_literal_and_param),
        cmocka_unit_test(test_trailing_slash_is_significant),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_bad_escapes_match_nothing),
        cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test_setup_teardown(test_conflicts_and_bad_patterns,
                                        tw_test_setup, tw_test_teardown),
    };

    return cmocka_run_group_tests(tests, tw_test_setup, tw_test_teardown);
}
