/*
 * identity_query.c - the query shapes branch.c, user.c and audit.c have
 * in common: a JSON document built by the database, one object by id, a
 * page of objects by id, and the id a statement returns.
 *
 * Each runs one parameterised statement in the caller's transaction and
 * keeps nothing; returned JSON belongs to the caller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity_internal.h"
#include "tradewind/log.h"

/* Room for any int64_t or long in decimal. */
#define TW_ID_TEXT_SIZE 24


json_t *
tw_identity_query_json(tw_db_t *db, const char *sql, int n_params,
                       const char *const *params)
{
    PGresult *res = tw_db_exec(db, sql, n_params, params);

    if (res == NULL) {
        return NULL;
    }

    json_error_t error;
    json_t *value = json_loads(PQgetvalue(res, 0, 0), 0, &error);

    if (value == NULL) {
        tw_log_error("unparsable json from the database",
                     "error=\"%s\"", error.text);
    }
    PQclear(res);
    return value;
}


json_t *
tw_identity_query_one(tw_db_t *db, const char *sql, int64_t id)
{
    char id_text[TW_ID_TEXT_SIZE];

    snprintf(id_text, sizeof id_text, "%" PRId64, id);

    const char *params[] = {id_text};
    json_t *rows = tw_identity_query_json(db, sql, 1, params);
    json_t *one = json_incref(json_array_get(rows, 0));

    json_decref(rows);
    return one;
}


json_t *
tw_identity_query_page(tw_db_t *db, const char *sql, int n_params,
                       int64_t after, long limit, int64_t scope)
{
    char after_text[TW_ID_TEXT_SIZE];
    char limit_text[TW_ID_TEXT_SIZE];
    char scope_text[TW_ID_TEXT_SIZE];

    snprintf(after_text, sizeof after_text, "%" PRId64, after);
    snprintf(limit_text, sizeof limit_text, "%ld", limit);
    snprintf(scope_text, sizeof scope_text, "%" PRId64, scope);

    /* LIMIT NULL is LIMIT ALL. */
    const char *params[] = {after_text, limit > 0 ? limit_text : NULL,
                            scope != 0 ? scope_text : NULL};

    return tw_identity_query_json(db, sql, n_params, params);
}


tw_rc_t
tw_identity_query_id(tw_db_t *db, const char *sql, int n_params,
                     const char *const *params, int64_t *id, bool *flag)
{
    PGresult *res = tw_db_exec(db, sql, n_params, params);

    if (res == NULL) {
        return tw_db_rc(db);
    }

    tw_rc_t rc = PQntuples(res) == 1 ? TW_OK : TW_ERR_NOT_FOUND;

    if (rc == TW_OK) {
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    if (rc == TW_OK && flag != NULL) {
        *flag = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    return rc;
}
