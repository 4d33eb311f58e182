-- Order review for Beijing (北京分公司): stricter credit control.
--
-- Two Beijing dealers left unpaid debts behind in 2023, so here:
--   - an order over the dealer's credit is rejected, not held: the
--     dealer pays what is open first, then orders again;
--   - an order that brings the dealer's open amount above 90% of the
--     credit limit is held, before the limit is reached;
--   - an order over 2 times (not 3) the dealer's average is held.
-- Everything else as in default/order_review.lua.

local findings = import("findings")

-- The usual actions, except that an order over the credit is rejected.
local ACTIONS = findings.actions({credit_exceeded = "reject"})

local UNUSUAL_FACTOR = 2

-- Percent of the credit limit above which an order is held.
local CREDIT_WARNING = 90


-- The reason to hold when what the dealer owes plus this order goes
-- over CREDIT_WARNING percent of the credit limit, else nil.  Compared
-- in whole fen (used * 100 against limit * 90): no rounding involved.
-- A dealer without credit (limit 0) pays in advance: nothing to check.
local function near_credit_limit(order, dealer)
  local limit = dealer.credit_limit_fen
  local used = dealer.open_amount_fen + order.total_fen
  if limit <= 0 or used * 100 <= limit * CREDIT_WARNING then
    return nil
  end
  return string.format("dealer would owe %s yuan, over %d%% of the "
    .. "credit limit of %s yuan", fen_to_yuan(used), CREDIT_WARNING,
    fen_to_yuan(limit))
end


function rule(input)
  local verdict = findings.review(input.findings, ACTIONS)

  -- Over the limit is rejected above already; one reason is enough.
  if not findings.has(input.findings, "credit_exceeded") then
    findings.hold(verdict, near_credit_limit(input.order, input.dealer))
  end
  findings.hold(verdict, findings.unusual_size(input.order, input.dealer,
    UNUSUAL_FACTOR))
  return findings.done(verdict)
end
