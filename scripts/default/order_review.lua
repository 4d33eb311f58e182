-- Order review: what happens to a dealer's order (订单审核).
-- The rule for every branch that has no order_review.lua of its own.
--
--   reject   the dealer is inactive (no longer allowed to order);
--   hold     the order goes over the dealer's credit, stock is short, a
--            price is below the floor price, or the order is more than
--            3 times the dealer's average order: a person looks at it;
--   approve  otherwise.
--
-- Every reason that applies is listed; the most severe outcome wins.

local findings = import("findings")

-- What each failed built-in check means here: the usual actions of
-- lib/findings.lua, unchanged (an inactive dealer is rejected, every
-- other failed check holds the order).
local ACTIONS = findings.actions()

-- An order this many times the dealer's average order is unusual.
local UNUSUAL_FACTOR = 3


function rule(input)
  local verdict = findings.review(input.findings, ACTIONS)
  findings.hold(verdict, findings.unusual_size(input.order, input.dealer,
    UNUSUAL_FACTOR))
  return findings.done(verdict)
end
