/*
 * entity.c - the create, read, update and list handlers that products,
 * warehouses, dealers and vehicles share.  Each entity is a constant
 * cat_entity_t (fields, columns, SQL texts) passed as the route context;
 * the handlers run in the request's transaction and audit every change.
 */
#include <stdio.h>
#include <string.h>

#include "catalog.h"

#define CAT_MAX_FIELDS 12
#define CAT_MAX_FILTERS 4


void
cat_audit_reply(tw_req_t *req, unsigned status, PGresult *res,
                const char *action, const char *entity, const char *entity_id,
                const cat_column_t *columns, size_t n_columns)
{
    if (tw_audit(req, action, entity, entity_id) != TW_OK) {
        PQclear(res);
        tw_reply_db_error(req);
        return;
    }
    cat_reply_rows(req, status, res, columns, n_columns, "not found");
}


/* Replies 404 naming the entity and its key. */
static void
cat_entity_missing(tw_req_t *req, const cat_entity_t *entity,
                   const char *key)
{
    tw_reply_error(req, 404, "not_found",
                   json_pack("{s:s}", entity->param, key), "no %s '%s'",
                   entity->name, key);
}


/* Runs `sql` for the row keyed `key`; replies and returns NULL on a
 * database error or when no row comes back. */
static PGresult *
cat_entity_fetch(tw_req_t *req, const cat_entity_t *entity, const char *sql,
                 int n_params, const char *const *params, const char *key)
{
    PGresult *res = tw_db_exec(tw_req_db(req), sql, n_params, params);

    if (res == NULL) {
        cat_reply_db_error(req);
        return NULL;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        cat_entity_missing(req, entity, key);
        return NULL;
    }
    return res;
}


static void
cat_entity_create(tw_req_t *req, void *ctx)
{
    const cat_entity_t *entity = ctx;
    cat_value_t values[CAT_MAX_FIELDS];
    const char *params[CAT_MAX_FIELDS];

    if (!cat_body_parse(req, entity->fields, entity->n_fields, true,
                        values)) {
        return;
    }
    for (size_t i = 0; i < entity->n_fields; i++) {
        params[i] = cat_value_param(&values[i]);
    }

    PGresult *res = tw_db_exec(tw_req_db(req), entity->insert_sql,
                               (int) entity->n_fields, params);
    if (res == NULL) {
        cat_reply_db_error(req);
        return;
    }
    cat_audit_reply(req, 201, res, "create", entity->name, values[0].text,
                    entity->columns, entity->n_columns);
}


static void
cat_entity_get(tw_req_t *req, void *ctx)
{
    const cat_entity_t *entity = ctx;
    const char *key = tw_req_param(req, entity->param);

    PGresult *res = cat_entity_fetch(req, entity, entity->get_sql, 1, &key,
                                     key);
    if (res == NULL) {
        return;
    }
    cat_reply_rows(req, 200, res, entity->columns, entity->n_columns, "");
}


static void
cat_entity_update(tw_req_t *req, void *ctx)
{
    const cat_entity_t *entity = ctx;
    cat_value_t values[CAT_MAX_FIELDS];
    const char *params[1 + 2 * CAT_MAX_FIELDS];
    const char *key = tw_req_param(req, entity->param);
    int n = 1;

    if (!cat_body_parse(req, entity->fields, entity->n_fields, false,
                        values)) {
        return;
    }
    params[0] = key;
    for (size_t i = 0; i < entity->n_fields; i++) {
        if (!(entity->fields[i].flags & CAT_F_FIXED)) {
            params[n++] = values[i].present ? "t" : "f";
            params[n++] = cat_value_param(&values[i]);
        }
    }

    PGresult *res = cat_entity_fetch(req, entity, entity->update_sql, n,
                                     params, key);
    if (res == NULL) {
        return;
    }
    cat_audit_reply(req, 200, res, "update", entity->name, key,
                    entity->columns, entity->n_columns);
}


static void
cat_entity_list(tw_req_t *req, void *ctx)
{
    const cat_entity_t *entity = ctx;
    const char *filters[CAT_MAX_FILTERS];
    int n = 0;

    for (; n < CAT_MAX_FILTERS && entity->filters[n] != NULL; n++) {
        const char *name = entity->filters[n];

        if (strcmp(name, "active") == 0) {
            if (!cat_query_bool(req, name, &filters[n])) {
                return;
            }
        } else {
            filters[n] = tw_req_query(req, name);
        }
    }
    cat_reply_list(req, entity->list_sql, filters, n, entity->columns,
                   entity->n_columns);
}


tw_rc_t
cat_entity_routes(tw_host_t *host, const char *collection,
                  const cat_entity_t *entity)
{
    char item[96];
    tw_rc_t rc;

    snprintf(item, sizeof item, "%s/{%s}", collection, entity->param);
    rc = tw_route_add(host, "POST", collection, "catalog.write",
                      cat_entity_create, (void *) entity);
    if (rc == TW_OK) {
        rc = tw_route_add(host, "GET", collection, "catalog.read",
                          cat_entity_list, (void *) entity);
    }
    if (rc == TW_OK) {
        rc = tw_route_add(host, "GET", item, "catalog.read", cat_entity_get,
                          (void *) entity);
    }
    if (rc == TW_OK) {
        rc = tw_route_add(host, "PUT", item, "catalog.write",
                          cat_entity_update, (void *) entity);
    }
    return rc;
}
