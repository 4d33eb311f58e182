/*
 * good.c - the well-behaved test plugin: it uses every registration kind
 * and serves branch-isolated notes, so the loader tests and the identity
 * tests (branch isolation) have a real plugin to work with.
 *
 * Tables: good.notes (migration 1).  Routes: POST/GET /api/v1/notes,
 * GET /api/v1/notes/{id}, GET /api/v1/good/hello.  Command: good-count.
 * Service: good.echo.  The host pointer from init is kept for
 * tw_host_config; the loader keeps it alive until the plugins stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "good_echo.h"
#include "tradewind/tradewind.h"

static const tw_host_t *good_host;


/* Decimal text of a bigint column as a JSON integer. */
static json_t *
good_integer(const PGresult *res, int row, int col)
{
    return json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}


/* One row (id, branch_id, title) as a JSON object. */
static json_t *
good_note_json(const PGresult *res, int row)
{
    return json_pack("{s:o, s:o, s:s}", "id", good_integer(res, row, 0),
                     "branch_id", good_integer(res, row, 1), "title",
                     PQgetvalue(res, row, 2));
}


/* The string member `name` of the body, or NULL (then replies 400). */
static const char *
good_body_string(tw_req_t *req, const char *name)
{
    const char *value = json_string_value(json_object_get(tw_req_json(req),
                                                          name));

    if (value == NULL) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", name),
                       "'%s' is required and must be a string", name);
    }
    return value;
}


/* Inserts the note and audits it; replies 201 or the failure. */
static void
good_note_insert(tw_req_t *req, const char *code, long long branch_id,
                 const char *title)
{
    char branch_text[32];
    snprintf(branch_text, sizeof branch_text, "%lld", branch_id);
    const char *params[] = {branch_text, title};

    PGresult *res = tw_db_exec(tw_req_db(req),
                               "INSERT INTO good.notes (branch_id, title) "
                               "VALUES ($1, $2) RETURNING id", 2, params);
    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }

    json_t *id = good_integer(res, 0, 0);
    tw_rc_t rc = tw_audit(req, "create", "note", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (rc != TW_OK) {
        json_decref(id);
        tw_reply_db_error(req);
        return;
    }
    tw_reply_json(req, 201, json_pack("{s:o, s:s, s:s}", "id", id, "branch",
                                      code, "title", title));
}


static void
good_note_create(tw_req_t *req, void *ctx)
{
    int64_t branch_id;
    (void) ctx;

    const char *code = good_body_string(req, "branch");
    const char *title = code != NULL ? good_body_string(req, "title") : NULL;
    if (title == NULL) {
        return;
    }

    tw_rc_t rc = tw_branch_lookup(tw_req_db(req), code, &branch_id);
    if (rc == TW_ERR_NOT_FOUND) {
        tw_reply_error(req, 404, "branch_not_found",
                       json_pack("{s:s}", "branch", code),
                       "no branch '%s'", code);
        return;
    }
    if (rc != TW_OK) {
        tw_reply_db_error(req);
        return;
    }
    good_note_insert(req, code, (long long) branch_id, title);
}


static void
good_note_get(tw_req_t *req, void *ctx)
{
    const char *id = tw_req_param(req, "id");
    (void) ctx;

    /* text that is no bigint names no note: 404, not a cast error */
    size_t len = id != NULL ? strlen(id) : 0;
    if (len == 0 || len > 18 || strspn(id, "0123456789") != len) {
        tw_reply_error(req, 404, "not_found", NULL, "no such note");
        return;
    }

    PGresult *res = tw_db_exec(tw_req_db(req),
                               "SELECT id, branch_id, title FROM good.notes "
                               "WHERE id = $1", 1, &id);
    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }

    /* another branch's note is invisible here: 404, like a missing one */
    if (PQntuples(res) == 0) {
        tw_reply_error(req, 404, "not_found", NULL, "no note %s", id);
    } else {
        tw_reply_json(req, 200, good_note_json(res, 0));
    }
    PQclear(res);
}


/* Lists the visible notes; a test plugin never holds over 200 of them,
 * so one page without a cursor is enough. */
static void
good_note_list(tw_req_t *req, void *ctx)
{
    (void) ctx;

    PGresult *res = tw_db_exec(tw_req_db(req),
                               "SELECT id, branch_id, title FROM good.notes "
                               "ORDER BY id LIMIT 200", 0, NULL);
    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }

    json_t *items = json_array();
    for (int row = 0; row < PQntuples(res); row++) {
        json_array_append_new(items, good_note_json(res, row));
    }
    PQclear(res);
    tw_reply_json(req, 200, json_pack("{s:o}", "items", items));
}


static void
good_hello(tw_req_t *req, void *ctx)
{
    (void) ctx;

    tw_reply_json(req, 200, json_pack("{s:s}", "greeting",
                                      tw_host_config(good_host, "greeting")));
}


/* A public state-changing route: its default audit row has no user. */
static void
good_ping(tw_req_t *req, void *ctx)
{
    (void) ctx;

    tw_reply_json(req, 201, json_pack("{s:b}", "pong", 1));
}


static int
good_count(tw_pool_t *pool, int argc, char **argv)
{
    (void) argc;
    (void) argv;

    tw_db_t *db = tw_pool_acquire(pool);
    if (db == NULL) {
        fprintf(stderr, "good-count: the database cannot be reached\n");
        return 1;
    }

    PGresult *res = tw_db_exec(db, "SELECT count(*) FROM good.notes", 0,
                               NULL);
    int code = 1;
    if (res != NULL) {
        printf("%s\n", PQgetvalue(res, 0, 0));
        PQclear(res);
        code = 0;
    } else {
        fprintf(stderr, "good-count: %s\n", tw_db_message(db));
    }
    tw_pool_release(pool, db);
    return code;
}


static int
good_echo_twice(int n)
{
    return 2 * n;
}


static const good_echo_t good_echo = {good_echo_twice};


static tw_rc_t
good_register_permissions(tw_host_t *host)
{
    static const char *const readers[] = {"clerk", "viewer", NULL};
    static const char *const writers[] = {"clerk", NULL};

    tw_rc_t rc = tw_permission_add(host, "good.notes.read", "read notes",
                                   readers);
    if (rc == TW_OK) {
        rc = tw_permission_add(host, "good.notes.write", "write notes",
                               writers);
    }
    return rc;
}


static tw_rc_t
good_register_routes(tw_host_t *host)
{
    static const tw_route_spec_t routes[] = {
        {"POST", "/api/v1/notes", "good.notes.write", good_note_create},
        {"GET", "/api/v1/notes/{id}", "good.notes.read", good_note_get},
        {"GET", "/api/v1/notes", "good.notes.read", good_note_list},
        {"GET", "/api/v1/good/hello", TW_PERM_PUBLIC, good_hello},
        {"POST", "/api/v1/good/pings", TW_PERM_PUBLIC, good_ping},
        TW_ROUTE_SPEC_END,
    };

    return tw_route_add_table(host, routes);
}


static tw_rc_t
good_init(tw_host_t *host, char *err, size_t err_size)
{
    good_host = host;

    tw_rc_t rc = good_register_permissions(host);
    if (rc == TW_OK) {
        rc = tw_migration_add(host, 1, "notes",
                              "CREATE TABLE notes (id bigserial PRIMARY KEY, "
                              "branch_id bigint NOT NULL, "
                              "title text NOT NULL)");
    }
    if (rc == TW_OK) {
        rc = good_register_routes(host);
    }
    if (rc == TW_OK) {
        rc = tw_command_add(host, "good-count", "print the number of notes",
                            good_count);
    }
    if (rc == TW_OK) {
        rc = tw_service_register(host, GOOD_ECHO_SERVICE, &good_echo);
    }
    if (rc != TW_OK) {
        snprintf(err, err_size, "registration failed (result %d)", (int) rc);
    }
    return rc;
}


/* The host is the loader's and goes away after this; forget it. */
static void
good_shutdown(void)
{
    good_host = NULL;
}


static const tw_config_key_t good_config_keys[] = {
    {"greeting", "hello", "what GET /api/v1/good/hello answers"},
    {NULL, NULL, NULL},
};

static const tw_plugin_t good_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "good",
    .version = "1.0",
    .requires = NULL,
    .config_keys = good_config_keys,
    .init = good_init,
    .shutdown = good_shutdown,
};

TW_PLUGIN_DEFINE(good_plugin)
