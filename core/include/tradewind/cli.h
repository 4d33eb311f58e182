/*
 * cli.h - subcommands of the `tradewind` program that plugins add.
 *
 * `tradewind NAME ARGS...` runs a registered command after configuration
 * is read, plugins are started and the database pool is open.  Exit codes
 * follow the program's: 0 ok, 1 runtime failure, 2 bad usage.
 */
#ifndef TRADEWIND_CLI_H
#define TRADEWIND_CLI_H

#include <stddef.h>

#include "tradewind/db.h"
#include "tradewind/result.h"
#include "tradewind/visibility.h"

/* argv[0] is the command name; returns the exit code. */
typedef int (*tw_command_fn)(tw_pool_t *pool, int argc, char **argv);

/* Registers `name` with a one-line summary for `tradewind --help`.
 * Fails with TW_ERR_CONFLICT when the name is taken. */
TW_API tw_rc_t tw_command_add(tw_host_t *host, const char *name,
                              const char *summary, tw_command_fn fn);

/* How much demo data to generate: `tradewind demo-data --months N`. */
typedef struct tw_demo_options {
    int months; /* months of history, 1 to 24; 12 unless asked */
} tw_demo_options_t;

/* A demo data generator.  It runs inside one transaction as the owner
 * (no branch isolation), after the core's branches and users and the
 * generators of the plugins started before it.  It must skip when its
 * data exists, so a second run adds nothing.  On success it writes a
 * short summary (counts) to `msg`; on failure, why. */
typedef tw_rc_t (*tw_demo_fn)(tw_db_t *db, const tw_demo_options_t *opt,
                              char *msg, size_t msg_size);

/* Registers the calling plugin's generator for `tradewind demo-data`;
 * one per plugin (TW_ERR_CONFLICT for a second one). */
TW_API tw_rc_t tw_demo_add(tw_host_t *host, tw_demo_fn fn);

#endif
