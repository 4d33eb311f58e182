/*
 * json.c - small helpers the handlers share: result columns as JSON,
 * checks of path parameters, dates and bodies, money as yuan text, and
 * the replies for a result code.  Replies go through tw_reply_error, so
 * every refusal has the error shape of the platform.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"


json_t *
ord_json_int(const PGresult *res, int row, int col)
{
    return json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}


/* A jsonb column as JSON; SQL NULL as JSON null. */
json_t *
ord_json_parsed(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return json_null();
    }

    json_t *value = json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY,
                               NULL);
    return value != NULL ? value : json_null();
}


void
ord_int_text(int64_t value, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRId64, value);
}


/* "123456.78" for 12345678 fen, for messages only. */
void
ord_fen_yuan(int64_t fen, char *buf, size_t size)
{
    uint64_t magnitude = fen < 0 ? -(uint64_t) fen : (uint64_t) fen;

    snprintf(buf, size, "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "",
             magnitude / 100, magnitude % 100);
}


/* YYYY-MM-DD naming a real day of the Gregorian calendar. */
bool
ord_date_valid(const char *text)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                               31};
    int year;
    int month;
    int day;

    if (text == NULL || strlen(text) != 10 || text[4] != '-' ||
        text[7] != '-' || strspn(text, "0123456789-") != 10 ||
        sscanf(text, "%4d-%2d-%2d", &year, &month, &day) != 3) {
        return false;
    }
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1]) {
        return false;
    }

    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return year >= 1 && (month != 2 || day <= 28 || leap);
}


/* Text that can name an order: 1 to 18 digits (no bigint overflow). */
bool
ord_id_valid(const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;

    return len > 0 && len <= 18 && strspn(text, "0123456789") == len;
}


/* True when the body is an object of only `allowed` members; replies
 * 400 otherwise.  A request without a body counts as {}. */
bool
ord_body_only(tw_req_t *req, const char *const *allowed)
{
    json_t *body = tw_req_json(req);
    const char *key;
    json_t *value;

    if (body == NULL) {
        return true;
    }
    if (!json_is_object(body)) {
        tw_reply_error(req, 400, "invalid_input", NULL,
                       "the body must be a JSON object");
        return false;
    }
    json_object_foreach(body, key, value) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0) {
            i++;
        }
        if (allowed[i] == NULL) {
            tw_reply_error(req, 400, "unknown_field",
                           json_pack("{s:s}", "field", key),
                           "unknown field '%s'", key);
            return false;
        }
    }
    return true;
}


/* The string member `name` of the body; "" when an optional one is
 * absent or null.  NULL, with a 400 reply, for a member of another type
 * or a required one missing or empty. */
const char *
ord_body_text(tw_req_t *req, const char *name, bool required)
{
    json_t *value = json_object_get(tw_req_json(req), name);

    if ((value == NULL || json_is_null(value)) && !required) {
        return "";
    }
    if (!json_is_string(value) ||
        (required && json_string_length(value) == 0)) {
        tw_reply_error(req, 400, "invalid_input",
                       json_pack("{s:s}", "field", name),
                       "'%s' %s a string", name,
                       required ? "is required and must be a non-empty"
                                : "must be");
        return NULL;
    }
    return json_string_value(value);
}


/* Replies for a catalog or database result code; `what` names the thing
 * looked up for a 404. */
void
ord_reply_rc(tw_req_t *req, tw_rc_t rc, const char *what)
{
    switch (rc) {
    case TW_ERR_NOT_FOUND:
        tw_reply_error(req, 404, "not_found", NULL, "no %s", what);
        break;
    case TW_ERR_STATE:
        tw_reply_error(req, 409, "wrong_state", NULL,
                       "the %s changed meanwhile", what);
        break;
    case TW_ERR_INVALID:
        tw_reply_error(req, 400, "invalid_input", NULL, "invalid %s", what);
        break;
    default:
        tw_reply_db_error(req);
        break;
    }
}
