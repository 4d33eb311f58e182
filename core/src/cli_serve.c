/*
 * cli_serve.c - `tradewind serve` and `tradewind migrate`.
 *
 * serve refuses to start while migrations are pending unless
 * [database] auto_migrate is on, then serves until SIGINT or SIGTERM.
 * The signals are blocked before any thread starts, so only the main
 * thread receives them, through sigwait.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "migrate.h"
#include "server.h"
#include "tradewind/log.h"


bool
tw_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return true;
        }
    }
    return false;
}


/* Applies pending migrations; returns an exit code. */
static int
tw_cli_apply_migrations(tw_pool_t *pool)
{
    char err[1024];
    size_t applied = 0;

    if (tw_migrate_run(pool, &applied, err, sizeof err) != TW_OK) {
        tw_log_error("migration failed", "error=\"%s\"", err);
        return TW_EXIT_FAILURE;
    }
    tw_log_info("migrations applied", "count=%zu", applied);
    return TW_EXIT_OK;
}


int
tw_cli_migrate(tw_pool_t *pool, int argc, char **argv)
{
    if (tw_cli_wants_help(argc, argv)) {
        printf("usage: tradewind migrate [--config FILE]\n"
               "Applies the pending migrations of the core and of every "
               "enabled plugin, each in its own transaction.\n");
        return TW_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "tradewind migrate: unexpected argument '%s'\n",
                argv[1]);
        return TW_EXIT_USAGE;
    }
    return tw_cli_apply_migrations(pool);
}


/* Makes sure the schema is current before serving; an exit code. */
static int
tw_cli_check_migrations(const tw_config_t *cfg, tw_pool_t *pool)
{
    size_t pending = 0;

    if (tw_migrate_pending(pool, &pending) != TW_OK) {
        tw_log_error("cannot read the migration state", "url_set=%s",
                     cfg->db_url != NULL && cfg->db_url[0] ? "yes" : "no");
        return TW_EXIT_FAILURE;
    }
    if (pending == 0) {
        return TW_EXIT_OK;
    }
    if (!cfg->auto_migrate) {
        tw_log_error("pending migrations; run 'tradewind migrate' or set "
                     "[database] auto_migrate = on", "pending=%zu", pending);
        return TW_EXIT_FAILURE;
    }
    return tw_cli_apply_migrations(pool);
}


int
tw_cli_serve(const tw_config_t *cfg, tw_pool_t *pool, int argc, char **argv)
{
    sigset_t stop_signals;
    int signo = 0;

    if (tw_cli_wants_help(argc, argv)) {
        printf("usage: tradewind serve [--config FILE]\n"
               "Serves the HTTP API until SIGINT or SIGTERM.\n");
        return TW_EXIT_OK;
    }

    int rc = tw_cli_check_migrations(cfg, pool);
    if (rc != TW_EXIT_OK) {
        return rc;
    }

    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    tw_server_t *server = tw_server_start(cfg, pool);
    if (server == NULL) {
        return TW_EXIT_FAILURE;
    }
    tw_log_info("server listening", "listen=%s port=%u", cfg->listen,
                cfg->port);

    sigwait(&stop_signals, &signo);
    tw_log_info("server stopping", "signal=%s", strsignal(signo));
    tw_server_stop(server);
    return TW_EXIT_OK;
}
