/*
 * test_registry.c - registration through a host: only while it is open,
 * copies of every string, duplicates and malformed input refused, the
 * migration version order, permissions and roles, services, and
 * tw_host_config (plugin section value, else the declared default).
 *
 * Every test starts from an empty registry: the tear-down of each test
 * calls tw_registry_clear(), so LeakSanitizer checks that it frees all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "registry.h"
#include "tradewind/auth.h"

static const char *const tw_regtest_clerk_roles[] = {"clerk", NULL};


static void
tw_regtest_handler(tw_req_t *req, void *ctx)
{
    (void) req;
    (void) ctx;
}


static void
tw_regtest_other_handler(tw_req_t *req, void *ctx)
{
    (void) req;
    (void) ctx;
}


static int
tw_regtest_command(tw_pool_t *pool, int argc, char **argv)
{
    (void) pool;
    (void) argv;
    return argc;
}


static int
tw_regtest_clear(void **state)
{
    (void) state;

    tw_registry_clear();
    return 0;
}


static tw_rc_t
tw_regtest_route(tw_host_t *host, const char *method, const char *pattern)
{
    return tw_route_add(host, method, pattern, TW_PERM_LOGIN,
                        tw_regtest_handler, NULL);
}


/* Every kind of registration, as one plugin's init would do it. */
static tw_rc_t
tw_regtest_register_all(tw_host_t *host)
{
    static int api;
    tw_rc_t rc[] = {
        tw_regtest_route(host, "GET", "/api/v1/things"),
        tw_migration_add(host, 1, "things", "CREATE TABLE things (id int)"),
        tw_command_add(host, "thing-count", "count things",
                       tw_regtest_command),
        tw_permission_add(host, "things.read", "read things",
                          tw_regtest_clerk_roles),
        tw_service_register(host, "things.api", &api),
    };

    for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++) {
        if (rc[i] != TW_OK) {
            return rc[i];
        }
    }
    return TW_OK;
}


static void
tw_regtest_only_while_open(void **state)
{
    tw_host_t host;
    static int api;
    (void) state;

    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_regtest_register_all(&host), TW_OK);
    tw_host_close(&host);

    assert_int_equal(tw_regtest_route(&host, "GET", "/api/v1/late"),
                     TW_ERR_STATE);
    assert_int_equal(tw_migration_add(&host, 2, "late", "SELECT 1"),
                     TW_ERR_STATE);
    assert_int_equal(tw_command_add(&host, "late", "", tw_regtest_command),
                     TW_ERR_STATE);
    assert_int_equal(tw_permission_add(&host, "late", "", NULL),
                     TW_ERR_STATE);
    assert_int_equal(tw_service_register(&host, "late", &api), TW_ERR_STATE);

    assert_int_equal(tw_regtest_route(NULL, "GET", "/api/v1/late"),
                     TW_ERR_STATE);
    assert_int_equal(tw_migration_add(NULL, 1, "x", "SELECT 1"),
                     TW_ERR_STATE);
    assert_int_equal(tw_command_add(NULL, "late", "", tw_regtest_command),
                     TW_ERR_STATE);
    assert_int_equal(tw_permission_add(NULL, "late", "", NULL),
                     TW_ERR_STATE);
    assert_int_equal(tw_service_register(NULL, "late", &api), TW_ERR_STATE);

    /* nothing refused was stored */
    assert_int_equal(tw_registry_route_count(), 1);
    assert_int_equal(tw_registry_migration_count(), 1);
    assert_int_equal(tw_registry_command_count(), 1);
    assert_null(tw_service_find("late"));
    assert_false(tw_registry_role_known("late"));
}


/* The registry keeps copies: a plugin may pass buffers it reuses. */
static void
tw_regtest_copies_strings(void **state)
{
    tw_host_t host;
    char plugin[16] = "things";
    char pattern[32] = "/api/v1/things/{id}";
    char perm[32] = "things.read";
    (void) state;

    tw_host_open(&host, plugin, NULL, NULL);
    assert_int_equal(tw_route_add_flags(&host, "GET", pattern, perm,
                                        tw_regtest_handler, pattern,
                                        TW_ROUTE_NO_DB),
                     TW_OK);
    tw_host_close(&host);
    memset(plugin, 'x', sizeof plugin - 1);
    memset(pattern, 'x', sizeof pattern - 1);
    memset(perm, 'x', sizeof perm - 1);

    const tw_route_t *r = tw_registry_route(0);
    assert_non_null(r);
    assert_string_equal(r->plugin, "things");
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->pattern, "/api/v1/things/{id}");
    assert_string_equal(r->permission, "things.read");
    assert_ptr_equal(r->handler, tw_regtest_handler);
    assert_ptr_equal(r->ctx, pattern);
    assert_int_equal(r->flags, TW_ROUTE_NO_DB);
    assert_null(tw_registry_route(1));
}


static void
tw_regtest_routes(void **state)
{
    static const char *const bad_patterns[] = {
        "", "api/v1", "/api//v1", "/api/", "/a/{", "/a/{}", "/a/{Id}",
        "/a/{id", "/a/x{id}", "/a/b c", "/a?x=1", NULL
    };
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_regtest_route(&host, "GET", "/api/v1/things/{id}"),
                     TW_OK);
    assert_int_equal(tw_route_add(&host, "GET", "/api/v1/things/{code}",
                                  NULL, tw_regtest_other_handler, NULL),
                     TW_ERR_CONFLICT);
    assert_int_equal(tw_regtest_route(&host, "GET", "/api/v1/things/{id}"),
                     TW_ERR_CONFLICT);
    assert_int_equal(tw_regtest_route(&host, "DELETE",
                                      "/api/v1/things/{id}"), TW_OK);
    assert_int_equal(tw_regtest_route(&host, "GET", "/api/v1/things/new"),
                     TW_OK);
    assert_int_equal(tw_regtest_route(&host, "GET", "/api/v1/things"),
                     TW_OK);
    assert_int_equal(tw_regtest_route(&host, "GET", "/"), TW_OK);
    assert_int_equal(tw_route_add(&host, "POST", "/public", TW_PERM_PUBLIC,
                                  tw_regtest_handler, NULL), TW_OK);

    for (size_t i = 0; bad_patterns[i] != NULL; i++) {
        assert_int_equal(tw_regtest_route(&host, "GET", bad_patterns[i]),
                         TW_ERR_INVALID);
    }
    assert_int_equal(tw_regtest_route(&host, "get", "/x"), TW_ERR_INVALID);
    assert_int_equal(tw_regtest_route(&host, NULL, "/x"), TW_ERR_INVALID);
    assert_int_equal(tw_regtest_route(&host, "GET", NULL), TW_ERR_INVALID);
    assert_int_equal(tw_route_add(&host, "GET", "/x", NULL, NULL, NULL),
                     TW_ERR_INVALID);
    tw_host_close(&host);

    assert_int_equal(tw_registry_route_count(), 6);
    assert_string_equal(tw_registry_route(1)->method, "DELETE");
    assert_int_equal(tw_registry_route(1)->flags, 0);
    assert_string_equal(tw_registry_route(4)->permission, TW_PERM_LOGIN);
    assert_null(tw_registry_route(5)->permission);
}


/* A table registers its routes in order and stops at the first
 * failure, leaving the routes before it registered. */
static void
tw_regtest_route_table(void **state)
{
    static const tw_route_spec_t good[] = {
        {"GET", "/api/v1/boxes", "boxes.read", tw_regtest_handler},
        {"POST", "/api/v1/boxes", "boxes.write", tw_regtest_handler},
        TW_ROUTE_SPEC_END,
    };
    static const tw_route_spec_t clash[] = {
        {"GET", "/api/v1/crates", NULL, tw_regtest_handler},
        {"GET", "/api/v1/boxes", NULL, tw_regtest_other_handler},
        {"PUT", "/api/v1/crates", NULL, tw_regtest_handler},
        TW_ROUTE_SPEC_END,
    };
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "boxes", NULL, NULL);
    assert_int_equal(tw_route_add_table(&host, good), TW_OK);
    assert_int_equal(tw_route_add_table(&host, clash), TW_ERR_CONFLICT);
    tw_host_close(&host);
    assert_int_equal(tw_route_add_table(&host, good), TW_ERR_STATE);

    assert_int_equal(tw_registry_route_count(), 3);
    assert_string_equal(tw_registry_route(1)->permission, "boxes.write");
    assert_string_equal(tw_registry_route(2)->pattern, "/api/v1/crates");
}


static void
tw_regtest_migration_order(void **state)
{
    tw_host_t a;
    tw_host_t b;
    (void) state;

    tw_host_open(&a, "alpha", NULL, NULL);
    assert_int_equal(tw_migration_add(&a, 2, "two", "SELECT 2"),
                     TW_ERR_INVALID);
    assert_int_equal(tw_migration_add(&a, 0, "zero", "SELECT 0"),
                     TW_ERR_INVALID);
    assert_int_equal(tw_migration_add(&a, 1, "one", "SELECT 1"), TW_OK);
    assert_int_equal(tw_migration_add(&a, 1, "again", "SELECT 1"),
                     TW_ERR_INVALID);
    assert_int_equal(tw_migration_add(&a, 3, "three", "SELECT 3"),
                     TW_ERR_INVALID);
    assert_int_equal(tw_migration_add(&a, 2, NULL, "SELECT 2"),
                     TW_ERR_INVALID);
    assert_int_equal(tw_migration_add(&a, 2, "two", NULL), TW_ERR_INVALID);
    assert_int_equal(tw_migration_add(&a, 2, "two", "SELECT 2"), TW_OK);
    tw_host_close(&a);

    tw_host_open(&b, "beta", NULL, NULL);
    assert_int_equal(tw_migration_add(&b, 1, "first", "SELECT 'b'"), TW_OK);
    tw_host_close(&b);

    assert_int_equal(tw_registry_migration_count(), 3);
    const tw_migration_t *m = tw_registry_migration(1);
    assert_string_equal(m->plugin, "alpha");
    assert_int_equal(m->version, 2);
    assert_string_equal(m->name, "two");
    assert_string_equal(m->sql, "SELECT 2");
    assert_string_equal(tw_registry_migration(2)->plugin, "beta");
    assert_null(tw_registry_migration(3));
}


static void
tw_regtest_commands(void **state)
{
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_command_add(&host, "thing-count", NULL,
                                    tw_regtest_command), TW_OK);
    assert_int_equal(tw_command_add(&host, "thing-count", "again",
                                    tw_regtest_command), TW_ERR_CONFLICT);
    assert_int_equal(tw_command_add(&host, "Thing", "", tw_regtest_command),
                     TW_ERR_INVALID);
    assert_int_equal(tw_command_add(&host, "", "", tw_regtest_command),
                     TW_ERR_INVALID);
    assert_int_equal(tw_command_add(&host, "x", "", NULL), TW_ERR_INVALID);
    tw_host_close(&host);

    const tw_command_t *cmd = tw_registry_command_find("thing-count");
    assert_non_null(cmd);
    assert_ptr_equal(cmd, tw_registry_command(0));
    assert_string_equal(cmd->plugin, "things");
    assert_string_equal(cmd->summary, "");
    assert_int_equal(cmd->fn(NULL, 3, NULL), 3);
    assert_null(tw_registry_command_find("thing"));
    assert_int_equal(tw_registry_command_count(), 1);
}


static void
tw_regtest_services(void **state)
{
    static const int api_a = 1;
    static const int api_b = 2;
    tw_host_t a;
    tw_host_t b;
    (void) state;

    tw_host_open(&a, "alpha", NULL, NULL);
    assert_int_equal(tw_service_register(&a, "alpha.api", &api_a), TW_OK);
    assert_int_equal(tw_service_register(&a, "alpha.none", NULL),
                     TW_ERR_INVALID);
    tw_host_close(&a);

    tw_host_open(&b, "beta", NULL, NULL);
    assert_int_equal(tw_service_register(&b, "alpha.api", &api_b),
                     TW_ERR_CONFLICT);
    assert_int_equal(tw_service_register(&b, "beta.api", &api_b), TW_OK);
    tw_host_close(&b);

    assert_ptr_equal(tw_service_find("alpha.api"), &api_a);
    assert_ptr_equal(tw_service_find("beta.api"), &api_b);
    assert_null(tw_service_find("gamma.api"));
    assert_null(tw_service_find(NULL));
}


static void
tw_regtest_permissions(void **state)
{
    static const char *const readers[] = {"clerk", "viewer", NULL};
    static const char *const auditors[] = {"auditor", "clerk", NULL};
    static const char *const empty_role[] = {"", NULL};
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_permission_add(&host, "things.read", "read",
                                       readers), TW_OK);
    assert_int_equal(tw_permission_add(&host, "things.write", NULL,
                                       tw_regtest_clerk_roles), TW_OK);
    /* declaring again adds roles */
    assert_int_equal(tw_permission_add(&host, "things.read", "again",
                                       auditors), TW_OK);
    assert_int_equal(tw_permission_add(&host, "things.none", "", NULL),
                     TW_OK);
    assert_int_equal(tw_permission_add(&host, "", "", readers),
                     TW_ERR_INVALID);
    assert_int_equal(tw_permission_add(&host, NULL, "", readers),
                     TW_ERR_INVALID);
    assert_int_equal(tw_permission_add(&host, "x", "", empty_role),
                     TW_ERR_INVALID);
    tw_host_close(&host);

    assert_true(tw_registry_role_holds("clerk", "things.read"));
    assert_true(tw_registry_role_holds("viewer", "things.read"));
    assert_true(tw_registry_role_holds("auditor", "things.read"));
    assert_true(tw_registry_role_holds("clerk", "things.write"));
    assert_false(tw_registry_role_holds("viewer", "things.write"));
    assert_false(tw_registry_role_holds("clerk", "things.none"));
    assert_false(tw_registry_role_holds("clerk", "undeclared"));
    assert_true(tw_registry_role_holds("admin", "things.none"));
    assert_true(tw_registry_role_holds("admin", "undeclared"));
    assert_false(tw_registry_role_holds(NULL, "things.read"));

    assert_true(tw_registry_role_known("admin"));
    assert_true(tw_registry_role_known("auditor"));
    assert_false(tw_registry_role_known("nobody"));
    assert_false(tw_registry_role_known("x"));
}


static void
tw_regtest_user_checks(void **state)
{
    static const char *const viewer_roles[] = {"viewer", "auditor"};
    static const char *const admin_roles[] = {"admin"};
    const tw_user_t viewer = {1, "v", 4, "B4", viewer_roles, 2};
    const tw_user_t admin = {2, "a", 1, "HQ", admin_roles, 1};
    const tw_user_t none = {3, "n", 1, "HQ", NULL, 0};
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_permission_add(&host, "things.write", NULL,
                                       tw_regtest_clerk_roles), TW_OK);
    assert_int_equal(tw_permission_add(&host, "things.audit", NULL,
                                       (const char *const[]) {"auditor",
                                                              NULL}),
                     TW_OK);
    tw_host_close(&host);

    assert_false(tw_user_can(NULL, TW_PERM_LOGIN));
    assert_false(tw_user_can(NULL, "things.write"));
    assert_true(tw_user_can(&none, TW_PERM_LOGIN));
    assert_false(tw_user_can(&none, "things.write"));
    assert_false(tw_user_can(&viewer, "things.write"));
    assert_true(tw_user_can(&viewer, "things.audit"));
    assert_true(tw_user_can(&admin, "things.write"));
    assert_true(tw_user_can(&admin, "anything.at.all"));

    assert_true(tw_user_has_role(&viewer, "auditor"));
    assert_false(tw_user_has_role(&viewer, "admin"));
    assert_false(tw_user_has_role(&none, "viewer"));
    assert_false(tw_user_has_role(NULL, "viewer"));
}


/* Writes `ini` into a temporary file and loads it. */
static tw_config_t *
tw_regtest_config(const char *ini)
{
    char path[] = "/tmp/tw-regtest.XXXXXX";
    char err[256];
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t) strlen(ini));
    close(fd);

    tw_config_t *cfg = tw_config_load(path, err, sizeof err);
    unlink(path);
    if (cfg == NULL) {
        fail_msg("%s", err);
    }
    return cfg;
}


static void
tw_regtest_host_config(void **state)
{
    static const tw_config_key_t keys[] = {
        {"greeting", "hello", "what it says"},
        {"farewell", "bye", "what it says last"},
        {"optional", NULL, "no default"},
        {NULL, NULL, NULL},
    };
    tw_host_t host;
    (void) state;

    tw_config_t *cfg = tw_regtest_config("[modules]\nthings = on\n"
                                         "[things]\ngreeting = hi\n");
    tw_host_open(&host, "things", cfg, keys);
    tw_host_close(&host);

    /* a closed host still answers: plugins keep it for their handlers */
    assert_string_equal(tw_host_plugin_name(&host), "things");
    assert_string_equal(tw_host_config(&host, "greeting"), "hi");
    assert_string_equal(tw_host_config(&host, "farewell"), "bye");
    assert_null(tw_host_config(&host, "optional"));
    assert_null(tw_host_config(&host, "undeclared"));
    assert_null(tw_host_config(NULL, "greeting"));
    assert_null(tw_host_plugin_name(NULL));

    tw_host_open(&host, "other", cfg, keys);
    assert_string_equal(tw_host_config(&host, "greeting"), "hello");
    tw_host_close(&host);

    tw_host_open(&host, "things", NULL, NULL);
    assert_null(tw_host_config(&host, "greeting"));
    tw_host_close(&host);
    tw_config_free(cfg);
}


static void
tw_regtest_clear_all(void **state)
{
    tw_host_t host;
    (void) state;

    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_regtest_register_all(&host), TW_OK);
    tw_host_close(&host);

    tw_registry_clear();
    assert_int_equal(tw_registry_route_count(), 0);
    assert_int_equal(tw_registry_migration_count(), 0);
    assert_int_equal(tw_registry_command_count(), 0);
    assert_null(tw_service_find("things.api"));
    assert_false(tw_registry_role_known("clerk"));

    /* everything may be registered again, migrations from version 1 */
    tw_host_open(&host, "things", NULL, NULL);
    assert_int_equal(tw_regtest_register_all(&host), TW_OK);
    tw_host_close(&host);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(tw_regtest_only_while_open,
                                  tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_copies_strings,
                                  tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_routes, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_route_table, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_migration_order,
                                  tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_commands, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_services, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_permissions, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_user_checks, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_host_config, tw_regtest_clear),
        cmocka_unit_test_teardown(tw_regtest_clear_all, tw_regtest_clear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
