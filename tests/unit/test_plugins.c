/*
 * test_plugins.c - the plugin loader against the test plugins built into
 * TW_TEST_PLUGIN_DIR: a good plugin starts and registers, and every bad
 * plugin or bad configuration is refused with a message naming it.
 *
 * Each test writes an INI file with plugin_dir = TW_TEST_PLUGIN_DIR and
 * its own [modules] lines into a temporary folder, loads it and the
 * plugins, and leaves nothing behind: the tear-down stops the plugins,
 * clears the registry and frees the configuration.
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

#include "../plugins/good_echo.h"
#include "config.h"
#include "plugins.h"
#include "registry.h"

/* What one test holds; freed by the tear-down. */
typedef struct tw_pltest {
    char dir[64];
    char path[128];
    tw_config_t *cfg;
    tw_plugins_t *plugins;
    char err[1024];
} tw_pltest_t;


static int
tw_pltest_setup(void **state)
{
    tw_pltest_t *t = calloc(1, sizeof *t);

    if (t == NULL) {
        return -1;
    }
    snprintf(t->dir, sizeof t->dir, "/tmp/tw-pltest.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/plugins.ini", t->dir);
    *state = t;
    return 0;
}


static int
tw_pltest_teardown(void **state)
{
    tw_pltest_t *t = *state;

    tw_plugins_stop(t->plugins);
    tw_registry_clear();
    tw_config_free(t->cfg);
    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}


/* Writes the [server] section and then `rest`, and loads the file; the
 * module lines of `rest` are on line 4 onwards. */
static void
tw_pltest_config(tw_pltest_t *t, const char *rest)
{
    FILE *f = fopen(t->path, "w");

    assert_non_null(f);
    fprintf(f, "[server]\nplugin_dir = %s\n[modules]\n%s",
            TW_TEST_PLUGIN_DIR, rest);
    assert_int_equal(fclose(f), 0);

    t->cfg = tw_config_load(t->path, t->err, sizeof t->err);
    if (t->cfg == NULL) {
        fail_msg("%s", t->err);
    }
}


/* Loads the plugins of `rest`; returns tw_plugins_load's result. */
static int
tw_pltest_load(tw_pltest_t *t, const char *rest)
{
    tw_pltest_config(t, rest);
    t->err[0] = '\0';
    return tw_plugins_load(t->cfg, &t->plugins, t->err, sizeof t->err);
}


/* Loads and starts; both must succeed. */
static void
tw_pltest_start(tw_pltest_t *t, const char *rest)
{
    if (tw_pltest_load(t, rest) != TW_PLUGINS_OK ||
        tw_plugins_start(t->plugins, t->err, sizeof t->err)
               != TW_PLUGINS_OK) {
        fail_msg("%s", t->err);
    }
}


static const tw_route_t *
tw_pltest_route(const char *method, const char *pattern)
{
    for (size_t i = 0; i < tw_registry_route_count(); i++) {
        const tw_route_t *r = tw_registry_route(i);
        if (strcmp(r->method, method) == 0 &&
            strcmp(r->pattern, pattern) == 0) {
            return r;
        }
    }
    return NULL;
}


/* Asserts err is "<config path>:<line>: <text>". */
static void
tw_pltest_assert_config_error(const tw_pltest_t *t, int line,
                              const char *text)
{
    char expected[1024];

    snprintf(expected, sizeof expected, "%s:%d: %s", t->path, line, text);
    assert_string_equal(t->err, expected);
}


static void
tw_pltest_good_starts(void **state)
{
    tw_pltest_t *t = *state;

    tw_pltest_start(t, "good = on\n");
    assert_int_equal(tw_plugins_count(t->plugins), 1);
    assert_string_equal(tw_plugins_get(t->plugins, 0)->name, "good");
    assert_string_equal(tw_plugins_get(t->plugins, 0)->version, "1.0");
    assert_null(tw_plugins_get(t->plugins, 1));

    const tw_route_t *r = tw_pltest_route("POST", "/api/v1/notes");
    assert_non_null(r);
    assert_string_equal(r->plugin, "good");
    assert_string_equal(r->permission, "good.notes.write");
    assert_non_null(tw_pltest_route("GET", "/api/v1/notes/{id}"));
    assert_non_null(tw_pltest_route("GET", "/api/v1/notes"));
    r = tw_pltest_route("GET", "/api/v1/good/hello");
    assert_non_null(r);
    assert_null(r->permission);

    assert_int_equal(tw_registry_migration_count(), 1);
    assert_string_equal(tw_registry_migration(0)->plugin, "good");
    assert_int_equal(tw_registry_migration(0)->version, 1);
    assert_string_equal(tw_registry_migration(0)->name, "notes");

    const tw_command_t *cmd = tw_registry_command_find("good-count");
    assert_non_null(cmd);
    assert_string_equal(cmd->plugin, "good");

    const good_echo_t *echo = tw_service_find(GOOD_ECHO_SERVICE);
    assert_non_null(echo);
    assert_int_equal(echo->twice(21), 42);

    assert_true(tw_registry_role_holds("viewer", "good.notes.read"));
    assert_true(tw_registry_role_holds("clerk", "good.notes.write"));
    assert_false(tw_registry_role_holds("viewer", "good.notes.write"));
}


static void
tw_pltest_good_section(void **state)
{
    tw_pltest_t *t = *state;

    tw_pltest_start(t, "good = on\n[good]\ngreeting = ni hao\n");
    assert_int_equal(tw_plugins_count(t->plugins), 1);
}


static void
tw_pltest_good_unknown_key(void **state)
{
    tw_pltest_t *t = *state;

    assert_int_equal(tw_pltest_load(t, "good = on\n\n[good]\n"
                                       "greeting = hi\ncolour = red\n"),
                     TW_PLUGINS_BAD_CONFIG);
    tw_pltest_assert_config_error(t, 8, "unknown key 'colour' in [good]");
    assert_null(t->plugins);
}


static void
tw_pltest_bad_abi(void **state)
{
    tw_pltest_t *t = *state;
    char expected[256];

    assert_int_equal(tw_pltest_load(t, "bad_abi = on\n"),
                     TW_PLUGINS_REFUSED);
    snprintf(expected, sizeof expected, "plugin 'bad_abi': ABI version %u "
             "does not match the core's %u", TW_ABI_VERSION + 1,
             TW_ABI_VERSION);
    assert_string_equal(t->err, expected);
    assert_null(t->plugins);
}


static void
tw_pltest_missing_req(void **state)
{
    tw_pltest_t *t = *state;

    assert_int_equal(tw_pltest_load(t, "good = on\nmissing_req = on\n"),
                     TW_PLUGINS_REFUSED);
    assert_string_equal(t->err, "plugin 'missing_req' requires "
                        "'no_such_plugin', which is not installed");
}


static void
tw_pltest_init_fail(void **state)
{
    tw_pltest_t *t = *state;

    assert_int_equal(tw_pltest_load(t, "good = on\ninit_fail = on\n"),
                     TW_PLUGINS_OK);
    assert_int_equal(tw_plugins_start(t->plugins, t->err, sizeof t->err),
                     TW_PLUGINS_REFUSED);
    assert_string_equal(t->err, "plugin 'init_fail' failed to start: "
                        "database of widgets is missing");
}


static void
tw_pltest_requirement_off(void **state)
{
    tw_pltest_t *t = *state;

    assert_int_equal(tw_pltest_load(t, "good = off\n# comment\n"
                                       "needs_good = on\n"),
                     TW_PLUGINS_BAD_CONFIG);
    tw_pltest_assert_config_error(t, 6, "module 'needs_good' requires "
                                  "'good', which is off");
}


static void
tw_pltest_requirement_unlisted(void **state)
{
    tw_pltest_t *t = *state;

    assert_int_equal(tw_pltest_load(t, "needs_good = on\n"),
                     TW_PLUGINS_REFUSED);
    assert_string_equal(t->err, "plugin 'needs_good' requires 'good', "
                        "which is not installed");
}


/* needs_good comes first in the file but starts after good, whose
 * service it calls during its init. */
static void
tw_pltest_requirement_first(void **state)
{
    tw_pltest_t *t = *state;

    tw_pltest_start(t, "needs_good = on\ngood = on\n");
    assert_int_equal(tw_plugins_count(t->plugins), 2);
    assert_string_equal(tw_plugins_get(t->plugins, 0)->name, "good");
    assert_string_equal(tw_plugins_get(t->plugins, 1)->name, "needs_good");

    const tw_route_t *r = tw_pltest_route("GET", "/api/v1/needs-good/ping");
    assert_non_null(r);
    assert_string_equal(r->plugin, "needs_good");
    assert_string_equal(tw_registry_route(0)->plugin, "good");
}


/* Switched-off modules are not even opened: bad_abi would be refused. */
static void
tw_pltest_module_off(void **state)
{
    tw_pltest_t *t = *state;

    tw_pltest_start(t, "good = on\nneeds_good = off\nbad_abi = off\n"
                       "init_fail = off\n");
    assert_int_equal(tw_plugins_count(t->plugins), 1);
    assert_null(tw_pltest_route("GET", "/api/v1/needs-good/ping"));
    assert_non_null(tw_pltest_route("GET", "/api/v1/good/hello"));
}


static void
tw_pltest_no_file(void **state)
{
    tw_pltest_t *t = *state;
    char text[512];

    assert_int_equal(tw_pltest_load(t, "good = on\nnot_built = on\n"),
                     TW_PLUGINS_BAD_CONFIG);
    snprintf(text, sizeof text, "module 'not_built' is on but "
             "%s/not_built.so does not exist", TW_TEST_PLUGIN_DIR);
    tw_pltest_assert_config_error(t, 5, text);
    assert_null(t->plugins);
}


static void
tw_pltest_nothing_on(void **state)
{
    tw_pltest_t *t = *state;

    tw_pltest_start(t, "good = off\n");
    assert_int_equal(tw_plugins_count(t->plugins), 0);
    assert_int_equal(tw_registry_route_count(), 0);
}


#define TW_PLTEST(fn) \
    cmocka_unit_test_setup_teardown(fn, tw_pltest_setup, tw_pltest_teardown)


int
main(void)
{
    const struct CMUnitTest tests[] = {
        TW_PLTEST(tw_pltest_good_starts),
        TW_PLTEST(tw_pltest_good_section),
        TW_PLTEST(tw_pltest_good_unknown_key),
        TW_PLTEST(tw_pltest_bad_abi),
        TW_PLTEST(tw_pltest_missing_req),
        TW_PLTEST(tw_pltest_init_fail),
        TW_PLTEST(tw_pltest_requirement_off),
        TW_PLTEST(tw_pltest_requirement_unlisted),
        TW_PLTEST(tw_pltest_requirement_first),
        TW_PLTEST(tw_pltest_module_off),
        TW_PLTEST(tw_pltest_no_file),
        TW_PLTEST(tw_pltest_nothing_on),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
