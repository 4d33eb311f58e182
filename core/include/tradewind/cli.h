/*
 * cli.h - subcommands of the `tradewind` program that plugins add.
 *
 * `tradewind NAME ARGS...` runs a registered command after configuration
 * is read, plugins are started and the database pool is open.  Exit codes
 * follow the program's: 0 ok, 1 runtime failure, 2 bad usage.
 */
#ifndef TRADEWIND_CLI_H
#define TRADEWIND_CLI_H

#include "tradewind/db.h"
#include "tradewind/result.h"
#include "tradewind/visibility.h"

/* argv[0] is the command name; returns the exit code. */
typedef int (*tw_command_fn)(tw_pool_t *pool, int argc, char **argv);

/* Registers `name` with a one-line summary for `tradewind --help`.
 * Fails with TW_ERR_CONFLICT when the name is taken. */
TW_API tw_rc_t tw_command_add(tw_host_t *host, const char *name,
                              const char *summary, tw_command_fn fn);

#endif
