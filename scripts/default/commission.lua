-- Commission: what a promoter (促销员) earns for a month.
-- The rule for every branch that has no commission.lua of its own.
--
--   2% of the month's sell-out up to 150,000 yuan,
--   3% of the part of the sell-out above 150,000 yuan,
--   plus 50 yuan per air purifier sold,
--   all of it halved when the appraisal score is below 60.
--
-- Example: 200,000 yuan sold, 12 air purifiers, score 75:
-- 3,000 + 1,500 + 600 = 5,100 yuan.

local payslip = import("payslip")

local PLAN = {
  -- The sell-out brackets: each percent applies to the part in its range.
  sellout = {
    {upto = yuan(150000), percent = 2},
    {percent = 3},
  },

  purifier_bonus = yuan(50),

  -- Below this appraisal score the commission is halved.
  pass_mark = 60,
}


function rule(input)
  local amount, lines = payslip.commission(input, PLAN)
  return {amount_fen = amount}, lines
end
