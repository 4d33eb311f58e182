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

local SELLOUT = {
  {upto = yuan(100000), percent = 2},
  {percent = 3},
}

local PURIFIER_BONUS = yuan(50)

-- The heating season, as month numbers: November to March.
local WINTER_FIRST, WINTER_LAST = 11, 3
local HEATER_BONUS = yuan(30)

local PASS_MARK = 60


function rule(input)
  local lines = {}
  local amount = payslip.sellout(lines, input.sellout_fen, SELLOUT)

  amount = amount + payslip.per_unit(lines, input.units, "air_purifier",
    PURIFIER_BONUS, "air purifier bonus")
  if payslip.in_season(input.month, WINTER_FIRST, WINTER_LAST) then
    amount = amount + payslip.per_unit(lines, input.units, "heater",
      HEATER_BONUS, "winter heater bonus")
  end
  amount = payslip.halve_below(lines, amount, input.appraisal_score,
    PASS_MARK)
  return {amount_fen = amount}, lines
end
