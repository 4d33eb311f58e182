-- Commission for Heilongjiang (黑龙江分公司): winter heaters.
--
-- Stores in Heilongjiang sell less than the national average, and the
-- heating season matters more than anything else:
--   2% of the month's sell-out up to 100,000 yuan,
--   3% of the part above 100,000 yuan;
-- plus 50 yuan per air purifier sold, as everywhere;
-- plus, in the heating season (November to March), 30 yuan per heater
-- sold;
-- all of it halved when the appraisal score is below 60.

local payslip = import("payslip")

local PLAN = {
  sellout = {
    {upto = yuan(100000), percent = 2},
    {percent = 3},
  },

  purifier_bonus = yuan(50),

  -- The heating season, as month numbers: November to March.
  season = {first = 11, last = 3, category = "heater", bonus = yuan(30),
            name = "winter heater bonus"},

  pass_mark = 60,
}


function rule(input)
  local amount, lines = payslip.commission(input, PLAN)
  return {amount_fen = amount}, lines
end
