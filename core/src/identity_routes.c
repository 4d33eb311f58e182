/*
 * identity_routes.c - registration of the core's identity part, and its
 * HTTP routes: sessions, me, branches and users (audit: audit.c).
 *
 * Handlers run inside the dispatcher's transaction; the session routes
 * run as the table owner (TW_ROUTE_OWNER) because the request role may
 * not touch core.sessions, every other route under the caller's branch
 * isolation.  The session lifetime is read from the configuration once,
 * at registration, before any request thread starts.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "branch.h"
#include "identity.h"
#include "identity_internal.h"
#include "password.h"
#include "registry.h"
#include "request.h"
#include "session.h"
#include "tradewind/log.h"
#include "user.h"

#define TW_PAGE_DEFAULT 50
#define TW_PAGE_MAX 200
#define TW_SESSION_TTL_DEFAULT 28800

/* [auth] session_ttl_s, read once by tw_identity_register(). */
static unsigned tw_identity_session_ttl_s = TW_SESSION_TTL_DEFAULT;

/* {======================================================================
 * List replies, shared with audit.c
 * ======================================================================*/


/* Parses query argument `name` as an integer in [min, max]; `fallback`
 * when absent.  Replies 400 and returns false when malformed. */
static bool
tw_identity_query_int(tw_req_t *req, const char *name, long long min,
                      long long max, long long fallback, long long *value)
{
    const char *text = tw_req_query(req, name);
    char *end = NULL;

    *value = fallback;
    if (text == NULL) {
        return true;
    }
    errno = 0;
    *value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || *value < min ||
        *value > max) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "parameter", name),
                       "%s must be an integer from %lld to %lld", name, min,
                       max);
        return false;
    }
    return true;
}


/* Reads ?limit= and ?after= (0 when absent); replies 400 and returns
 * false on a malformed value. */
static bool
tw_identity_page_args(tw_req_t *req, long *limit, int64_t *after)
{
    long long l = 0;
    long long a = 0;

    if (!tw_identity_query_int(req, "limit", 1, TW_PAGE_MAX, TW_PAGE_DEFAULT,
                               &l) ||
        !tw_identity_query_int(req, "after", 1, LLONG_MAX, 0, &a)) {
        return false;
    }
    *limit = (long) l;
    *after = (int64_t) a;
    return true;
}


/* Replies one page of `items` (stolen), fetched with limit + 1 rows. */
static void
tw_identity_reply_page(tw_req_t *req, json_t *items, long limit)
{
    json_t *next = json_null();

    if (json_array_size(items) > (size_t) limit) {
        json_t *last = json_array_get(items, (size_t) limit - 1);
        json_int_t id = json_integer_value(json_object_get(last, "id"));

        json_array_remove(items, (size_t) limit);
        next = json_sprintf("%" JSON_INTEGER_FORMAT, id);
    }
    tw_reply_json(req, 200, json_pack("{s:o,s:o}", "items", items, "next",
                                      next));
}


void
tw_identity_reply_list(tw_req_t *req, tw_identity_page_fn fetch)
{
    long limit = 0;
    int64_t after = 0;

    if (!tw_identity_page_args(req, &limit, &after)) {
        return;
    }

    json_t *items = fetch(req, after, limit + 1);

    if (items == NULL) {
        tw_reply_db_error(req);
        return;
    }
    tw_identity_reply_page(req, items, limit);
}

/* }====================================================================== */


/* The string field `name` of the JSON body; replies 400 and returns NULL
 * when it is absent or not a string. */
static const char *
tw_identity_field(tw_req_t *req, const char *name)
{
    json_t *value = json_object_get(tw_req_json(req), name);

    if (!json_is_string(value)) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", name),
                       "field '%s' must be a string", name);
        return NULL;
    }
    return json_string_value(value);
}


/* Replies for a refusal of tw_branch_create() or tw_user_create(): their
 * own reason when err holds one, the database error otherwise. */
static void
tw_identity_reply_refusal(tw_req_t *req, tw_rc_t rc, const char *err)
{
    if (err[0] == '\0') {
        tw_reply_rc(req, rc);
    } else if (rc == TW_ERR_NOT_FOUND) {
        tw_reply_error(req, 404, "branch_not_found", NULL, "%s", err);
    } else if (rc == TW_ERR_FORBIDDEN) {
        tw_reply_error(req, 403, "forbidden_branch", NULL, "%s", err);
    } else {
        tw_reply_error(req, 400, "invalid_input", NULL, "%s", err);
    }
}


/* Reads back row `id` of a table; NULL when absent or on a failure. */
typedef json_t *(*tw_identity_get_fn)(tw_db_t *db, int64_t id);


/* Finishes a POST that created `entity` `key`, row `id`, with `rc`:
 * writes its audit row and replies 201 with the row read back by `get`,
 * or the refusal (err: the create's own reason, if any). */
static void
tw_identity_reply_created(tw_req_t *req, tw_rc_t rc, const char *err,
                          const char *entity, const char *key,
                          tw_identity_get_fn get, int64_t id)
{
    if (rc == TW_OK) {
        rc = tw_audit(req, "create", entity, key);
    }
    if (rc != TW_OK) {
        tw_identity_reply_refusal(req, rc, err);
        return;
    }

    json_t *created = get(tw_req_db(req), id);

    if (created == NULL) {
        tw_reply_db_error(req);
        return;
    }
    tw_reply_json(req, 201, created);
}


/* Opens a session for the user whose password was just checked, writes
 * the login audit row in the user's name and replies with the token. */
static void
tw_identity_open_session(tw_req_t *req, const tw_user_t *actor)
{
    tw_db_t *db = tw_req_db(req);
    char token[TW_TOKEN_SIZE];
    char expires_at[64];
    char id_text[24];
    tw_rc_t rc = tw_session_open(db, actor->id, tw_identity_session_ttl_s,
                                 token, expires_at, sizeof expires_at);

    snprintf(id_text, sizeof id_text, "%" PRId64, actor->id);
    if (rc == TW_OK) {
        rc = tw_audit_write(db, actor, tw_req_id(req), "login", "session",
                            id_text);
    }
    if (rc != TW_OK) {
        tw_reply_rc(req, rc);
        return;
    }

    /* The request has no user yet, so tw_audit() could not name this
     * one: the row is written above and the dispatcher told of it. */
    req->audited = true;
    tw_reply_json(req, 201, json_pack("{s:s,s:s}", "token", token,
                                      "expires_at", expires_at));
    sodium_memzero(token, sizeof token);
}


/* POST /api/v1/sessions {"login","password"}.  An unknown login and a
 * wrong password get the same answer after the same work. */
static void
tw_identity_login(tw_req_t *req, void *ctx)
{
    const char *login = tw_identity_field(req, "login");
    const char *password = login != NULL ? tw_identity_field(req, "password")
                                         : NULL;
    tw_user_t actor = {.login = login};

    (void) ctx;
    if (password == NULL) {
        return;
    }

    tw_rc_t rc = tw_session_check_password(tw_req_db(req), login, password,
                                           &actor.id, &actor.branch_id);

    if (rc == TW_ERR_NOT_FOUND) {
        tw_reply_error(req, 401, "invalid_credentials", NULL,
                       "the login or the password is wrong");
    } else if (rc != TW_OK) {
        tw_reply_rc(req, rc);
    } else {
        tw_identity_open_session(req, &actor);
    }
}


/* DELETE /api/v1/sessions/current: revokes the caller's own token. */
static void
tw_identity_logout(tw_req_t *req, void *ctx)
{
    const char *token = tw_session_bearer(tw_req_header(req,
                                                        "Authorization"));
    const tw_user_t *user = tw_req_user(req);
    char id_text[24];

    (void) ctx;
    if (token == NULL) {
        tw_reply_error(req, 401, "unauthenticated", NULL,
                       "a bearer token is required");
        return;
    }

    tw_rc_t rc = tw_session_revoke(tw_req_db(req), token);

    snprintf(id_text, sizeof id_text, "%" PRId64, user->id);
    if (rc == TW_OK) {
        rc = tw_audit(req, "logout", "session", id_text);
    }
    if (rc == TW_ERR_NOT_FOUND) {
        tw_reply_error(req, 401, "unauthenticated",
                       NULL, "the session has ended");
    } else if (rc != TW_OK) {
        tw_reply_rc(req, rc);
    } else {
        tw_reply_json(req, 204, NULL);
    }
}


/* GET /api/v1/me. */
static void
tw_identity_me(tw_req_t *req, void *ctx)
{
    const tw_user_t *user = tw_req_user(req);
    json_t *branch = tw_branch_get(tw_req_db(req), user->branch_id);
    json_t *roles = json_array();

    (void) ctx;
    if (branch == NULL) {
        json_decref(roles);
        tw_reply_db_error(req);
        return;
    }
    json_object_del(branch, "parent");
    for (size_t i = 0; i < user->role_count; i++) {
        json_array_append_new(roles, json_string(user->roles[i]));
    }
    tw_reply_json(req, 200, json_pack("{s:I,s:s,s:o,s:o}",
                                      "id", (json_int_t) user->id,
                                      "login", user->login,
                                      "branch", branch, "roles", roles));
}


/* POST /api/v1/branches {"code","name","parent"}: below the caller's
 * own branch or one of its descendants only. */
static void
tw_identity_branch_add(tw_req_t *req, void *ctx)
{
    const char *code = tw_identity_field(req, "code");
    const char *name = code != NULL ? tw_identity_field(req, "name") : NULL;
    const char *parent = name != NULL ? tw_identity_field(req, "parent")
                                      : NULL;
    char err[256];
    int64_t id = 0;

    (void) ctx;
    if (parent == NULL) {
        return;
    }

    tw_rc_t rc = tw_branch_create(tw_req_db(req), code, name, parent,
                                  tw_req_user(req)->branch_id, &id, err,
                                  sizeof err);

    tw_identity_reply_created(req, rc, err, "branch", code, tw_branch_get,
                              id);
}


/* The branches of the caller's subtree, by id. */
static json_t *
tw_identity_branch_page(tw_req_t *req, int64_t after, long limit)
{
    return tw_branch_list(tw_req_db(req), tw_req_user(req)->branch_id,
                          after, limit);
}


/* GET /api/v1/branches. */
static void
tw_identity_branch_list(tw_req_t *req, void *ctx)
{
    (void) ctx;
    tw_identity_reply_list(req, tw_identity_branch_page);
}


/* Reads "roles" of the body: an array of strings.  *roles receives a
 * malloc'd array of borrowed names the caller frees.  Replies and
 * returns false when the field is missing or mistyped. */
static bool
tw_identity_roles(tw_req_t *req, const char ***roles, size_t *count)
{
    json_t *list = json_object_get(tw_req_json(req), "roles");
    bool ok = json_is_array(list);
    json_t *role;
    size_t i;

    json_array_foreach(list, i, role) {
        ok = ok && json_is_string(role);
    }
    if (!ok) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", "roles"),
                       "field 'roles' must be an array of strings");
        return false;
    }

    *count = json_array_size(list);
    *roles = calloc(*count + 1, sizeof **roles);
    if (*roles == NULL) {
        tw_reply_error(req, 500, "internal", NULL, "out of memory");
        return false;
    }
    json_array_foreach(list, i, role) {
        (*roles)[i] = json_string_value(role);
    }
    return true;
}


/* Creates the user of a well-formed request body and replies. */
static void
tw_identity_user_create(tw_req_t *req, const tw_user_spec_t *spec)
{
    char hash[TW_PASSWORD_HASH_SIZE];
    char err[256] = "";
    int64_t id = 0;
    tw_rc_t rc = tw_user_check(spec, err, sizeof err);

    if (rc == TW_OK) {
        rc = tw_password_hash(spec->password, hash);
    }
    if (rc == TW_OK) {
        rc = tw_user_create(tw_req_db(req), spec, hash, &id, err,
                            sizeof err);
    }
    tw_identity_reply_created(req, rc, err, "user", spec->login,
                              tw_user_get, id);
}


/* POST /api/v1/users {"login","password","branch","roles"}: into the
 * caller's subtree only (the database refuses any other branch). */
static void
tw_identity_user_add(tw_req_t *req, void *ctx)
{
    tw_user_spec_t spec = {0};
    const char **roles = NULL;

    (void) ctx;
    spec.login = tw_identity_field(req, "login");
    if (spec.login != NULL) {
        spec.password = tw_identity_field(req, "password");
    }
    if (spec.password != NULL) {
        spec.branch = tw_identity_field(req, "branch");
    }
    if (spec.branch == NULL ||
        !tw_identity_roles(req, &roles, &spec.role_count)) {
        return;
    }
    spec.roles = roles;
    tw_identity_user_create(req, &spec);
    free(roles);
}


/* The users of the caller's subtree (row-level security), by id. */
static json_t *
tw_identity_user_page(tw_req_t *req, int64_t after, long limit)
{
    return tw_user_list(tw_req_db(req), after, limit);
}


/* GET /api/v1/users. */
static void
tw_identity_user_list(tw_req_t *req, void *ctx)
{
    (void) ctx;
    tw_identity_reply_list(req, tw_identity_user_page);
}


/* The permissions of the identity routes: held by "admin" only, which
 * holds every permission without being named. */
static const char *const tw_identity_permissions[][2] = {
    {"core.branches.read", "list the branches of one's subtree"},
    {"core.branches.write", "add branches below one's own"},
    {"core.users.read", "list the users of one's subtree"},
    {"core.users.write", "add users to one's subtree"},
    {"core.audit.read", "read the audit trail of one's subtree"},
};

static const tw_route_t tw_identity_routes[] = {
    {NULL, "POST", "/api/v1/sessions", TW_PERM_PUBLIC, tw_identity_login,
     NULL, TW_ROUTE_OWNER},
    {NULL, "DELETE", "/api/v1/sessions/current", TW_PERM_LOGIN,
     tw_identity_logout, NULL, TW_ROUTE_OWNER},
    {NULL, "GET", "/api/v1/me", TW_PERM_LOGIN, tw_identity_me, NULL, 0},
    {NULL, "POST", "/api/v1/branches", "core.branches.write",
     tw_identity_branch_add, NULL, 0},
    {NULL, "GET", "/api/v1/branches", "core.branches.read",
     tw_identity_branch_list, NULL, 0},
    {NULL, "POST", "/api/v1/users", "core.users.write", tw_identity_user_add,
     NULL, 0},
    {NULL, "GET", "/api/v1/users", "core.users.read", tw_identity_user_list,
     NULL, 0},
    {NULL, "GET", "/api/v1/audit", "core.audit.read", tw_audit_list_route,
     NULL, 0},
};


static tw_rc_t
tw_identity_register_routes(tw_host_t *core_host)
{
    static const char *const no_roles[] = {NULL};
    size_t n_perms = sizeof tw_identity_permissions /
                     sizeof tw_identity_permissions[0];
    size_t n_routes = sizeof tw_identity_routes / sizeof tw_identity_routes[0];
    tw_rc_t rc = TW_OK;

    for (size_t i = 0; rc == TW_OK && i < n_perms; i++) {
        rc = tw_permission_add(core_host, tw_identity_permissions[i][0],
                               tw_identity_permissions[i][1], no_roles);
    }
    for (size_t i = 0; rc == TW_OK && i < n_routes; i++) {
        const tw_route_t *r = &tw_identity_routes[i];

        rc = tw_route_add_flags(core_host, r->method, r->pattern,
                                r->permission, r->handler, r->ctx, r->flags);
    }
    return rc;
}


tw_rc_t
tw_identity_register(tw_host_t *core_host)
{
    if (sodium_init() < 0) {
        tw_log_error("cannot initialise libsodium", NULL);
        return TW_ERR_INTERNAL;
    }
    if (core_host->cfg != NULL) {
        tw_identity_session_ttl_s = core_host->cfg->session_ttl_s;
    }

    tw_rc_t rc = tw_core_schema_register(core_host);

    if (rc == TW_OK) {
        rc = tw_identity_register_routes(core_host);
    }
    if (rc != TW_OK) {
        tw_log_error("identity registration failed", "rc=%d", (int) rc);
    }
    return rc;
}
