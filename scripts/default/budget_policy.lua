-- Budget policy: may this expense be paid from the budget (费用预算)?
-- The rule for every branch that has no budget_policy.lua of its own.
--
--   deny      the request does not fit in what is left of the budget
--             (budget - reserved - spent);
--   escalate  it would use more than 80% of what is left, or it is more
--             than 50,000 yuan: the manager above decides;
--   allow     otherwise.
--
-- limit_fen tells the applicant the most that may be approved: what is
-- left of the budget.

local budget = import("budget")

local LIMITS = {
  share = 80,              -- percent of what is left
  above_fen = yuan(50000), -- one request above this goes up
}


function rule(input)
  local left, amount, lines = budget.read(input)
  local verdict = budget.check(amount, left, LIMITS)
  return budget.done(verdict, amount), lines
end
