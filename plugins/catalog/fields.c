/*
 * fields.c - checks what a client sends: JSON bodies of the routes and
 * CSV cells of the imports go through the same field descriptions, so a
 * value is accepted or refused the same way whichever way it comes in.
 *
 * Every value ends up as canonical text for a SQL parameter (litres as
 * centilitres, booleans as "t"/"f").  Litres are converted from their
 * decimal text, never through floating-point arithmetic, and money is
 * an integer or refused.  Refusals name the field.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define CAT_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define CAT_DIGITS "0123456789"
#define CAT_LITRES_INT_DIGITS 7

const char *const cat_categories[] = {
    "fan", "heater", "air_purifier", "kitchen", "humidifier",
    "water_heater", "other", NULL,
};

/* A database constraint and how a refusal by it is answered. */
typedef struct cat_constraint {
    const char *name;
    unsigned status;
    const char *code;
    const char *field;
    const char *message;
} cat_constraint_t;

static const cat_constraint_t cat_constraints[] = {
    {"products_pkey", 409, "conflict", "sku",
     "a product with this sku exists"},
    {"warehouses_pkey", 409, "conflict", "code",
     "a warehouse with this code exists"},
    {"dealers_pkey", 409, "conflict", "code",
     "a dealer with this code exists"},
    {"vehicles_pkey", 409, "conflict", "plate",
     "a vehicle with this plate exists"},
    {"products_floor_price_range", 400, "invalid_input", "floor_price_fen",
     "floor_price_fen must be from 0 to list_price_fen"},
    {"dealers_warehouse_fk", 400, "invalid_input", "warehouse",
     "no such warehouse"},
    {"vehicles_warehouse_fk", 400, "invalid_input", "warehouse",
     "no such warehouse"},
    {"stock_warehouse_fk", 404, "not_found", "warehouse",
     "no such warehouse"},
    {"stock_sku_fk", 404, "not_found", "sku", "no such product"},
    {"stock_reserved_covered", 409, "conflict", "on_hand",
     "on_hand must not fall below the reserved quantity"},
};


void
cat_reply_invalid(tw_req_t *req, const char *field, const char *fmt, ...)
{
    char message[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    tw_reply_error(req, 400, "invalid_input",
                   json_pack("{s:s}", "field", field), "%s", message);
}


void
cat_reply_db_error(tw_req_t *req)
{
    const char *name = tw_db_constraint(tw_req_db(req));
    size_t n = sizeof cat_constraints / sizeof cat_constraints[0];

    for (size_t i = 0; name[0] != '\0' && i < n; i++) {
        const cat_constraint_t *c = &cat_constraints[i];

        if (strcmp(name, c->name) == 0) {
            tw_reply_error(req, c->status, c->code,
                           json_pack("{s:s}", "field", c->field), "%s",
                           c->message);
            return;
        }
    }
    tw_reply_db_error(req);
}


/* Number of UTF-8 characters in `text`; -1 when it is not valid UTF-8
 * or holds a control character. */
static long
cat_utf8_length(const char *text)
{
    const unsigned char *p = (const unsigned char *) text;
    long count = 0;

    while (*p != '\0') {
        int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1
                  : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;

        if (extra < 0 || *p < 0x20 || *p == 0x7F) {
            return -1;
        }
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                return -1;
            }
        }
        p += extra + 1;
        count++;
    }
    return count;
}


/* True when `text` is 1..32 characters, all from `allowed`. */
static bool
cat_is_code(const char *text, const char *allowed)
{
    size_t len = strlen(text);

    return len >= 1 && len <= 32 && strspn(text, allowed) == len;
}


/* Parses a decimal integer in [min, max] into value->text. */
static bool
cat_parse_int(const cat_field_t *field, const char *text, cat_value_t *value,
              char *err, size_t err_size)
{
    char *end = NULL;
    long long n;

    errno = 0;
    n = strtoll(text, &end, 10);
    if (text[0] == '\0' || text[0] == '+' || text[0] == ' ' ||
        *end != '\0' || errno != 0 || n < field->min || n > field->max) {
        snprintf(err, err_size, "%s must be an integer from %lld to %lld",
                 field->name, (long long) field->min, (long long) field->max);
        return false;
    }
    snprintf(value->text, sizeof value->text, "%lld", n);
    return true;
}


/* Parses litres with at most 2 decimals ("35", "35.5", "35.55") into
 * centilitres, digit by digit, so nothing is lost to rounding. */
static bool
cat_parse_litres(const cat_field_t *field, const char *text,
                 cat_value_t *value, char *err, size_t err_size)
{
    size_t whole = strspn(text, CAT_DIGITS);
    const char *frac = text + whole;
    size_t decimals = 0;
    long long cl;

    if (*frac == '.') {
        decimals = strspn(frac + 1, CAT_DIGITS);
    }
    bool ok = whole >= 1 && whole <= CAT_LITRES_INT_DIGITS &&
              (*frac == '\0' ||
               (decimals >= 1 && decimals <= 2 && frac[1 + decimals] == 0));
    if (ok) {
        cl = strtoll(text, NULL, 10) * 100;
        if (decimals >= 1) {
            cl += (frac[1] - '0') * 10;
        }
        if (decimals == 2) {
            cl += frac[2] - '0';
        }
        ok = cl >= field->min && cl <= field->max;
    }
    if (!ok) {
        snprintf(err, err_size, "%s must be a number of litres above 0 and "
                 "up to %lld, with at most 2 decimals", field->name,
                 (long long) field->max / 100);
        return false;
    }
    snprintf(value->text, sizeof value->text, "%lld", cl);
    return true;
}


/* Checks a text kind: a code, a name, a region, a plate, a category. */
static bool
cat_parse_word(const cat_field_t *field, const char *text, char *err,
               size_t err_size)
{
    long chars = cat_utf8_length(text);

    switch (field->kind) {
    case CAT_KIND_SKU:
        if (cat_is_code(text, CAT_UPPER CAT_DIGITS "-")) {
            return true;
        }
        snprintf(err, err_size, "%s must be 1 to 32 of A-Z, 0-9 and -",
                 field->name);
        return false;
    case CAT_KIND_CODE:
    case CAT_KIND_BRANCH:
        if (cat_is_code(text, CAT_UPPER CAT_DIGITS "_-")) {
            return true;
        }
        snprintf(err, err_size, "%s must be 1 to 32 of A-Z, 0-9, _ and -",
                 field->name);
        return false;
    case CAT_KIND_CATEGORY:
        for (size_t i = 0; cat_categories[i] != NULL; i++) {
            if (strcmp(text, cat_categories[i]) == 0) {
                return true;
            }
        }
        snprintf(err, err_size, "%s must be one of fan, heater, air_purifier,"
                 " kitchen, humidifier, water_heater, other", field->name);
        return false;
    default:
        break;
    }

    long max = field->kind == CAT_KIND_NAME ? 80
             : field->kind == CAT_KIND_REGION ? 32 : 16;
    bool blank = field->kind == CAT_KIND_PLATE && strchr(text, ' ') != NULL;
    if (chars >= 1 && chars <= max && !blank) {
        return true;
    }
    snprintf(err, err_size, "%s must be 1 to %ld characters%s", field->name,
             max, field->kind == CAT_KIND_PLATE ? " without spaces" : "");
    return false;
}


bool
cat_field_parse_text(const cat_field_t *field, const char *text,
                     cat_value_t *value, char *err, size_t err_size)
{
    value->present = true;
    value->null = false;

    switch (field->kind) {
    case CAT_KIND_INT:
        return cat_parse_int(field, text, value, err, err_size);
    case CAT_KIND_LITRES:
        return cat_parse_litres(field, text, value, err, err_size);
    case CAT_KIND_BOOL:
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) {
            snprintf(err, err_size, "%s must be true or false", field->name);
            return false;
        }
        snprintf(value->text, sizeof value->text, "%c", text[0]);
        return true;
    default:
        break;
    }

    if (strlen(text) >= sizeof value->text) {
        snprintf(err, err_size, "%s is too long", field->name);
        return false;
    }
    if (!cat_parse_word(field, text, err, err_size)) {
        return false;
    }
    snprintf(value->text, sizeof value->text, "%s", text);
    return true;
}


/* The decimal text of a JSON real with at most 2 decimals: the real
 * must be exactly what its 2-decimal form parses to. */
static bool
cat_real_text(double real, char *text, size_t size)
{
    if (!(real >= 0 && real < 1e12)) {
        return false;
    }
    snprintf(text, size, "%.2f", real);
    return strtod(text, NULL) == real;
}


/* The text form of JSON `json` for `field`, or an error. */
static bool
cat_json_text(const cat_field_t *field, const json_t *json, char *text,
              size_t size, char *err, size_t err_size)
{
    const char *want = NULL;

    if (field->kind == CAT_KIND_BOOL) {
        if (json_is_boolean(json)) {
            snprintf(text, size, "%s", json_is_true(json) ? "true" : "false");
            return true;
        }
        want = "true or false";
    } else if (field->kind == CAT_KIND_INT ||
               field->kind == CAT_KIND_LITRES) {
        if (json_is_integer(json)) {
            snprintf(text, size, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(json));
            return true;
        }
        if (field->kind == CAT_KIND_LITRES && json_is_real(json) &&
            cat_real_text(json_real_value(json), text, size)) {
            return true;
        }
        want = field->kind == CAT_KIND_LITRES
                   ? "a number with at most 2 decimals" : "an integer";
    } else {
        if (json_is_string(json) &&
            strlen(json_string_value(json)) < size) {
            snprintf(text, size, "%s", json_string_value(json));
            return true;
        }
        want = json_is_string(json) ? "shorter" : "a string";
    }
    snprintf(err, err_size, "%s must be %s", field->name, want);
    return false;
}


/* Replies 400 naming every member of the body that may not be set. */
static bool
cat_body_check_names(tw_req_t *req, const json_t *body,
                     const cat_field_t *fields, size_t n, bool create)
{
    json_t *refused = json_array();
    char list[256] = "";
    const char *key;
    json_t *member;

    json_object_foreach((json_t *) body, key, member) {
        size_t i = 0;

        while (i < n && strcmp(fields[i].name, key) != 0) {
            i++;
        }
        if (i == n || (!create && (fields[i].flags & CAT_F_FIXED))) {
            json_array_append_new(refused, json_string(key));
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s",
                     used > 0 ? ", " : "", key);
        }
    }
    if (json_array_size(refused) == 0) {
        json_decref(refused);
        return true;
    }
    tw_reply_error(req, 400, "invalid_input",
                   json_pack("{s:o}", "fields", refused),
                   "fields that cannot be set here: %s", list);
    return false;
}


/* Parses member `field` of `body` into `value`; replies 400 on error. */
static bool
cat_body_field(tw_req_t *req, const json_t *body, const cat_field_t *field,
               bool create, cat_value_t *value)
{
    const json_t *json = json_object_get(body, field->name);
    char text[CAT_VALUE_SIZE];
    char err[200];

    memset(value, 0, sizeof *value);
    if (json == NULL) {
        if (create && (field->flags & CAT_F_REQUIRED)) {
            cat_reply_invalid(req, field->name, "%s is required",
                              field->name);
            return false;
        }
        return true;
    }
    if (json_is_null(json)) {
        if (!(field->flags & CAT_F_NULLABLE)) {
            cat_reply_invalid(req, field->name, "%s must not be null",
                              field->name);
            return false;
        }
        value->present = value->null = true;
        return true;
    }
    if (!cat_json_text(field, json, text, sizeof text, err, sizeof err) ||
        !cat_field_parse_text(field, text, value, err, sizeof err)) {
        cat_reply_invalid(req, field->name, "%s", err);
        return false;
    }
    return true;
}


/* Turns a branch code into the branch id; replies on failure. */
static bool
cat_body_branch(tw_req_t *req, const cat_field_t *field, cat_value_t *value)
{
    int64_t id;
    tw_rc_t rc = tw_branch_lookup(tw_req_db(req), value->text, &id);

    if (rc == TW_ERR_NOT_FOUND) {
        cat_reply_invalid(req, field->name, "no branch '%s'", value->text);
        return false;
    }
    if (rc != TW_OK) {
        tw_reply_db_error(req);
        return false;
    }
    snprintf(value->text, sizeof value->text, "%lld", (long long) id);
    return true;
}


bool
cat_body_parse(tw_req_t *req, const cat_field_t *fields, size_t n,
               bool create, cat_value_t *values)
{
    const json_t *body = tw_req_json(req);

    if (!json_is_object(body)) {
        tw_reply_error(req, 400, "invalid_input", NULL,
                       "the body must be a JSON object");
        return false;
    }
    if (!cat_body_check_names(req, body, fields, n, create)) {
        return false;
    }

    for (size_t i = 0; i < n; i++) {
        if (!cat_body_field(req, body, &fields[i], create, &values[i])) {
            return false;
        }
        bool branch = fields[i].kind == CAT_KIND_BRANCH;
        if (branch && values[i].present && !values[i].null &&
            !cat_body_branch(req, &fields[i], &values[i])) {
            return false;
        }
    }
    return true;
}


const char *
cat_value_param(const cat_value_t *value)
{
    return value->present && !value->null ? value->text : NULL;
}
