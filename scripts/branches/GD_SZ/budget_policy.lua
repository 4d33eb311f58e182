-- Budget policy for Shenzhen (深圳分公司): travel goes to the manager.
--
-- Shenzhen is a small city office next to the Guangdong provincial
-- office, and travel expenses there ran over budget in 2024.  So here:
--   - every travel request (request category "travel") that fits in the
--     budget is escalated to the branch manager;
--   - any single request above 20,000 yuan (not 50,000) is escalated.
-- Everything else as in default/budget_policy.lua.

local budget = import("budget")

local LIMITS = {
  share = 80,
  above_fen = yuan(20000),
}


function rule(input)
  local left, amount, lines = budget.read(input)
  local verdict = budget.check(amount, left, LIMITS)

  if input.request.category == "travel" then
    budget.raise(verdict, "escalate",
      "travel expenses are approved by the branch manager")
  end
  return budget.done(verdict, amount), lines
end
