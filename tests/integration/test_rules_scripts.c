/*
 * test_rules_scripts.c - the example rules in scripts/ as an analyst
 * checks them: `tradewind rules check` compiles every script, `tradewind
 * rules test` runs every case file beside them against the hooks that
 * the test plugin rule_hooks declares, and a copy with one wrong
 * expectation fails, naming the case.
 *
 * No server: only a configuration (with a database, like every other
 * test, though these commands do not use it).  The broken copy lives in
 * the configuration's temporary folder, which the tear-down removes.
 * The number of cases is counted from the case files themselves, so a
 * case added to scripts/ needs no change here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define TW_RULES_SCRIPTS TW_SOURCE_DIR "/scripts"

/* The case file the broken copy changes, relative to the scripts. */
#define TW_RULES_BROKEN_FILE "default/commission.cases.json"
#define TW_RULES_BROKEN_SCRIPT "default/commission.lua"

typedef struct tw_rules_test {
    tw_test_cli_t cli; /* first: the shared set-up and tear-down */
    int cases;         /* in all the case files of scripts/ */
} tw_rules_test_t;

/* nftw() passes no context: what the walks below share.  A walk stops
 * at the first problem, after printing it. */
static int tw_rules_walk_cases;
static const char *tw_rules_walk_to;
static size_t tw_rules_walk_from_len;


static bool
tw_rules_ends_with(const char *text, const char *suffix)
{
    size_t len = strlen(text);
    size_t suffix_len = strlen(suffix);

    return len >= suffix_len && strcmp(text + len - suffix_len, suffix) == 0;
}


/* Adds the number of cases of a case file to tw_rules_walk_cases. */
static int
tw_rules_count_entry(const char *path, const struct stat *st, int type,
                     struct FTW *ftw)
{
    json_error_t error;
    (void) st;
    (void) ftw;

    if (type != FTW_F || !tw_rules_ends_with(path, ".cases.json")) {
        return 0;
    }

    json_t *cases = json_load_file(path, 0, &error);
    if (!json_is_array(cases) || json_array_size(cases) == 0) {
        print_error("%s: not a list of cases (%s)\n", path, error.text);
        json_decref(cases);
        return 1;
    }
    tw_rules_walk_cases += (int) json_array_size(cases);
    json_decref(cases);
    return 0;
}


/* The number of cases in all the case files below `dir`. */
static int
tw_rules_count_cases(const char *dir)
{
    tw_rules_walk_cases = 0;
    if (nftw(dir, tw_rules_count_entry, 16, FTW_PHYS) != 0) {
        print_error("cannot count the cases below %s\n", dir);
        return -1;
    }
    return tw_rules_walk_cases;
}


static int
tw_rules_copy_file(const char *from, const char *to)
{
    char chunk[8192];
    size_t n;
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    int rc = in != NULL && out != NULL ? 0 : -1;

    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        rc = fwrite(chunk, 1, n, out) == n ? 0 : -1;
    }

    if (in != NULL) {
        rc |= ferror(in) ? -1 : 0;
        fclose(in);
    }
    if (out != NULL && fclose(out) != 0) {
        rc = -1;
    }
    return rc;
}


/* Copies one entry of the walk below tw_rules_walk_to. */
static int
tw_rules_copy_entry(const char *path, const struct stat *st, int type,
                    struct FTW *ftw)
{
    char to[1024];
    int rc = 0;
    (void) st;
    (void) ftw;

    snprintf(to, sizeof to, "%s%s", tw_rules_walk_to,
             path + tw_rules_walk_from_len);
    if (type == FTW_D) {
        rc = mkdir(to, 0700);
    } else if (type == FTW_F) {
        rc = tw_rules_copy_file(path, to);
    }

    if (rc != 0) {
        print_error("cannot copy %s to %s: %s\n", path, to, strerror(errno));
    }
    return rc;
}


/* Copies the folder `from` as the new folder `to`. */
static void
tw_rules_copy_tree(const char *from, const char *to)
{
    tw_rules_walk_to = to;
    tw_rules_walk_from_len = strlen(from);
    assert_int_equal(nftw(from, tw_rules_copy_entry, 16, FTW_PHYS), 0);
}


/* True when `output` holds `line` as a whole line. */
static bool
tw_rules_has_line(const char *output, const char *line)
{
    size_t len = strlen(line);

    for (const char *at = strstr(output, line); at != NULL;
         at = strstr(at + 1, line)) {
        bool starts = at == output || at[-1] == '\n';
        if (starts && (at[len] == '\n' || at[len] == '\0')) {
            return true;
        }
    }
    return false;
}


/* Runs `tradewind rules ARGS...`, expects exit `status`, and returns the
 * output (malloc'd). */
static char *
tw_rules_run(const tw_rules_test_t *t, int status, const char *command,
             const char *dir)
{
    char args[1100];
    char *output = NULL;
    int got = tw_test_run(t->cli.srv.config_path, NULL, &output, "rules",
                          command, dir, NULL);

    snprintf(args, sizeof args, "rules %s %s", command, dir);
    return tw_test_cli_expect(got, status, output, args);
}


/* True when `output` holds `text`, as a whole line when `whole_line`;
 * else prints both, for the failing assertion that follows. */
static bool
tw_rules_output_has(const char *output, const char *text, bool whole_line)
{
    bool found = whole_line ? tw_rules_has_line(output, text)
                            : strstr(output, text) != NULL;

    if (!found) {
        print_error("no '%s' in:\n%s", text, output);
    }
    return found;
}


/* The summary line of `tradewind rules test`. */
static void
tw_rules_summary(char *buf, size_t size, int passed, int failed)
{
    snprintf(buf, size, "%d passed, %d failed", passed, failed);
}


static int
tw_rules_setup(void **state)
{
    tw_test_options_t opts = {.modules = "rule_hooks = on\n"};
    tw_rules_test_t *t = tw_test_cli_setup(state, sizeof *t, &opts);

    t->cases = tw_rules_count_cases(TW_RULES_SCRIPTS);
    assert_true(t->cases > 0);
    return 0;
}


static void
tw_rules_scripts_compile(void **state)
{
    free(tw_rules_run(*state, 0, "check", TW_RULES_SCRIPTS));
}


static void
tw_rules_scripts_cases_pass(void **state)
{
    tw_rules_test_t *t = *state;
    char summary[64];

    /* exit 0 and every case counted: none was skipped */
    tw_rules_summary(summary, sizeof summary, t->cases, 0);
    char *output = tw_rules_run(t, 0, "test", TW_RULES_SCRIPTS);
    bool counted = tw_rules_output_has(output, summary, true);
    free(output);
    assert_true(counted);
}


/* Adds 1 fen to the first case's expected amount in the copy at `dir`;
 * returns that case's name (malloc'd), or NULL when that fails. */
static char *
tw_rules_break_first_case(const char *dir)
{
    char path[1024];
    json_error_t error;
    char *name = NULL;

    snprintf(path, sizeof path, "%s/%s", dir, TW_RULES_BROKEN_FILE);
    json_t *cases = json_load_file(path, 0, &error);
    json_t *first = json_array_get(cases, 0);
    json_t *amount = json_object_get(json_object_get(first, "expect"),
                                     "amount_fen");
    const char *text = json_string_value(json_object_get(first, "name"));

    if (text != NULL && json_is_integer(amount) &&
        json_integer_set(amount, json_integer_value(amount) + 1) == 0 &&
        json_dump_file(cases, path, JSON_INDENT(2)) == 0) {
        name = strdup(text);
    }
    json_decref(cases);
    return name;
}


static void
tw_rules_scripts_wrong_case_fails(void **state)
{
    tw_rules_test_t *t = *state;
    char dir[600];
    char line[1024];
    char summary[64];

    snprintf(dir, sizeof dir, "%s/scripts", t->cli.srv.dir);
    tw_rules_copy_tree(TW_RULES_SCRIPTS, dir);
    char *name = tw_rules_break_first_case(dir);
    assert_non_null(name);

    /* "FAIL default/commission.lua: <name>: <what differs>" */
    snprintf(line, sizeof line, "FAIL %s: %s: ", TW_RULES_BROKEN_SCRIPT,
             name);
    free(name);
    tw_rules_summary(summary, sizeof summary, t->cases - 1, 1);

    char *output = tw_rules_run(t, 1, "test", dir);
    bool named = tw_rules_output_has(output, line, false);
    bool counted = tw_rules_output_has(output, summary, true);
    free(output);
    assert_true(named);
    assert_true(counted);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tw_rules_scripts_compile),
        cmocka_unit_test(tw_rules_scripts_cases_pass),
        cmocka_unit_test(tw_rules_scripts_wrong_case_fails),
    };

    return cmocka_run_group_tests(tests, tw_rules_setup, tw_test_cli_teardown);
}
