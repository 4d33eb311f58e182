/*
 * rules_bench.c - how fast the rules engine evaluates the default
 * commission rule: for a few seconds on one thread, then on one thread
 * per core, through tw_rule_eval_chain as a plugin calls it (branch
 * resolution, a pooled Lua state, the result's type check).
 *
 * usage: rules_bench [RULES_DIR [SECONDS]]
 * RULES_DIR defaults to the repository's scripts/, SECONDS (per phase)
 * to 3.  Prints one line:
 *     commission rule: 1 thread: N evals/s (X us/call); K threads: N evals/s
 *
 * Each thread owns its inputs (built before timing starts) and its
 * counter; the threads share nothing but the engine.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry.h"
#include "rules_engine.h"
#include "tradewind/log.h"
#include "tradewind/rules.h"

/* Distinct inputs each thread cycles through. */
#define TW_BENCH_INPUTS 64

/* How often a thread looks at the clock. */
#define TW_BENCH_CHECK_EVERY 64

/* A branch with no commission script of its own: the default runs after
 * the engine looked for two branch scripts, as for a typical store. */
static const char *const tw_bench_chain[] = {"BENCH_SHOP", "BENCH", NULL};

static const tw_rule_field_t tw_bench_fields[] = {
    {"amount_fen", TW_RULE_INTEGER, false, NULL, "the commission"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_hook_t tw_bench_hook = {
    "commission", "a promoter's monthly commission", "see scripts/README.md",
    tw_bench_fields,
};

typedef struct tw_bench_thread {
    pthread_t thread;
    double seconds;
    json_t *inputs[TW_BENCH_INPUTS];
    unsigned long evals;
    int failed; /* an evaluation failed: the figures mean nothing */
    char error[512];
} tw_bench_thread_t;


static double
tw_bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* A month of one promoter: the sell-out and units vary with `n`. */
static json_t *
tw_bench_input(int n)
{
    return json_pack("{s:s,s:{s:s,s:s,s:s},s:I,s:{s:i,s:i},s:i,s:i,s:i}",
                     "month", "2025-03",
                     "promoter", "code", "P-0107", "name", "王芳",
                     "store", "苏宁 天河店",
                     "sellout_fen", (json_int_t) (5000000 + n * 731113),
                     "units", "air_purifier", n % 17, "fan", n % 41,
                     "appraisal_score", 50 + n % 50,
                     "days_worked", 30, "days_in_month", 31);
}


/* Evaluates until the time is up; counts what it did. */
static void *
tw_bench_run(void *arg)
{
    tw_bench_thread_t *t = arg;
    double end = tw_bench_now() + t->seconds;
    tw_rule_result_t out;

    for (unsigned long n = 0;; n++) {
        if (n % TW_BENCH_CHECK_EVERY == 0 && tw_bench_now() >= end) {
            break;
        }
        if (tw_rule_eval_chain("commission", tw_bench_chain,
                               t->inputs[n % TW_BENCH_INPUTS], &out,
                               t->error, sizeof t->error) != TW_OK) {
            t->failed = 1;
            break;
        }
        tw_rule_result_free(&out);
        t->evals++;
    }
    return NULL;
}


/* Threads with their inputs, ready to run for `seconds`; NULL when out
 * of memory. */
static tw_bench_thread_t *
tw_bench_prepare(int count, double seconds)
{
    tw_bench_thread_t *threads = calloc((size_t) count, sizeof *threads);

    for (int i = 0; threads != NULL && i < count; i++) {
        threads[i].seconds = seconds;
        for (int n = 0; n < TW_BENCH_INPUTS; n++) {
            threads[i].inputs[n] = tw_bench_input(i * TW_BENCH_INPUTS + n);
        }
    }
    return threads;
}


/* Runs `count` threads for `seconds`; returns evaluations per second,
 * or a negative number after printing why an evaluation failed. */
static double
tw_bench_phase(int count, double seconds)
{
    tw_bench_thread_t *threads = tw_bench_prepare(count, seconds);
    unsigned long evals = 0;
    int failed = threads == NULL;

    double start = tw_bench_now();
    for (int i = 0; threads != NULL && i < count; i++) {
        pthread_create(&threads[i].thread, NULL, tw_bench_run, &threads[i]);
    }
    for (int i = 0; threads != NULL && i < count; i++) {
        pthread_join(threads[i].thread, NULL);
    }
    double elapsed = tw_bench_now() - start;

    for (int i = 0; threads != NULL && i < count; i++) {
        evals += threads[i].evals;
        if (threads[i].failed && !failed) {
            fprintf(stderr, "rules_bench: %s\n", threads[i].error);
            failed = 1;
        }
        for (int n = 0; n < TW_BENCH_INPUTS; n++) {
            json_decref(threads[i].inputs[n]);
        }
    }
    free(threads);
    return failed ? -1 : (double) evals / elapsed;
}


/* Declares the hook as the commission plugin would, so each result is
 * type-checked as in production, and starts the engine on `dir`. */
static int
tw_bench_start(const char *dir)
{
    tw_rule_engine_options_t opts = {
        .dir = dir,
        .limits = {1000000, 32u * 1024 * 1024},
        .quiet = true,
    };
    tw_host_t host;

    tw_host_open(&host, "bench", NULL, NULL);
    tw_rc_t rc = tw_rule_hook_add(&host, &tw_bench_hook);
    tw_host_close(&host);
    if (rc == TW_OK) {
        rc = tw_rule_engine_start(&opts);
    }
    if (rc != TW_OK) {
        fprintf(stderr, "rules_bench: cannot start the engine (%d)\n",
                (int) rc);
        return 1;
    }
    return 0;
}


int
main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : TW_BENCH_RULES_DIR;
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores > 1 ? (int) cores : 1;

    if (argc > 3 || seconds <= 0) {
        fprintf(stderr, "usage: rules_bench [RULES_DIR [SECONDS]]\n");
        return 2;
    }
    tw_log_set_level(TW_LOG_WARN);
    if (tw_bench_start(dir) != 0) {
        return 1;
    }

    double one = tw_bench_phase(1, seconds);
    double many = one > 0 ? tw_bench_phase(threads, seconds) : -1;

    tw_rule_engine_stop();
    tw_registry_clear();
    if (many < 0) {
        return 1;
    }
    printf("commission rule: 1 thread: %.0f evals/s (%.1f us/call); "
           "%d threads: %.0f evals/s\n", one, 1e6 / one, threads, many);
    return 0;
}
