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

local PLAN = {
  sellout = {
    {upto = yuan(200000), percent = 2},
    {upto = yuan(400000), percent = 3},
    {percent = 4},
  },

  purifier_bonus = yuan(50),

  -- The fan season, as month numbers: June to August.
  season = {first = 6, last = 8, category = "fan", bonus = yuan(5),
            name = "summer fan bonus"},

  pass_mark = 60,
}


function rule(input)
  local amount, lines = payslip.commission(input, PLAN)
  return {amount_fen = amount}, lines
end
