/*
 * cli.h - the core's own subcommands (internal).
 *
 * Each takes argv starting at the command word and returns the program's
 * exit code: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
#ifndef TW_CLI_INTERNAL_H
#define TW_CLI_INTERNAL_H

#include "config.h"
#include "plugins.h"
#include "tradewind/db.h"

/* Exit codes of the program. */
#define TW_EXIT_OK 0
#define TW_EXIT_FAILURE 1
#define TW_EXIT_USAGE 2

int tw_cli_serve(const tw_config_t *cfg, tw_pool_t *pool, int argc,
                 char **argv);
int tw_cli_migrate(tw_pool_t *pool, int argc, char **argv);
int tw_cli_plugins(const tw_config_t *cfg, const tw_plugins_t *plugins,
                   int argc, char **argv);

/* `tradewind rules check|test|run`; cfg may be NULL for --help, pool
 * is NULL unless tw_cli_rules_needs_db() said it is needed. */
int tw_cli_rules(const tw_config_t *cfg, tw_pool_t *pool, int argc,
                 char **argv);
bool tw_cli_rules_needs_db(int argc, char **argv);

/* True when argv (after the command word) asks for --help or -h. */
bool tw_cli_wants_help(int argc, char **argv);

#endif
