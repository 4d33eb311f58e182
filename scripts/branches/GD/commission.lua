-- Commission for Guangdong (广东分公司): a bigger market, summer fans.
--
-- Guangdong stores sell far more than the national average, so the
-- brackets are wider and there is a third one:
--   2% of the month's sell-out up to 200,000 yuan,
--   3% of the part from 200,000 to 400,000 yuan,
--   4% of the part above 400,000 yuan;
-- plus 50 yuan per air purifier sold, as everywhere;
-- plus, in the fan season (June to August), 5 yuan per fan sold;
-- all of it halved when the appraisal score is below 60.

local payslip = import("payslip")

local SELLOUT = {
  {upto = yuan(200000), percent = 2},
  {upto = yuan(400000), percent = 3},
  {percent = 4},
}

local PURIFIER_BONUS = yuan(50)

-- The fan season, as month numbers: June to August.
local FAN_SEASON_FIRST, FAN_SEASON_LAST = 6, 8
local FAN_BONUS = yuan(5)

local PASS_MARK = 60


function rule(input)
  local lines = {}
  local amount = payslip.sellout(lines, input.sellout_fen, SELLOUT)

  amount = amount + payslip.per_unit(lines, input.units, "air_purifier",
    PURIFIER_BONUS, "air purifier bonus")
  if payslip.in_season(input.month, FAN_SEASON_FIRST, FAN_SEASON_LAST) then
    amount = amount + payslip.per_unit(lines, input.units, "fan",
      FAN_BONUS, "summer fan bonus")
  end
  amount = payslip.halve_below(lines, amount, input.appraisal_score,
    PASS_MARK)
  return {amount_fen = amount}, lines
end
