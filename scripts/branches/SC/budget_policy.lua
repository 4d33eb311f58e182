-- Budget policy for Sichuan (四川分公司): closed months and a reserve.
--
-- Sichuan closes its books strictly and keeps some money back for the
-- floods and landslides that hit the roads every summer.  So here:
--   - a request against the budget of a month that is over (the period
--     is before today's month) is denied: that budget is closed;
--   - a request that would leave less than 10% of the month's budget
--     unused is escalated, so the province manager releases the reserve;
-- and, as in default/budget_policy.lua, denied when it does not fit,
-- escalated above 80% of what is left or above 50,000 yuan.
-- A later sub-branch (e.g. SC_CD Chengdu) follows this rule too unless
-- it has its own.

local budget = import("budget")

local LIMITS = {
  share = 80,
  above_fen = yuan(50000),
}

-- Percent of the month's budget kept back as a reserve.
local RESERVE = 10


-- The reason to deny when the period is over, else nil.  Months written
-- "YYYY-MM" compare correctly as text ("2024-05" < "2024-06").
local function closed_period(period, today)
  if type(period) ~= "string" or not date.valid(period .. "-01") then
    error(string.format("period must be YYYY-MM, not '%s'",
      tostring(period)))
  end
  if period >= date.month(today) then
    return nil
  end
  return string.format("the budget of %s is closed (today is %s)", period,
    today)
end


function rule(input)
  local left, amount, lines = budget.read(input)
  local verdict = budget.check(amount, left, LIMITS)

  local closed = closed_period(input.period, input.today)
  if closed then
    budget.raise(verdict, "deny", closed)
    verdict.limit_fen = 0
  end

  -- What would stay unused, compared in whole fen with 10% of the budget.
  local after = left - amount
  if after >= 0 and after * 100 < input.budget_fen * RESERVE then
    budget.raise(verdict, "escalate", string.format("it would leave %s yuan, "
      .. "less than the %d%% reserve of the %s yuan budget",
      fen_to_yuan(after), RESERVE, fen_to_yuan(input.budget_fen)))
  end
  return budget.done(verdict, amount), lines
end
