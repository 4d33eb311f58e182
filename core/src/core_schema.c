/*
 * core_schema.c - the migrations of the core schema, as SQL text.
 *
 * Each migration runs once, in its own transaction, with search_path set
 * to core, public.  The migrator isolates every table with a branch_id
 * column (users, audit) but grants nothing on the core schema: the grants
 * to the request role are spelled out here, table by table, so that
 * core.sessions and the password hashes stay out of its reach.
 * Migrations are append-only: never edit one that has shipped.
 */
#include "identity_internal.h"
#include "tradewind/db.h"

/* 1: the branch tree with headquarters, users, sessions and the audit
 * trail, and the function branch isolation policies call. */
static const char tw_core_schema_identity[] =
    /* tools/pg creates the request role; an external database may lack
     * it, and creating it needs CREATEROLE, so only when missing. */
    "DO $$ BEGIN"
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles"
    "                 WHERE rolname = 'tradewind_app') THEN"
    "    CREATE ROLE tradewind_app NOLOGIN;"
    "  END IF;"
    "END $$;"

    "CREATE TABLE branches ("
    "    id bigserial PRIMARY KEY,"
    "    code text NOT NULL UNIQUE"
    "        CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$'),"
    "    name text NOT NULL CHECK (name <> ''),"
    "    parent_id bigint REFERENCES branches,"
    "    path text NOT NULL UNIQUE,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    CONSTRAINT branches_only_hq_is_root"
    "        CHECK ((parent_id IS NULL) = (code = 'HQ'))"
    ");"
    "CREATE INDEX branches_parent_id ON branches (parent_id);"
    "WITH n AS (SELECT nextval('branches_id_seq') AS id)"
    " INSERT INTO branches (id, code, name, parent_id, path)"
    " SELECT id, 'HQ', '总部', NULL, '/' || id || '/' FROM n;"

    "CREATE TABLE users ("
    "    id bigserial PRIMARY KEY,"
    "    login text NOT NULL UNIQUE"
    "        CHECK (login ~ '^[A-Za-z0-9._@-]{1,64}$'),"
    "    password_hash text NOT NULL,"
    "    branch_id bigint NOT NULL REFERENCES branches,"
    "    active boolean NOT NULL DEFAULT true,"
    "    created_at timestamptz NOT NULL DEFAULT now()"
    ");"
    "CREATE INDEX users_branch_id ON users (branch_id);"
    "CREATE TABLE user_roles ("
    "    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,"
    "    role text NOT NULL CHECK (role <> ''),"
    "    PRIMARY KEY (user_id, role)"
    ");"

    "CREATE TABLE sessions ("
    "    token_hash bytea PRIMARY KEY,"
    "    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    expires_at timestamptz NOT NULL,"
    "    revoked_at timestamptz"
    ");"
    "CREATE INDEX sessions_user_id ON sessions (user_id);"

    "CREATE TABLE audit ("
    "    id bigserial PRIMARY KEY,"
    "    at timestamptz NOT NULL DEFAULT now(),"
    "    user_id bigint,"
    "    login text,"
    "    branch_id bigint NOT NULL,"
    "    action text NOT NULL,"
    "    entity text NOT NULL,"
    "    entity_id text,"
    "    request_id text"
    ");"
    "CREATE INDEX audit_branch_id ON audit (branch_id, id);"
    /* A request without a user sees no branch, yet its state change
     * must still be audited: such rows (user_id NULL) may be added. */
    "CREATE POLICY tw_audit_anonymous ON audit FOR INSERT"
    "    TO tradewind_app WITH CHECK (user_id IS NULL);"

    /* The branch ids a request may see, set per transaction by the core
     * (tw.branches, comma-separated); none when unset. */
    "CREATE FUNCTION visible_branches() RETURNS bigint[]"
    " LANGUAGE sql STABLE AS $$"
    "    SELECT CASE WHEN coalesce(current_setting('tw.branches', true), '')"
    "                     = '' THEN '{}'::bigint[]"
    "           ELSE string_to_array(current_setting('tw.branches', true),"
    "                                ',')::bigint[] END"
    "$$;"

    /* The request role reads the tree and users (never a password hash:
     * column grants) and adds branches, users and audit rows.  It gets
     * nothing on sessions.  user_roles has no branch_id, so its rows
     * (user ids and role names, no logins) are readable by every user. */
    "GRANT USAGE ON SCHEMA core TO tradewind_app;"
    "GRANT SELECT, INSERT ON branches TO tradewind_app;"
    "GRANT SELECT (id, login, branch_id, active, created_at),"
    "      INSERT ON users TO tradewind_app;"
    "GRANT SELECT, INSERT ON user_roles TO tradewind_app;"
    "GRANT SELECT, INSERT ON audit TO tradewind_app;"
    "GRANT USAGE, SELECT ON SEQUENCE branches_id_seq, users_id_seq,"
    "      audit_id_seq TO tradewind_app;"
    "GRANT EXECUTE ON FUNCTION visible_branches() TO tradewind_app;";

/* 2: the stored answers of requests sent with an Idempotency-Key (see
 * idempotency.h).  Keys belong to users, not branches: the request role
 * sees and writes only the rows of its own tw.user_id (0: anonymous),
 * since a stored answer may show another branch's data.  Expired rows
 * are deleted by the owner, so the role gets no DELETE. */
static const char tw_core_schema_idempotency[] =
    "CREATE TABLE idempotency ("
    "    user_id bigint NOT NULL,"
    "    key text NOT NULL CHECK (key ~ '^[ -~]{1,128}$'),"
    "    request_hash bytea NOT NULL,"
    "    method text NOT NULL,"
    "    route text NOT NULL,"
    "    status int NOT NULL CHECK (status BETWEEN 100 AND 399),"
    "    content_type text NOT NULL,"
    "    response text,"
    "    created_at timestamptz NOT NULL DEFAULT now(),"
    "    PRIMARY KEY (user_id, key)"
    ");"
    "CREATE INDEX idempotency_created_at ON idempotency (created_at);"
    "ALTER TABLE idempotency ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY tw_idempotency_own ON idempotency TO tradewind_app"
    "    USING (user_id = nullif(current_setting('tw.user_id', true),"
    "                            '')::bigint)"
    "    WITH CHECK (user_id = nullif(current_setting('tw.user_id', true),"
    "                                 '')::bigint);"
    "GRANT SELECT, INSERT, UPDATE ON idempotency TO tradewind_app;";


tw_rc_t
tw_core_schema_register(tw_host_t *core_host)
{
    tw_rc_t rc = tw_migration_add(core_host, 1, "identity",
                                  tw_core_schema_identity);

    if (rc == TW_OK)
        rc = tw_migration_add(core_host, 2, "idempotency",
                              tw_core_schema_idempotency);
    return rc;
}
