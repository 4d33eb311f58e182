/*
 * migrate.h - applying the registered migrations.
 *
 * Applied migrations are recorded in core.schema_migrations.  Each runs in
 * its own transaction together with its record and the branch isolation
 * set-up of its schema, so a failure leaves nothing half-applied.
 */
#ifndef TW_MIGRATE_H
#define TW_MIGRATE_H

#include <stddef.h>

#include "tradewind/db.h"

/* Counts registered migrations not applied yet. */
tw_rc_t tw_migrate_pending(tw_pool_t *pool, size_t *pending);

/* Applies every pending migration in registration order.  On failure
 * err names the plugin, version and the database message. */
tw_rc_t tw_migrate_run(tw_pool_t *pool, size_t *applied, char *err,
                       size_t err_size);

/* Inside a transaction: enables row-level security with the branch policy
 * on every table of `schema` that has a branch_id column, and grants the
 * request role access to the schema's tables and sequences. */
tw_rc_t tw_migrate_isolate_schema(tw_db_t *db, const char *schema);

#endif
