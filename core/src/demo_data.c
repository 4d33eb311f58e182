/*
 * demo_data.c - `tradewind demo-data`: a demo company of 60 branches
 * below headquarters, named after real provinces and cities, with one
 * administrator per branch.
 *
 * Demo users: "admin" at headquarters and "<code in lower case>.admin"
 * (e.g. gd_sz.admin) at each branch, all with role "admin": an admin
 * holds every permission, and branch isolation still limits each to its
 * own subtree.  They share one password, hashed once (Argon2id is slow
 * by design).  Everything is inserted in one transaction; a second run
 * finds branch BJ, changes nothing and prints the logins again.
 *
 * Then the plugins' generators (tw_demo_add) run in start order, each in
 * its own transaction as the owner; each skips when its data exists.
 * `--months N` (1 to 24, default 12) says how much order history they
 * generate; tests use a small N to stay fast.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "branch.h"
#include "cli.h"
#include "identity.h"
#include "identity_internal.h"
#include "password.h"
#include "registry.h"
#include "tradewind/log.h"
#include "user.h"

#define TW_DEMO_PASSWORD "tradewind-demo"

/* Longest demo login: a 32-character code and ".admin". */
#define TW_DEMO_LOGIN_SIZE 40

#define TW_DEMO_MONTHS_MAX 24

typedef struct tw_demo_branch {
    const char *code;
    const char *name;
    const char *parent;
} tw_demo_branch_t;

/* 31 provincial branches, then 29 city branches below some of them;
 * parents always come before their children. */
static const tw_demo_branch_t tw_demo_branches[] = {
    {"BJ", "北京分公司", "HQ"},     {"TJ", "天津分公司", "HQ"},
    {"HE", "河北分公司", "HQ"},     {"SX", "山西分公司", "HQ"},
    {"NM", "内蒙古分公司", "HQ"},   {"LN", "辽宁分公司", "HQ"},
    {"JL", "吉林分公司", "HQ"},     {"HL", "黑龙江分公司", "HQ"},
    {"SH", "上海分公司", "HQ"},     {"JS", "江苏分公司", "HQ"},
    {"ZJ", "浙江分公司", "HQ"},     {"AH", "安徽分公司", "HQ"},
    {"FJ", "福建分公司", "HQ"},     {"JX", "江西分公司", "HQ"},
    {"SD", "山东分公司", "HQ"},     {"HA", "河南分公司", "HQ"},
    {"HB", "湖北分公司", "HQ"},     {"HN", "湖南分公司", "HQ"},
    {"GD", "广东分公司", "HQ"},     {"GX", "广西分公司", "HQ"},
    {"HI", "海南分公司", "HQ"},     {"CQ", "重庆分公司", "HQ"},
    {"SC", "四川分公司", "HQ"},     {"GZ", "贵州分公司", "HQ"},
    {"YN", "云南分公司", "HQ"},     {"XZ", "西藏分公司", "HQ"},
    {"SN", "陕西分公司", "HQ"},     {"GS", "甘肃分公司", "HQ"},
    {"QH", "青海分公司", "HQ"},     {"NX", "宁夏分公司", "HQ"},
    {"XJ", "新疆分公司", "HQ"},
    {"GD_GZ", "广州分公司", "GD"},  {"GD_SZ", "深圳分公司", "GD"},
    {"GD_FS", "佛山分公司", "GD"},  {"GD_DG", "东莞分公司", "GD"},
    {"GD_ZS", "中山分公司", "GD"},  {"ZJ_HZ", "杭州分公司", "ZJ"},
    {"ZJ_NB", "宁波分公司", "ZJ"},  {"ZJ_WZ", "温州分公司", "ZJ"},
    {"ZJ_JH", "金华分公司", "ZJ"},  {"JS_NJ", "南京分公司", "JS"},
    {"JS_SZ", "苏州分公司", "JS"},  {"JS_WX", "无锡分公司", "JS"},
    {"JS_XZ", "徐州分公司", "JS"},  {"SD_JN", "济南分公司", "SD"},
    {"SD_QD", "青岛分公司", "SD"},  {"SD_YT", "烟台分公司", "SD"},
    {"FJ_FZ", "福州分公司", "FJ"},  {"FJ_XM", "厦门分公司", "FJ"},
    {"FJ_QZ", "泉州分公司", "FJ"},  {"HB_WH", "武汉分公司", "HB"},
    {"HB_YC", "宜昌分公司", "HB"},  {"SC_CD", "成都分公司", "SC"},
    {"SC_MY", "绵阳分公司", "SC"},  {"HA_ZZ", "郑州分公司", "HA"},
    {"HA_LY", "洛阳分公司", "HA"},  {"LN_SY", "沈阳分公司", "LN"},
    {"LN_DL", "大连分公司", "LN"},  {"HE_SJZ", "石家庄分公司", "HE"},
    {"HN_CS", "长沙分公司", "HN"},
};

#define TW_DEMO_BRANCH_COUNT \
    (sizeof tw_demo_branches / sizeof tw_demo_branches[0])

typedef struct tw_demo {
    tw_cli_tx_t tx; /* first: the transaction sees it as a tw_cli_tx_t */
    char hash[TW_PASSWORD_HASH_SIZE];
    bool loaded;     /* this run inserted the data */
    char branches[24];
    char users[24];
} tw_demo_t;

/* One plugin generator's run. */
typedef struct tw_demo_run {
    tw_cli_tx_t tx; /* first: the transaction sees it as a tw_cli_tx_t */
    const tw_demo_gen_t *gen;
    const tw_demo_options_t *opt;
} tw_demo_run_t;


/* The demo login of branch `code`: "gd_sz.admin" for GD_SZ. */
static void
tw_demo_login(const char *code, char login[TW_DEMO_LOGIN_SIZE])
{
    size_t i = 0;

    for (; code[i] != '\0' && i < TW_DEMO_LOGIN_SIZE - 7; i++) {
        login[i] = (char) tolower((unsigned char) code[i]);
    }
    snprintf(login + i, TW_DEMO_LOGIN_SIZE - i, ".admin");
}


/* Adds a user with role admin at branch `branch_id`. */
static tw_rc_t
tw_demo_add_admin(tw_db_t *db, const char *login, int64_t branch_id,
                  const char *hash)
{
    static const char *const roles[] = {"admin"};
    int64_t id = 0;

    return tw_user_insert(db, login, hash, branch_id, roles, 1, &id);
}


/* Adds every demo branch with its administrator. */
static tw_rc_t
tw_demo_insert(tw_db_t *db, tw_demo_t *demo)
{
    int64_t hq = 0;
    tw_rc_t rc = tw_branch_lookup(db, "HQ", &hq);

    if (rc == TW_OK) {
        rc = tw_demo_add_admin(db, "admin", hq, demo->hash);
    }
    for (size_t i = 0; rc == TW_OK && i < TW_DEMO_BRANCH_COUNT; i++) {
        const tw_demo_branch_t *b = &tw_demo_branches[i];
        char login[TW_DEMO_LOGIN_SIZE];
        int64_t id = 0;

        rc = tw_branch_create(db, b->code, b->name, b->parent, 0, &id,
                              demo->tx.err, sizeof demo->tx.err);
        tw_demo_login(b->code, login);
        if (rc == TW_OK) {
            rc = tw_demo_add_admin(db, login, id, demo->hash);
        }
    }
    if (rc == TW_OK) {
        rc = tw_audit_write(db, &tw_cli_actor, NULL, "load", "demo_data",
                            NULL);
    }
    return rc;
}


/* Reads how many branches and users there are now. */
static tw_rc_t
tw_demo_count(tw_db_t *db, tw_demo_t *demo)
{
    PGresult *res = tw_db_exec(db,
        "SELECT (SELECT count(*) FROM core.branches),"
        "       (SELECT count(*) FROM core.users)", 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    snprintf(demo->branches, sizeof demo->branches, "%s",
             PQgetvalue(res, 0, 0));
    snprintf(demo->users, sizeof demo->users, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    return TW_OK;
}


static tw_rc_t
tw_demo_tx(tw_db_t *db, void *ctx)
{
    tw_demo_t *demo = ctx;
    int64_t bj = 0;
    tw_rc_t rc = tw_branch_lookup(db, "BJ", &bj);

    demo->loaded = rc == TW_ERR_NOT_FOUND;
    if (demo->loaded) {
        rc = tw_demo_insert(db, demo);
    }
    if (rc == TW_OK) {
        rc = tw_demo_count(db, demo);
    }
    if (rc != TW_OK) {
        tw_cli_tx_failed(&demo->tx, db);
    }
    return rc;
}


static void
tw_demo_print(const tw_demo_t *demo)
{
    char login[TW_DEMO_LOGIN_SIZE];

    printf("%s\ndemo data: %s branches, %s users\n",
           demo->loaded ? "demo data loaded" : "demo data already loaded",
           demo->branches, demo->users);
    printf("every demo user's password: " TW_DEMO_PASSWORD "\n"
           "logins: admin (headquarters, sees everything), and one "
           "administrator per branch who sees only that branch:");
    for (size_t i = 0; i < TW_DEMO_BRANCH_COUNT; i++) {
        tw_demo_login(tw_demo_branches[i].code, login);
        printf("%s%s", i % 6 == 0 ? "\n  " : " ", login);
    }
    printf("\nlog in: curl -s -X POST http://127.0.0.1:8080/api/v1/sessions"
           " -d '{\"login\":\"admin\",\"password\":\"" TW_DEMO_PASSWORD
           "\"}'\n");
}


static tw_rc_t
tw_demo_gen_tx(tw_db_t *db, void *ctx)
{
    tw_demo_run_t *run = ctx;

    run->tx.err[0] = '\0';

    /* a generator's bulk statements may outlast a request's timeout */
    PGresult *res = tw_db_exec(db, "SET LOCAL statement_timeout = 0", 0,
                               NULL);
    tw_rc_t rc = res != NULL ? TW_OK : tw_db_rc(db);
    PQclear(res);
    if (rc == TW_OK) {
        rc = run->gen->fn(db, run->opt, run->tx.err, sizeof run->tx.err);
    }
    if (rc != TW_OK && run->tx.err[0] == '\0') {
        tw_cli_tx_failed(&run->tx, db);
    }
    return rc;
}


static double
tw_demo_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* Runs every plugin's generator; prints one line each. */
static int
tw_demo_plugins(tw_pool_t *pool, const tw_demo_options_t *opt)
{
    for (size_t i = 0; i < tw_registry_demo_count(); i++) {
        tw_demo_run_t run = {.gen = tw_registry_demo(i), .opt = opt};
        double start = tw_demo_now();

        int rc = tw_cli_transact(pool, "demo-data", tw_demo_gen_tx, &run.tx);
        if (rc != TW_EXIT_OK) {
            return rc;
        }
        double seconds = tw_demo_now() - start;
        printf("%s demo data: %s (%.2f s)\n", run.gen->plugin, run.tx.err,
               seconds);
        tw_log_info("demo data generated", "plugin=%s seconds=%.2f",
                    run.gen->plugin, seconds);
    }
    return TW_EXIT_OK;
}


static int
tw_demo_usage(bool help)
{
    fputs("usage: tradewind demo-data [--months N]\n"
          "Loads the demo company: 60 branches below headquarters, an "
          "administrator for each, and every module's demo data with N "
          "months (1 to 24, default 12) of history; loads nothing that is "
          "there already.\n", help ? stdout : stderr);
    return help ? TW_EXIT_OK : TW_EXIT_USAGE;
}


/* Reads [--months N]; false on anything else. */
static bool
tw_demo_parse(int argc, char **argv, tw_demo_options_t *opt)
{
    opt->months = 12;
    if (argc == 1) {
        return true;
    }
    if (argc != 3 || strcmp(argv[1], "--months") != 0) {
        return false;
    }

    char *end = NULL;
    long months = strtol(argv[2], &end, 10);
    opt->months = (int) months;
    return end != argv[2] && *end == '\0' && months >= 1 &&
           months <= TW_DEMO_MONTHS_MAX;
}


int
tw_cli_demo_data(tw_pool_t *pool, int argc, char **argv)
{
    tw_demo_t demo = {0};
    tw_demo_options_t opt;

    if (tw_cli_wants_help(argc, argv) || !tw_demo_parse(argc, argv, &opt)) {
        return tw_demo_usage(tw_cli_wants_help(argc, argv));
    }
    if (sodium_init() < 0 ||
        tw_password_hash(TW_DEMO_PASSWORD, demo.hash) != TW_OK) {
        fprintf(stderr, "tradewind demo-data: cannot hash the password\n");
        return TW_EXIT_FAILURE;
    }

    int rc = tw_cli_transact(pool, "demo-data", tw_demo_tx, &demo.tx);

    if (rc == TW_EXIT_OK) {
        tw_demo_print(&demo);
        rc = tw_demo_plugins(pool, &opt);
    }
    return rc;
}
