/*
 * rule_hooks.c - a test plugin that declares the three rule hooks of the
 * domain plugins to come (order_review, commission, budget_policy),
 * exactly as scripts/README.md documents them, so that `tradewind rules
 * test` type-checks the example scripts' results against them.
 *
 * It declares nothing else.  The declarations are static: the engine
 * keeps them by pointer for the life of the process.
 */
#include <stdio.h>

#include "tradewind/tradewind.h"

static const char *const rule_hooks_outcomes[] = {
    "approve", "hold", "reject", NULL
};

static const char *const rule_hooks_decisions[] = {
    "allow", "deny", "escalate", NULL
};

static const tw_rule_field_t rule_hooks_order_review_fields[] = {
    {"outcome", TW_RULE_STRING, false, rule_hooks_outcomes,
     "approve, hold (a person looks at the order) or reject"},
    {"reasons", TW_RULE_TABLE, false, NULL,
     "a list of strings: why, shown to the order desk and the dealer"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_field_t rule_hooks_commission_fields[] = {
    {"amount_fen", TW_RULE_INTEGER, false, NULL,
     "the promoter's commission for the month, in fen"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_field_t rule_hooks_budget_policy_fields[] = {
    {"decision", TW_RULE_STRING, false, rule_hooks_decisions,
     "allow, deny or escalate (the manager above decides)"},
    {"reasons", TW_RULE_TABLE, false, NULL,
     "a list of strings: why, shown to the applicant"},
    {"limit_fen", TW_RULE_INTEGER, true, NULL,
     "the most that may be approved, in fen"},
    {NULL, TW_RULE_INTEGER, false, NULL, NULL},
};

static const tw_rule_hook_t rule_hooks_all[] = {
    {"order_review",
     "decides whether a dealer's order is approved, held or rejected",
     "order = {dealer, total_fen, requested_date, lines = {{sku, category, "
     "qty, unit_price_fen, line_total_fen, floor_price_fen}}}, findings = "
     "{{code, message}} (the built-in checks that failed: dealer_inactive, "
     "credit_exceeded, stock_short, below_floor), dealer = {code, "
     "credit_limit_fen, open_amount_fen, orders_this_month, "
     "average_order_fen}, today = \"YYYY-MM-DD\"",
     rule_hooks_order_review_fields},
    {"commission",
     "computes a promoter's monthly commission, with a payslip breakdown",
     "month = \"YYYY-MM\", promoter = {code, name, store}, sellout_fen (the "
     "month's sell-out), units = {<category> = count} (e.g. air_purifier = "
     "12, fan = 40), appraisal_score (0..100), days_worked, days_in_month",
     rule_hooks_commission_fields},
    {"budget_policy",
     "decides whether an expense may be paid from a branch's budget",
     "branch, category, period = \"YYYY-MM\", budget_fen, reserved_fen, "
     "spent_fen, request = {amount_fen, category, description, applicant}, "
     "today = \"YYYY-MM-DD\"",
     rule_hooks_budget_policy_fields},
};


static tw_rc_t
rule_hooks_init(tw_host_t *host, char *err, size_t err_size)
{
    size_t count = sizeof rule_hooks_all / sizeof rule_hooks_all[0];
    tw_rc_t rc = TW_OK;

    for (size_t i = 0; i < count && rc == TW_OK; i++) {
        rc = tw_rule_hook_add(host, &rule_hooks_all[i]);
        if (rc != TW_OK) {
            snprintf(err, err_size, "cannot declare rule hook '%s' "
                     "(result %d)", rule_hooks_all[i].name, (int) rc);
        }
    }
    return rc;
}


static const tw_plugin_t rule_hooks_plugin = {
    .size = sizeof(tw_plugin_t),
    .abi_version = TW_ABI_VERSION,
    .name = "rule_hooks",
    .version = "1.0",
    .requires = NULL,
    .config_keys = NULL,
    .init = rule_hooks_init,
    .shutdown = NULL,
};

TW_PLUGIN_DEFINE(rule_hooks_plugin)
