/*
 * rules_cli.c - `tradewind rules check|test|run`: the analysts' and
 * CI's way to compile rule scripts, run their case files, and try one
 * evaluation against the database's branch tree.
 *
 * check and test need no database; run does.  Each starts its own
 * engine on the folder, without the watcher and without log lines (the
 * command prints what matters), and stops it before returning.
 * Exit codes: 0 ok, 1 a script or case failed (or the database did),
 * 2 bad usage.  The summary line of test, "N passed, N failed", is
 * parsed by CI: keep its wording.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "rules_engine.h"
#include "rules_hooks.h"
#include "tradewind/auth.h"

static const char tw_cli_rules_usage[] =
    "usage: tradewind rules check [DIR]\n"
    "       tradewind rules test [DIR]\n"
    "       tradewind rules run HOOK --branch CODE --input FILE.json\n"
    "DIR defaults to [rules] dir of the configuration.  Each subcommand "
    "takes --help.\n";

static const char tw_cli_rules_check_usage[] =
    "usage: tradewind rules check [DIR]\n"
    "Compiles every script under DIR (default/, branches/<CODE>/, lib/), "
    "loads each rule script to see that it defines rule(), and prints "
    "each error as path:line: message, then how many scripts it checked "
    "and how many failed.  Exit status 1 if any failed.\n";

static const char tw_cli_rules_test_usage[] =
    "usage: tradewind rules test [DIR]\n"
    "Runs the cases of every <hook>.cases.json under DIR against the "
    "<hook>.lua beside it and prints one line per case (ok or FAIL), then "
    "\"N passed, N failed\".  Results of hooks that enabled plugins "
    "declare are also checked against the declaration.  Exit status 1 on "
    "any failure.\n";

static const char tw_cli_rules_run_usage[] =
    "usage: tradewind rules run HOOK --branch CODE --input FILE.json\n"
    "Evaluates HOOK for branch CODE as the server does (the branch's own "
    "script, else its nearest ancestor's, else the default) with the JSON "
    "object in FILE as input, and prints the result, the breakdown, the "
    "script and its hash as JSON.  Needs the database.\n";

/* How far the cases of `rules test` got. */
typedef struct tw_cli_tally {
    size_t passed;
    size_t failed;
} tw_cli_tally_t;

/* What one case asks for, after its shape was checked. */
typedef struct tw_cli_case {
    const char *name;
    json_t *input;
    json_t *expect;      /* object, or NULL */
    json_t *breakdown;   /* array, or NULL */
    const char *error;   /* expected error text, or NULL */
} tw_cli_case_t;


static bool
tw_cli_rules_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}


/* The DIR argument of check and test (or [rules] dir): TW_EXIT_OK with
 * *dir set, else a usage error already printed. */
static int
tw_cli_rules_dir(const tw_config_t *cfg, int argc, char **argv,
                 const char *usage, const char **dir)
{
    struct stat st;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "tradewind rules %s: unexpected argument '%s'\n%s",
                argv[0], argv[argc - 1], usage);
        return TW_EXIT_USAGE;
    }
    *dir = argc == 2 ? argv[1] : cfg->rules_dir;
    if (stat(*dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "tradewind rules %s: '%s' is not a folder\n",
                argv[0], *dir);
        return TW_EXIT_USAGE;
    }
    return TW_EXIT_OK;
}


/* Starts the engine on `dir` with the configuration's limits. */
static bool
tw_cli_rules_start(const tw_config_t *cfg, const char *dir)
{
    tw_rule_engine_options_t opts;

    tw_rule_engine_options_from(&opts, cfg);
    opts.dir = dir;
    opts.quiet = true;
    if (tw_rule_engine_start(&opts) != TW_OK) {
        fprintf(stderr, "tradewind rules: cannot start the rules engine\n");
        return false;
    }
    return true;
}


/* What check or test does once the engine runs on DIR: an exit code. */
typedef int (*tw_cli_rules_body_t)(const char *dir);


/* Runs `body` with an engine started on the DIR argument (or [rules]
 * dir) and stops the engine afterwards: check and test differ only in
 * their body. */
static int
tw_cli_rules_on_dir(const tw_config_t *cfg, int argc, char **argv,
                    const char *usage, tw_cli_rules_body_t body)
{
    const char *dir = NULL;
    int rc = tw_cli_rules_dir(cfg, argc, argv, usage, &dir);

    if (rc != TW_EXIT_OK) {
        return rc;
    }
    if (!tw_cli_rules_start(cfg, dir)) {
        return TW_EXIT_FAILURE;
    }

    rc = body(dir);
    tw_rule_engine_stop();
    return rc;
}


/* {======================================================================
 * tradewind rules check
 * ======================================================================*/


/* Prints each script that failed to compile; returns the exit code. */
static int
tw_cli_rules_check_all(const char *dir)
{
    tw_rule_file_t *files = NULL;
    size_t errors = 0;
    size_t count = tw_rule_store_snapshot(tw_rule_engine_store(), &files);

    (void) dir;
    for (size_t i = 0; i < count; i++) {
        if (files[i].error != NULL) {
            printf("%s\n", files[i].error);
            errors++;
        }
    }
    printf("checked %zu scripts: %zu failed\n", count, errors);
    tw_rule_store_snapshot_free(files, count);
    return errors > 0 ? TW_EXIT_FAILURE : TW_EXIT_OK;
}


static int
tw_cli_rules_check(const tw_config_t *cfg, tw_pool_t *pool, int argc,
                   char **argv)
{
    (void) pool;
    return tw_cli_rules_on_dir(cfg, argc, argv, tw_cli_rules_check_usage,
                               tw_cli_rules_check_all);
}

/* }====================================================================== */


/* {======================================================================
 * tradewind rules test
 * ======================================================================*/


static void
tw_cli_rules_report(tw_cli_tally_t *tally, const char *path,
                    const char *name, const char *problem)
{
    if (problem[0] == '\0') {
        printf("ok   %s: %s\n", path, name);
        tally->passed++;
    } else {
        printf("FAIL %s: %s: %s\n", path, name, problem);
        tally->failed++;
    }
}


/* Compact JSON text of `value` (malloc'd), "nothing" for NULL. */
static char *
tw_cli_rules_dump(const json_t *value)
{
    if (value == NULL) {
        return strdup("nothing");
    }
    return json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT |
                             JSON_REAL_PRECISION(15));
}


/* Appends "<what>: expected X, got Y" to problem ("; " between). */
static void
tw_cli_rules_differs(char *problem, size_t size, const char *what,
                     const json_t *expected, const json_t *got)
{
    char *want = tw_cli_rules_dump(expected);
    char *have = tw_cli_rules_dump(got);
    size_t len = strlen(problem);

    snprintf(problem + len, size - len, "%s%s: expected %s, got %s",
             len > 0 ? "; " : "", what, want != NULL ? want : "?",
             have != NULL ? have : "?");
    free(want);
    free(have);
}


/* Every field of `expect` must equal the result's. */
static void
tw_cli_rules_compare_result(const json_t *expect, const json_t *result,
                            char *problem, size_t size)
{
    const char *key;
    json_t *want;

    json_object_foreach((json_t *) expect, key, want) {
        json_t *got = json_object_get(result, key);

        if (got == NULL || !json_equal(want, got)) {
            tw_cli_rules_differs(problem, size, key, want, got);
        }
    }
}


/* The breakdown must match exactly; names the first item that differs
 * (counting from 1, as Lua does). */
static void
tw_cli_rules_compare_breakdown(const json_t *expect, const json_t *got,
                               char *problem, size_t size)
{
    size_t n = json_array_size(expect);
    size_t m = json_array_size(got);
    char what[64];

    for (size_t i = 0; i < n || i < m; i++) {
        const json_t *a = json_array_get(expect, i);
        const json_t *b = json_array_get(got, i);

        if (a == NULL || b == NULL || !json_equal(a, b)) {
            snprintf(what, sizeof what, "breakdown[%zu]", i + 1);
            tw_cli_rules_differs(problem, size, what, a, b);
            return;
        }
    }
}


/* Judges one evaluation against its case; problem stays "" on a pass. */
static void
tw_cli_rules_judge(const tw_cli_case_t *c, tw_rc_t rc,
                   const tw_rule_result_t *out, const char *err,
                   char *problem, size_t size)
{
    if (c->error != NULL) {
        if (rc == TW_OK) {
            snprintf(problem, size, "expected an error containing '%s', "
                     "got a result", c->error);
        } else if (strstr(err, c->error) == NULL) {
            snprintf(problem, size, "expected an error containing '%s', "
                     "got: %s", c->error, err);
        }
        return;
    }
    if (rc != TW_OK) {
        snprintf(problem, size, "%s", err);
        return;
    }
    tw_cli_rules_compare_result(c->expect, out->result, problem, size);
    if (problem[0] == '\0' && c->breakdown != NULL) {
        tw_cli_rules_compare_breakdown(c->breakdown, out->breakdown,
                                       problem, size);
    }
}


/* Reads the case at `index` of a case file; false with the problem. */
static bool
tw_cli_rules_case_read(json_t *item, size_t index, tw_cli_case_t *c,
                       char *name, size_t name_size, char *problem,
                       size_t size)
{
    json_t *label = json_object_get(item, "name");

    memset(c, 0, sizeof *c);
    snprintf(name, name_size, "case %zu", index + 1);
    if (json_is_string(label)) {
        snprintf(name, name_size, "%s", json_string_value(label));
    }
    c->name = name;
    c->input = json_object_get(item, "input");
    c->expect = json_object_get(item, "expect");
    c->breakdown = json_object_get(item, "breakdown");
    c->error = json_string_value(json_object_get(item, "error"));

    if (!json_is_object(item) || !json_is_object(c->input)) {
        snprintf(problem, size, "malformed case: \"input\" must be an object");
    } else if ((c->expect == NULL) == (c->error == NULL) ||
               (c->expect != NULL && !json_is_object(c->expect))) {
        snprintf(problem, size, "malformed case: it needs either \"expect\" "
                 "(an object) or \"error\" (a string)");
    } else if (c->breakdown != NULL && !json_is_array(c->breakdown)) {
        snprintf(problem, size, "malformed case: \"breakdown\" must be an "
                 "array");
    }
    return problem[0] == '\0';
}


/* Runs one case against the script `file`. */
static void
tw_cli_rules_case(tw_cli_tally_t *tally, const tw_rule_file_t *file,
                  json_t *item, size_t index)
{
    tw_cli_case_t c;
    tw_rule_result_t out;
    char name[256];
    char problem[2048] = "";
    char err[1024] = "";

    if (tw_cli_rules_case_read(item, index, &c, name, sizeof name, problem,
                               sizeof problem)) {
        tw_rc_t rc = tw_rule_engine_run(file->path,
                                        tw_rule_hook_find(file->name),
                                        c.input, &out, err, sizeof err);

        tw_cli_rules_judge(&c, rc, &out, err, problem, sizeof problem);
        tw_rule_result_free(&out);
    }
    tw_cli_rules_report(tally, file->path, name, problem);
}


/* Runs the case file beside script `file`, if there is one. */
static void
tw_cli_rules_case_file(tw_cli_tally_t *tally, const char *dir,
                       const tw_rule_file_t *file)
{
    char path[PATH_MAX];
    char problem[512];
    json_error_t error;
    struct stat st;
    json_t *item;
    size_t i;

    snprintf(path, sizeof path, "%s/%.*s.cases.json", dir,
             (int) (strlen(file->path) - 4), file->path);
    if (stat(path, &st) != 0 && errno == ENOENT) {
        return;
    }

    json_t *cases = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!json_is_array(cases)) {
        snprintf(problem, sizeof problem, "%s", cases == NULL ? error.text
                 : "a case file must hold a JSON array of cases");
        tw_cli_rules_report(tally, file->path, "case file", problem);
        json_decref(cases);
        return;
    }
    json_array_foreach(cases, i, item) {
        tw_cli_rules_case(tally, file, item, i);
    }
    json_decref(cases);
}


/* Runs every case file of the engine's store; returns the exit code. */
static int
tw_cli_rules_test_all(const char *dir)
{
    tw_cli_tally_t tally = {0, 0};
    tw_rule_file_t *files = NULL;
    size_t count = tw_rule_store_snapshot(tw_rule_engine_store(), &files);

    for (size_t i = 0; i < count; i++) {
        if (files[i].kind != TW_RULE_KIND_LIB) {
            tw_cli_rules_case_file(&tally, dir, &files[i]);
        }
    }
    tw_rule_store_snapshot_free(files, count);

    printf("%zu passed, %zu failed\n", tally.passed, tally.failed);
    return tally.failed > 0 ? TW_EXIT_FAILURE : TW_EXIT_OK;
}


static int
tw_cli_rules_test(const tw_config_t *cfg, tw_pool_t *pool, int argc,
                  char **argv)
{
    (void) pool;
    return tw_cli_rules_on_dir(cfg, argc, argv, tw_cli_rules_test_usage,
                               tw_cli_rules_test_all);
}

/* }====================================================================== */


/* {======================================================================
 * tradewind rules run
 * ======================================================================*/


typedef struct tw_cli_run {
    const char *hook;
    const char *branch;
    const char *input_path;
    json_t *input;
    char **chain;
} tw_cli_run_t;


/* Parses HOOK --branch CODE --input FILE; an exit code, or -1 to go on. */
static int
tw_cli_rules_run_args(int argc, char **argv, tw_cli_run_t *run)
{
    static const struct option options[] = {
        {"branch", required_argument, NULL, 'b'},
        {"input", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    int option;

    optind = 0; /* GNU: start afresh, whatever parsed argv before */
    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        if (option == 'b') {
            run->branch = optarg;
        } else if (option == 'i') {
            run->input_path = optarg;
        } else {
            fprintf(stderr, "tradewind rules run: bad option or missing "
                    "value: %s\n%s", argv[optind - 1],
                    tw_cli_rules_run_usage);
            return TW_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || run->branch == NULL ||
        run->input_path == NULL) {
        fputs(tw_cli_rules_run_usage, stderr);
        return TW_EXIT_USAGE;
    }
    run->hook = argv[optind];
    return -1;
}


/* Reads the input file: a JSON object. */
static int
tw_cli_rules_run_input(tw_cli_run_t *run)
{
    json_error_t error;

    run->input = json_load_file(run->input_path, JSON_REJECT_DUPLICATES,
                                &error);
    if (run->input == NULL) {
        fprintf(stderr, "tradewind rules run: %s:%d: %s\n", run->input_path,
                error.line, error.text);
        return TW_EXIT_USAGE;
    }
    if (!json_is_object(run->input)) {
        fprintf(stderr, "tradewind rules run: %s: the input must be a JSON "
                "object\n", run->input_path);
        return TW_EXIT_USAGE;
    }
    return -1;
}


/* Reads the branch's chain of codes, nearest first. */
static int
tw_cli_rules_run_chain(tw_pool_t *pool, tw_cli_run_t *run)
{
    tw_db_t *db = tw_pool_acquire(pool);
    char err[512] = "the database is unavailable";
    int64_t id = 0;
    tw_rc_t rc = db != NULL ? tw_branch_lookup(db, run->branch, &id)
                            : TW_ERR_UNAVAILABLE;

    if (rc == TW_OK) {
        rc = tw_rule_chain_read(db, id, &run->chain, err, sizeof err);
    } else if (rc == TW_ERR_NOT_FOUND) {
        snprintf(err, sizeof err, "no branch '%s'", run->branch);
    } else if (db != NULL) {
        snprintf(err, sizeof err, "%s", tw_db_message(db));
    }
    if (db != NULL) {
        tw_pool_release(pool, db);
    }
    if (rc != TW_OK) {
        fprintf(stderr, "tradewind rules run: %s\n", err);
        return TW_EXIT_FAILURE;
    }
    return -1;
}


/* Evaluates and prints {"script","hash","result","breakdown"}. */
static int
tw_cli_rules_run_eval(tw_cli_run_t *run)
{
    tw_rule_result_t out;
    char err[1024];
    tw_rc_t rc = tw_rule_eval_chain(run->hook,
                                    (const char *const *) run->chain,
                                    run->input, &out, err, sizeof err);

    if (rc != TW_OK) {
        fprintf(stderr, "tradewind rules run: %s\n", err);
        return TW_EXIT_FAILURE;
    }

    json_t *doc = json_pack("{s:s,s:s,s:O,s:O}", "script", out.script,
                            "hash", out.hash, "result", out.result,
                            "breakdown", out.breakdown);
    char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2) |
                                          JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL) {
        printf("%s\n", text);
    }
    free(text);
    json_decref(doc);
    tw_rule_result_free(&out);
    return text != NULL ? TW_EXIT_OK : TW_EXIT_FAILURE;
}


static int
tw_cli_rules_run(const tw_config_t *cfg, tw_pool_t *pool, int argc,
                 char **argv)
{
    tw_cli_run_t run = {0};
    int rc = tw_cli_rules_run_args(argc, argv, &run);

    if (rc < 0) {
        rc = tw_cli_rules_run_input(&run);
    }
    if (rc < 0) {
        rc = tw_cli_rules_run_chain(pool, &run);
    }
    if (rc < 0) {
        rc = tw_cli_rules_start(cfg, cfg->rules_dir) ? -1 : TW_EXIT_FAILURE;
    }
    if (rc < 0) {
        rc = tw_cli_rules_run_eval(&run);
        tw_rule_engine_stop();
    }
    tw_rule_chain_free(run.chain);
    json_decref(run.input);
    return rc;
}

/* }====================================================================== */


bool
tw_cli_rules_needs_db(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "run") == 0;
}


int
tw_cli_rules(const tw_config_t *cfg, tw_pool_t *pool, int argc, char **argv)
{
    static const struct {
        const char *name;
        const char *usage;
        int (*fn)(const tw_config_t *cfg, tw_pool_t *pool, int argc,
                  char **argv);
    } subs[] = {
        {"check", tw_cli_rules_check_usage, tw_cli_rules_check},
        {"test", tw_cli_rules_test_usage, tw_cli_rules_test},
        {"run", tw_cli_rules_run_usage, tw_cli_rules_run},
    };
    const char *sub = argc > 1 ? argv[1] : "";

    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(sub, subs[i].name) != 0) {
            continue;
        }
        if (tw_cli_wants_help(argc - 1, argv + 1)) {
            fputs(subs[i].usage, stdout);
            return TW_EXIT_OK;
        }
        return subs[i].fn(cfg, pool, argc - 1, argv + 1);
    }

    if (tw_cli_rules_is_help(sub)) {
        fputs(tw_cli_rules_usage, stdout);
        return TW_EXIT_OK;
    }
    if (sub[0] != '\0') {
        fprintf(stderr, "tradewind rules: unknown subcommand '%s'\n", sub);
    }
    fputs(tw_cli_rules_usage, stderr);
    return TW_EXIT_USAGE;
}
