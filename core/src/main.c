/*
 * main.c - the `tradewind` program: reads the configuration, starts the
 * core and the enabled plugins, opens the database pool and runs one
 * subcommand (the core's or a plugin's).
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "identity.h"
#include "plugins.h"
#include "pool.h"
#include "registry.h"
#include "rules_engine.h"
#include "server.h"
#include "tradewind/log.h"

#define TW_DEFAULT_CONFIG "config/tradewind.ini"

/* Everything one run holds, released in reverse by tw_main_teardown. */
typedef struct tw_main {
    const char *config_path;
    tw_config_t *cfg;
    tw_plugins_t *plugins;
    tw_pool_t *pool;
} tw_main_t;


static void
tw_main_usage(FILE *out)
{
    fprintf(out,
            "usage: tradewind [--config FILE] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  serve       serve the HTTP API\n"
            "  migrate     apply pending database migrations\n"
            "  user        add and list users\n"
            "  branch      add and list branches\n"
            "  plugins     list modules and plugins\n"
            "  rules       check, test and run the Lua business rules\n"
            "  demo-data   load the demo company (idempotent)\n"
            "  version     print the version\n"
            "\n"
            "The configuration defaults to $TRADEWIND_CONFIG, else %s.\n"
            "Each command takes --help.\n",
            TW_DEFAULT_CONFIG);
}


/* Takes --config FILE (or --config=FILE) out of argv wherever it is.
 * Returns false on a --config without a value. */
static bool
tw_main_take_config(int *argc, char **argv, const char **path)
{
    int out = 0;

    for (int i = 0; i < *argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0) {
            *path = argv[i] + 9;
        } else if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= *argc) {
                return false;
            }
            *path = argv[++i];
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return true;
}


/* Loads the configuration and starts the core and the plugins. */
static int
tw_main_start(tw_main_t *m)
{
    char err[1024];
    tw_host_t core;

    m->cfg = tw_config_load(m->config_path, err, sizeof err);
    if (m->cfg == NULL) {
        tw_log_error("invalid configuration", "error=\"%s\"", err);
        return TW_EXIT_USAGE;
    }
    tw_log_set_level((tw_log_level_t) m->cfg->log_level);

    tw_host_open(&core, "core", m->cfg, NULL);
    tw_rc_t rc = tw_identity_register(&core);
    if (rc == TW_OK) {
        rc = tw_server_register_probes(&core);
    }
    if (rc == TW_OK) {
        rc = tw_rule_routes_register(&core);
    }
    tw_host_close(&core);
    if (rc != TW_OK) {
        tw_log_error("core registration failed", "rc=%d", (int) rc);
        return TW_EXIT_FAILURE;
    }

    int prc = tw_plugins_load(m->cfg, &m->plugins, err, sizeof err);
    if (prc == TW_PLUGINS_OK) {
        prc = tw_plugins_start(m->plugins, err, sizeof err);
    }
    if (prc != TW_PLUGINS_OK) {
        tw_log_error("plugin refused", "error=\"%s\"", err);
        return prc == TW_PLUGINS_BAD_CONFIG ? TW_EXIT_USAGE
                                            : TW_EXIT_FAILURE;
    }
    return TW_EXIT_OK;
}


/* Opens the pool; the database itself may still be down. */
static int
tw_main_open_pool(tw_main_t *m)
{
    const tw_config_t *cfg = m->cfg;

    if (cfg->db_url == NULL || cfg->db_url[0] == '\0') {
        tw_log_error("no database configured: set [database] url or "
                     "TRADEWIND_DATABASE_URL", "config=%s", cfg->path);
        return TW_EXIT_USAGE;
    }
    m->pool = tw_pool_open(cfg->db_url, cfg->pool_size,
                           cfg->statement_timeout_ms);
    if (m->pool == NULL) {
        tw_log_error("cannot create the database pool", NULL);
        return TW_EXIT_FAILURE;
    }
    tw_pool_set_default(m->pool);
    return TW_EXIT_OK;
}


/* Starts the rules engine on [rules] dir, watching it when `watch`. */
static int
tw_main_start_rules(const tw_main_t *m, bool watch)
{
    tw_rule_engine_options_t opts;

    tw_rule_engine_options_from(&opts, m->cfg);
    opts.watch = watch;
    if (tw_rule_engine_start(&opts) != TW_OK) {
        tw_log_error("cannot start the rules engine", "folder=%s",
                     m->cfg->rules_dir);
        return TW_EXIT_FAILURE;
    }
    return TW_EXIT_OK;
}


/* serve, with the rules engine watching for edits while it runs. */
static int
tw_main_serve(tw_main_t *m, int argc, char **argv)
{
    if (!tw_cli_wants_help(argc, argv)) {
        int rc = tw_main_start_rules(m, true);

        if (rc != TW_EXIT_OK) {
            return rc;
        }
    }
    return tw_cli_serve(m->cfg, m->pool, argc, argv);
}


/* Runs a command that needs the database; returns its exit code. */
static int
tw_main_run_db_command(tw_main_t *m, int argc, char **argv)
{
    const char *name = argv[0];

    if (strcmp(name, "serve") == 0) {
        return tw_main_serve(m, argc, argv);
    }
    if (strcmp(name, "rules") == 0) {
        return tw_cli_rules(m->cfg, m->pool, argc, argv);
    }
    if (strcmp(name, "migrate") == 0) {
        return tw_cli_migrate(m->pool, argc, argv);
    }
    if (strcmp(name, "user") == 0) {
        return tw_cli_user(m->pool, argc, argv);
    }
    if (strcmp(name, "branch") == 0) {
        return tw_cli_branch(m->pool, argc, argv);
    }
    if (strcmp(name, "demo-data") == 0) {
        return tw_cli_demo_data(m->pool, argc, argv);
    }

    /* A plugin's command may evaluate rules (a payroll run, say). */
    const tw_command_t *cmd = tw_registry_command_find(name);
    if (cmd != NULL) {
        int rc = tw_main_start_rules(m, false);
        return rc != TW_EXIT_OK ? rc : cmd->fn(m->pool, argc, argv);
    }
    fprintf(stderr, "tradewind: unknown command '%s'\n", name);
    tw_main_usage(stderr);
    return TW_EXIT_USAGE;
}


static void
tw_main_teardown(tw_main_t *m)
{
    tw_rule_engine_stop();
    tw_pool_set_default(NULL);
    if (m->pool != NULL) {
        tw_pool_close(m->pool);
    }
    if (m->plugins != NULL) {
        tw_plugins_stop(m->plugins);
    }
    tw_registry_clear();
    tw_config_free(m->cfg);
}


/* True for the core's own commands, whose --help needs no setup. */
static bool
tw_main_is_core_command(const char *name)
{
    static const char *const names[] = {
        "serve", "migrate", "user", "branch", "plugins", "rules", "demo-data",
        NULL
    };

    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}


static int
tw_main_run(tw_main_t *m, int argc, char **argv)
{
    if (tw_cli_wants_help(argc, argv) && tw_main_is_core_command(argv[0])) {
        if (strcmp(argv[0], "plugins") == 0) {
            return tw_cli_plugins(NULL, NULL, argc, argv);
        }
        if (strcmp(argv[0], "rules") == 0) {
            return tw_cli_rules(NULL, NULL, argc, argv);
        }
        return tw_main_run_db_command(m, argc, argv);
    }

    int rc = tw_main_start(m);

    if (rc != TW_EXIT_OK) {
        return rc;
    }
    if (strcmp(argv[0], "plugins") == 0) {
        return tw_cli_plugins(m->cfg, m->plugins, argc, argv);
    }
    if (strcmp(argv[0], "rules") == 0 && !tw_cli_rules_needs_db(argc, argv)) {
        return tw_cli_rules(m->cfg, NULL, argc, argv);
    }
    rc = tw_main_open_pool(m);
    if (rc != TW_EXIT_OK) {
        return rc;
    }
    return tw_main_run_db_command(m, argc, argv);
}


int
main(int argc, char **argv)
{
    tw_main_t m = {0};

    signal(SIGPIPE, SIG_IGN);
    m.config_path = getenv("TRADEWIND_CONFIG");
    if (m.config_path == NULL || m.config_path[0] == '\0') {
        m.config_path = TW_DEFAULT_CONFIG;
    }

    argc--;
    argv++;
    if (!tw_main_take_config(&argc, argv, &m.config_path)) {
        fprintf(stderr, "tradewind: --config needs a file\n");
        return TW_EXIT_USAGE;
    }
    if (argc == 0 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0) {
        tw_main_usage(argc == 0 ? stderr : stdout);
        return argc == 0 ? TW_EXIT_USAGE : TW_EXIT_OK;
    }
    if (strcmp(argv[0], "version") == 0 || strcmp(argv[0], "--version") == 0) {
        printf("tradewind %s (plugin ABI %u)\n", TW_VERSION, TW_ABI_VERSION);
        return TW_EXIT_OK;
    }

    int rc = tw_main_run(&m, argc, argv);
    tw_main_teardown(&m);
    return rc;
}
