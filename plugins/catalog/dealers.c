/*
 * dealers.c - dealers (/api/v1/dealers, addressed by code) and their
 * payments (POST /api/v1/dealers/{code}/payments).
 *
 * Dealers belong to a branch: the core's row-level security hides other
 * branches' dealers (404) and refuses creating one into them (403).  The
 * branch travels as its code and is fixed once the dealer exists; the
 * open amount is the server's own (raised by approved orders through the
 * catalog.v1 service, lowered by payments), never a client's.
 */
#include <stdio.h>

#include "catalog.h"

#define CAT_DEALER_COLUMNS                                               \
    "code, name,"                                                        \
    " (SELECT b.code FROM core.branches b"                               \
    "  WHERE b.id = dealers.branch_id) AS branch,"                       \
    " region, warehouse_code, discount_bp, credit_limit_fen,"            \
    " open_amount_fen, active, " CAT_TS("created_at") ", "               \
    CAT_TS("updated_at")

static const cat_field_t cat_dealer_fields[] = {
    {"code", CAT_KIND_CODE, CAT_F_REQUIRED | CAT_F_FIXED, 0, 0},
    {"name", CAT_KIND_NAME, CAT_F_REQUIRED, 0, 0},
    {"branch", CAT_KIND_BRANCH, CAT_F_REQUIRED | CAT_F_FIXED, 0, 0},
    {"region", CAT_KIND_REGION, CAT_F_REQUIRED, 0, 0},
    {"warehouse", CAT_KIND_CODE, CAT_F_REQUIRED, 0, 0},
    {"discount_bp", CAT_KIND_INT, 0, 0, 10000},
    {"credit_limit_fen", CAT_KIND_INT, CAT_F_REQUIRED, 0, CAT_MONEY_MAX},
    {"active", CAT_KIND_BOOL, 0, 0, 0},
};

static const cat_column_t cat_dealer_columns[] = {
    {"code", CAT_OUT_TEXT},
    {"name", CAT_OUT_TEXT},
    {"branch", CAT_OUT_TEXT},
    {"region", CAT_OUT_TEXT},
    {"warehouse", CAT_OUT_TEXT},
    {"discount_bp", CAT_OUT_INT},
    {"credit_limit_fen", CAT_OUT_INT},
    {"open_amount_fen", CAT_OUT_INT},
    {"active", CAT_OUT_BOOL},
    {"created_at", CAT_OUT_TEXT},
    {"updated_at", CAT_OUT_TEXT},
};

static const char *const cat_dealer_filters[] = {"branch", "warehouse",
                                                 "active", NULL};

const cat_entity_t cat_dealer_entity = {
    .name = "dealer",
    .param = "code",
    .fields = cat_dealer_fields,
    .n_fields = sizeof cat_dealer_fields / sizeof cat_dealer_fields[0],
    .columns = cat_dealer_columns,
    .n_columns = sizeof cat_dealer_columns / sizeof cat_dealer_columns[0],
    .filters = cat_dealer_filters,
    .insert_sql =
        "INSERT INTO catalog.dealers (code, name, branch_id, region,"
        " warehouse_code, discount_bp, credit_limit_fen, active)"
        " VALUES ($1, $2, $3, $4, $5, coalesce($6::integer, 0), $7,"
        " coalesce($8::boolean, true))"
        " RETURNING " CAT_DEALER_COLUMNS,
    .update_sql =
        "UPDATE catalog.dealers SET"
        " name = CASE WHEN $2 THEN $3 ELSE name END,"
        " region = CASE WHEN $4 THEN $5 ELSE region END,"
        " warehouse_code = CASE WHEN $6 THEN $7 ELSE warehouse_code END,"
        " discount_bp = CASE WHEN $8 THEN $9::integer ELSE discount_bp END,"
        " credit_limit_fen = CASE WHEN $10 THEN $11::bigint"
        "     ELSE credit_limit_fen END,"
        " active = CASE WHEN $12 THEN $13::boolean ELSE active END,"
        " updated_at = now()"
        " WHERE code = $1 RETURNING " CAT_DEALER_COLUMNS,
    .get_sql = "SELECT " CAT_DEALER_COLUMNS
               " FROM catalog.dealers WHERE code = $1",
    .list_sql = "SELECT " CAT_DEALER_COLUMNS " FROM catalog.dealers"
                " WHERE ($1::text IS NULL OR code > $1)"
                " AND ($3::text IS NULL OR branch_id ="
                "     (SELECT b.id FROM core.branches b WHERE b.code = $3))"
                " AND ($4::text IS NULL OR warehouse_code = $4)"
                " AND ($5::boolean IS NULL OR active = $5)"
                " ORDER BY code LIMIT $2",
};

static const cat_field_t cat_payment_fields[] = {
    {"amount_fen", CAT_KIND_INT, CAT_F_REQUIRED, 1, CAT_MONEY_MAX},
};

static const cat_column_t cat_payment_columns[] = {
    {"id", CAT_OUT_INT},
    {"dealer", CAT_OUT_TEXT},
    {"amount_fen", CAT_OUT_INT},
    {"paid_at", CAT_OUT_TEXT},
    {"recorded_by", CAT_OUT_TEXT},
    {"open_amount_fen", CAT_OUT_INT},
};

/* Lowers the open amount and records the payment in one statement; no
 * row when the dealer is invisible or owes less than the payment. */
static const char cat_payment_sql[] =
    "WITH d AS (UPDATE catalog.dealers"
    "    SET open_amount_fen = open_amount_fen - $2, updated_at = now()"
    "    WHERE code = $1 AND open_amount_fen >= $2"
    "    RETURNING code, branch_id, open_amount_fen)"
    " INSERT INTO catalog.dealer_payments"
    " (dealer_code, branch_id, amount_fen, recorded_by)"
    " SELECT code, branch_id, $2, $3 FROM d"
    " RETURNING id, dealer_code, amount_fen, " CAT_TS("paid_at") ", $4::text,"
    " (SELECT open_amount_fen FROM d)";


/* Answers a payment that changed nothing: 404, or 409 with the amount
 * the dealer owes. */
static void
cat_payment_refused(tw_req_t *req, const char *code)
{
    PGresult *res = tw_db_exec(tw_req_db(req),
                               "SELECT open_amount_fen FROM catalog.dealers"
                               " WHERE code = $1", 1, &code);

    if (res == NULL) {
        tw_reply_db_error(req);
        return;
    }
    if (PQntuples(res) == 0) {
        tw_reply_error(req, 404, "not_found", json_pack("{s:s}", "code", code),
                       "no dealer '%s'", code);
    } else {
        json_t *owed = cat_row_json(res, 0, &cat_payment_columns[5], 1);

        tw_reply_error(req, 409, "conflict", owed,
                       "the payment exceeds the open amount of %s fen",
                       PQgetvalue(res, 0, 0));
    }
    PQclear(res);
}


static void
cat_payment_create(tw_req_t *req, void *ctx)
{
    const tw_user_t *user = tw_req_user(req);
    const char *code = tw_req_param(req, "code");
    cat_value_t amount;
    char user_id[24];
    (void) ctx;

    if (!cat_body_parse(req, cat_payment_fields, 1, true, &amount)) {
        return;
    }
    snprintf(user_id, sizeof user_id, "%lld", (long long) user->id);
    const char *params[] = {code, amount.text, user_id, user->login};

    PGresult *res = tw_db_exec(tw_req_db(req), cat_payment_sql, 4, params);
    if (res == NULL) {
        cat_reply_db_error(req);
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        cat_payment_refused(req, code);
        return;
    }
    cat_audit_reply(req, 201, res, "payment", "dealer", code,
                    cat_payment_columns,
                    sizeof cat_payment_columns / sizeof cat_payment_columns[0]);
}


tw_rc_t
cat_dealers_register(tw_host_t *host)
{
    tw_rc_t rc = cat_entity_routes(host, "/api/v1/dealers",
                                   &cat_dealer_entity);

    if (rc == TW_OK) {
        rc = tw_route_add(host, "POST", "/api/v1/dealers/{code}/payments",
                          "catalog.payments", cat_payment_create, NULL);
    }
    return rc;
}
