/*
 * review.c - the review of a new order, in the submitting transaction:
 * the built-in checks (dealer active, credit, stock, floor prices) give
 * findings; the order_review rule of the dealer's branch decides; an
 * approval then reserves the stock and charges the dealer at once.
 *
 * A rule never approves by default: a rule that fails, and an approval
 * whose stock or credit a concurrent order took meanwhile, hold the
 * order with the reason.  A database failure fails the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.h"

static const char *const ord_outcomes[] = {"approve", "hold", "reject",
                                           NULL};

static const tw_rule_field_t ord_review_fields[] = {
    {"outcome", TW_RULE_STRING, false, ord_outcomes,
     "approve, hold (a person looks at the order) or reject"},
    {"reasons", TW_RULE_TABLE, false, NULL,
     "a list of strings: why, shown to the order desk and the dealer"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_hook_t ord_review_hook = {
    "order_review",
    "decides whether a dealer's order is approved, held or rejected",
    "order = {dealer, total_fen, requested_date, lines = {{sku, category, "
    "qty, unit_price_fen, line_total_fen, floor_price_fen}}}, findings = "
    "{{code, message}} (the built-in checks that failed: dealer_inactive, "
    "credit_exceeded, stock_short, below_floor), dealer = {code, "
    "credit_limit_fen, open_amount_fen, orders_this_month, "
    "average_order_fen}, today = \"YYYY-MM-DD\"",
    ord_review_fields,
};


tw_rc_t
ord_review_hook_register(tw_host_t *host)
{
    return tw_rule_hook_add(host, &ord_review_hook);
}


static void
ord_finding(json_t *findings, const char *code, const char *message)
{
    json_array_append_new(findings, json_pack("{s:s, s:s}", "code", code,
                                              "message", message));
}


static void
ord_check_credit(const ord_order_t *order, json_t *findings)
{
    const cat_dealer_t *dealer = &order->dealer;
    char limit[32];
    char over[32];
    char message[256];

    int64_t excess = dealer->open_amount_fen + order->total_fen -
                     dealer->credit_limit_fen;
    if (excess <= 0) {
        return;
    }
    ord_fen_yuan(dealer->credit_limit_fen, limit, sizeof limit);
    ord_fen_yuan(excess, over, sizeof over);
    snprintf(message, sizeof message, "order exceeds the credit limit of "
             "%s yuan by %s yuan", limit, over);
    ord_finding(findings, "credit_exceeded", message);
}


/* Stock and floor price of one line. */
static tw_rc_t
ord_check_line(tw_db_t *db, const ord_order_t *order, const ord_line_t *line,
               json_t *findings)
{
    const cat_product_t *product = &line->product;
    char message[512];
    int64_t available;

    tw_rc_t rc = ord_catalog()->stock_available(
        db, order->dealer.warehouse_code, product->sku, &available);
    if (rc != TW_OK) {
        return rc;
    }
    if (available < line->qty) {
        snprintf(message, sizeof message, "only %lld of %s available at %s, "
                 "%lld ordered", (long long) available, product->sku,
                 order->dealer.warehouse_code, (long long) line->qty);
        ord_finding(findings, "stock_short", message);
    }

    if (product->has_floor_price &&
        line->unit_price_fen < product->floor_price_fen) {
        char price[32];
        char floor[32];
        ord_fen_yuan(line->unit_price_fen, price, sizeof price);
        ord_fen_yuan(product->floor_price_fen, floor, sizeof floor);
        snprintf(message, sizeof message, "%s at %s yuan is below its floor "
                 "price of %s yuan", product->sku, price, floor);
        ord_finding(findings, "below_floor", message);
    }
    return TW_OK;
}


static tw_rc_t
ord_findings(tw_db_t *db, const ord_order_t *order, json_t *findings)
{
    if (!order->dealer.active) {
        char message[128];
        snprintf(message, sizeof message, "dealer %s is inactive",
                 order->dealer.code);
        ord_finding(findings, "dealer_inactive", message);
    }
    ord_check_credit(order, findings);

    for (size_t i = 0; i < order->line_count; i++) {
        tw_rc_t rc = ord_check_line(db, order, &order->lines[i], findings);
        if (rc != TW_OK) {
            return rc;
        }
    }
    return TW_OK;
}


/* The dealer's figures for the rule, the orders before this one: the
 * count of this Shanghai month and the average of the approved ones. */
static tw_rc_t
ord_dealer_figures(tw_db_t *db, const ord_order_t *order, json_t *input)
{
    char id[24];
    ord_int_text(order->id, id, sizeof id);
    const char *params[] = {order->dealer.code, id};

    PGresult *res = tw_db_exec(db,
        "SELECT count(*) FILTER (WHERE created_at >= "
        " date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') "
        " AT TIME ZONE 'Asia/Shanghai'),"
        " coalesce(round(avg(total_fen) FILTER (WHERE status IN "
        " ('approved', 'planned', 'shipped', 'delivered'))), 0)::bigint,"
        " to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') "
        "FROM orders.orders WHERE dealer_code = $1 AND id <> $2",
        2, params);
    if (res == NULL) {
        return tw_db_rc(db);
    }

    const cat_dealer_t *dealer = &order->dealer;
    json_object_set_new(input, "dealer", json_pack(
        "{s:s, s:I, s:I, s:o, s:o}", "code", dealer->code,
        "credit_limit_fen", (json_int_t) dealer->credit_limit_fen,
        "open_amount_fen", (json_int_t) dealer->open_amount_fen,
        "orders_this_month", ord_json_int(res, 0, 0),
        "average_order_fen", ord_json_int(res, 0, 1)));
    json_object_set_new(input, "today", json_string(PQgetvalue(res, 0, 2)));
    PQclear(res);
    return TW_OK;
}


static json_t *
ord_rule_order(const ord_order_t *order)
{
    json_t *lines = json_array();

    for (size_t i = 0; i < order->line_count; i++) {
        const ord_line_t *line = &order->lines[i];
        json_array_append_new(lines, json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I}", "sku", line->product.sku,
            "category", line->product.category, "qty",
            (json_int_t) line->qty, "unit_price_fen",
            (json_int_t) line->unit_price_fen, "line_total_fen",
            (json_int_t) line->line_total_fen, "floor_price_fen",
            (json_int_t) line->product.floor_price_fen));
    }
    return json_pack("{s:s, s:I, s:s, s:o}", "dealer", order->dealer.code,
                     "total_fen", (json_int_t) order->total_fen,
                     "requested_date", order->requested_date, "lines",
                     lines);
}


/* Runs the rule; fills *decision {outcome, reasons, rule_hash, script}.
 * A failed rule is a hold with its error as the reason. */
static tw_rc_t
ord_rule_decide(tw_db_t *db, const ord_order_t *order, json_t *input,
                json_t **decision)
{
    tw_rule_result_t out;
    char err[ORD_REASON_SIZE] = "";

    tw_rc_t rc = tw_rule_eval(db, "order_review", order->dealer.branch_id,
                              input, &out, err, sizeof err);
    if (rc == TW_OK) {
        *decision = json_pack("{s:O, s:O, s:s, s:s}", "outcome",
                              json_object_get(out.result, "outcome"),
                              "reasons",
                              json_object_get(out.result, "reasons"),
                              "rule_hash", out.hash, "script", out.script);
        tw_rule_result_free(&out);
        return TW_OK;
    }
    if (rc != TW_ERR_INVALID && rc != TW_ERR_NOT_FOUND) {
        return rc;
    }

    tw_log_warn("order review rule failed", "order=%lld error=%s",
                (long long) order->id, err);
    *decision = json_pack("{s:s, s:[s], s:n, s:n}", "outcome", "hold",
                          "reasons", err, "rule_hash", "script");
    return TW_OK;
}


/* The reasons of a decision as one line for the history. */
static void
ord_reasons_text(json_t *decision, char *buf, size_t size)
{
    json_t *reasons = json_object_get(decision, "reasons");
    size_t used = 0;
    size_t i;
    json_t *reason;

    buf[0] = '\0';
    json_array_foreach(reasons, i, reason) {
        const char *text = json_is_string(reason) ? json_string_value(reason)
                                                  : "?";
        int n = snprintf(buf + used, size - used, "%s%s", i > 0 ? "; " : "",
                         text);
        if (n < 0 || (size_t) n >= size - used) {
            break;
        }
        used += (size_t) n;
    }
}


/* An approval that no longer fits becomes a hold with that reason. */
static tw_rc_t
ord_apply_approval(tw_db_t *db, const ord_order_t *order, json_t *decision)
{
    char reason[ORD_REASON_SIZE];
    const char *code;

    tw_rc_t rc = ord_commit_goods(db, order, reason, sizeof reason, &code);
    if (rc != TW_ERR_CONFLICT) {
        return rc;
    }
    json_object_set_new(decision, "outcome", json_string("hold"));
    json_t *reasons = json_object_get(decision, "reasons");
    if (!json_is_array(reasons)) {
        reasons = json_array();
        json_object_set_new(decision, "reasons", reasons);
    }
    json_array_append_new(reasons, json_string(reason));
    return TW_OK;
}


static tw_rc_t
ord_store_review(tw_db_t *db, const ord_order_t *order, json_t *findings,
                 json_t *decision)
{
    char id[24];
    ord_int_text(order->id, id, sizeof id);
    char *findings_text = json_dumps(findings, JSON_COMPACT);
    char *decision_text = json_dumps(decision, JSON_COMPACT);
    const char *params[] = {id, findings_text, decision_text};

    PGresult *res = tw_db_exec(db,
                               "UPDATE orders.orders SET findings = "
                               "$2::jsonb, decision = $3::jsonb WHERE id = "
                               "$1", 3, params);
    free(findings_text);
    free(decision_text);
    if (res == NULL) {
        return tw_db_rc(db);
    }
    PQclear(res);
    return TW_OK;
}


/* Applies the outcome: the goods of an approval, the stored review and
 * the transition out of `submitted`. */
static tw_rc_t
ord_apply(tw_req_t *req, const ord_order_t *order, json_t *findings,
          json_t *decision)
{
    tw_db_t *db = tw_req_db(req);
    char reasons[ORD_REASON_SIZE];

    const char *outcome = json_string_value(json_object_get(decision,
                                                            "outcome"));
    tw_rc_t rc = TW_OK;
    if (strcmp(outcome, "approve") == 0) {
        rc = ord_apply_approval(db, order, decision);
        outcome = json_string_value(json_object_get(decision, "outcome"));
    }
    if (rc == TW_OK) {
        rc = ord_store_review(db, order, findings, decision);
    }
    if (rc != TW_OK) {
        return rc;
    }

    const char *to = strcmp(outcome, "approve") == 0   ? "approved"
                     : strcmp(outcome, "reject") == 0 ? "rejected"
                                                       : "on_hold";
    ord_reasons_text(decision, reasons, sizeof reasons);
    return ord_transition(req, order->id, "submitted", to, outcome, reasons);
}


tw_rc_t
ord_review(tw_req_t *req, ord_order_t *order)
{
    tw_db_t *db = tw_req_db(req);
    json_t *findings = json_array();
    json_t *input = json_object();
    json_t *decision = NULL;

    tw_rc_t rc = ord_findings(db, order, findings);
    if (rc == TW_OK) {
        rc = ord_dealer_figures(db, order, input);
    }
    if (rc == TW_OK) {
        json_object_set_new(input, "order", ord_rule_order(order));
        json_object_set(input, "findings", findings);
        rc = ord_rule_decide(db, order, input, &decision);
    }
    if (rc == TW_OK) {
        rc = ord_apply(req, order, findings, decision);
    }

    json_decref(decision);
    json_decref(input);
    json_decref(findings);
    return rc;
}
