/*
 * identity.h - branches, users, sessions and audit (core only).
 *
 * The core schema (migrations of the "core" host): core.branches (a tree
 * under HQ), core.users, core.user_roles, core.sessions and core.audit.
 * Tokens are random and stored only as a hash; passwords as Argon2id.
 */
#ifndef TW_IDENTITY_H
#define TW_IDENTITY_H

#include "tradewind/auth.h"
#include "tradewind/db.h"
#include "tradewind/plugin.h"

/* Registers the core migrations, permissions and the identity routes:
 * sessions, me, branches, users and audit. */
tw_rc_t tw_identity_register(tw_host_t *core_host);

/* Finds the unexpired, unrevoked session for a raw bearer token.
 * TW_OK with *user set (free with tw_user_free), TW_ERR_NOT_FOUND, or a
 * database error.  Runs as the owner, before branch isolation. */
tw_rc_t tw_session_lookup(tw_db_t *db, const char *token, tw_user_t **user);

void tw_user_free(tw_user_t *user);

/* Inserts one audit row in the caller's transaction. */
tw_rc_t tw_audit_write(tw_db_t *db, const tw_user_t *user,
                       const char *request_id, const char *action,
                       const char *entity, const char *entity_id);

/* `tradewind user ...` and `tradewind branch ...`; return exit codes. */
int tw_cli_user(tw_pool_t *pool, int argc, char **argv);
int tw_cli_branch(tw_pool_t *pool, int argc, char **argv);

/* `tradewind demo-data`: headquarters, 60 branches and their users.
 * Prints the demo logins; returns an exit code. */
int tw_cli_demo_data(tw_pool_t *pool, int argc, char **argv);

#endif
