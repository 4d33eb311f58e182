/*
 * rows.c - turns result rows into JSON replies: one row, or one page of
 * a list paged by cursor (?limit= default 50, at most 200; ?after= the
 * key of the last row of the previous page, answered as "next").
 *
 * Every function here that takes a PGresult frees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define CAT_AFTER_MAX 64


json_t *
cat_row_json(const PGresult *res, int row, const cat_column_t *columns,
             size_t n_columns)
{
    json_t *object = json_object();

    for (size_t i = 0; i < n_columns; i++) {
        const char *text = PQgetvalue(res, row, (int) i);
        long long n = strtoll(text, NULL, 10);
        json_t *value;

        if (PQgetisnull(res, row, (int) i)) {
            value = json_null();
        } else if (columns[i].out == CAT_OUT_TEXT) {
            value = json_string(text);
        } else if (columns[i].out == CAT_OUT_BOOL) {
            value = json_boolean(text[0] == 't');
        } else if (columns[i].out == CAT_OUT_LITRES && n % 100 != 0) {
            /* a volume, not money: the real only carries it to JSON */
            value = json_real((double) n / 100.0);
        } else if (columns[i].out == CAT_OUT_LITRES) {
            value = json_integer(n / 100);
        } else {
            value = json_integer(n);
        }
        json_object_set_new(object, columns[i].name, value);
    }
    return object;
}


void
cat_reply_rows(tw_req_t *req, unsigned status, PGresult *res,
               const cat_column_t *columns, size_t n_columns,
               const char *missing)
{
    if (PQntuples(res) == 0) {
        tw_reply_error(req, 404, "not_found", NULL, "%s", missing);
    } else {
        tw_reply_json(req, status, cat_row_json(res, 0, columns, n_columns));
    }
    PQclear(res);
}


bool
cat_query_bool(tw_req_t *req, const char *name, const char **text)
{
    const char *value = tw_req_query(req, name);

    *text = NULL;
    if (value == NULL) {
        return true;
    }
    if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
        *text = value[0] == 't' ? "t" : "f";
        return true;
    }
    tw_reply_error(req, 400, "invalid_input",
                   json_pack("{s:s}", "parameter", name),
                   "%s must be true or false", name);
    return false;
}


/* Reads ?limit= into `limit` and checks ?after=; replies 400 and returns
 * false when either is malformed. */
static bool
cat_page_args(tw_req_t *req, long *limit, const char **after)
{
    const char *text = tw_req_query(req, "limit");
    char *end = NULL;

    *limit = CAT_PAGE_DEFAULT;
    if (text != NULL) {
        errno = 0;
        *limit = strtol(text, &end, 10);
        if (errno != 0 || end == text || *end != '\0' || *limit < 1 ||
            *limit > CAT_PAGE_MAX) {
            tw_reply_error(req, 400, "invalid_input",
                           json_pack("{s:s}", "parameter", "limit"),
                           "limit must be an integer from 1 to %d",
                           CAT_PAGE_MAX);
            return false;
        }
    }

    *after = tw_req_query(req, "after");
    if (*after != NULL && strlen(*after) > CAT_AFTER_MAX) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "parameter", "after"),
                       "after must be the next value of a previous page");
        return false;
    }
    return true;
}


/* Replies {"items","next"} from rows fetched with limit + 1. */
static void
cat_reply_page(tw_req_t *req, PGresult *res, long limit,
               const cat_column_t *columns, size_t n_columns)
{
    json_t *items = json_array();
    int rows = PQntuples(res);
    json_t *next = json_null();

    if (rows > limit) {
        rows = (int) limit;
        next = json_string(PQgetvalue(res, rows - 1, 0));
    }
    for (int row = 0; row < rows; row++) {
        json_array_append_new(items,
                              cat_row_json(res, row, columns, n_columns));
    }
    PQclear(res);
    tw_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "next",
                                      next));
}


void
cat_reply_list(tw_req_t *req, const char *sql, const char *const *extra,
               int n_extra, const cat_column_t *columns, size_t n_columns)
{
    const char *params[8];
    char limit_text[24];
    long limit = 0;

    /* the filters of our lists are constants of this plugin, at most 6 */
    if (n_extra > 6) {
        tw_reply_error(req, 500, "internal", NULL, "too many list filters");
        return;
    }
    if (!cat_page_args(req, &limit, &params[0])) {
        return;
    }

    snprintf(limit_text, sizeof limit_text, "%ld", limit + 1);
    params[1] = limit_text;
    for (int i = 0; i < n_extra; i++) {
        params[2 + i] = extra[i];
    }

    PGresult *res = tw_db_exec(tw_req_db(req), sql, 2 + n_extra, params);
    if (res == NULL) {
        cat_reply_db_error(req);
        return;
    }
    cat_reply_page(req, res, limit, columns, n_columns);
}
