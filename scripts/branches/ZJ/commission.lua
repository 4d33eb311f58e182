-- Commission for Zhejiang (浙江分公司): a guaranteed minimum.
--
-- As the default rule (2% of the sell-out up to 150,000 yuan, 3% of the
-- part above, 50 yuan per air purifier, halved when the appraisal score
-- is below 60), and in addition:
--   a promoter whose appraisal score is 60 or more earns at least
--   2,000 yuan for a full month.  For part of a month the guarantee is
--   2,000 yuan x days worked / days in the month, rounded to the fen.
-- Zhejiang started this in 2024 to keep promoters in new stores whose
-- sell-out is still small.

local payslip = import("payslip")

local PLAN = {
  sellout = {
    {upto = yuan(150000), percent = 2},
    {percent = 3},
  },

  purifier_bonus = yuan(50),

  pass_mark = 60,
}

-- The guaranteed minimum for a full month.
local GUARANTEE = yuan(2000)


-- The guarantee for the days worked, after checking them.
local function guarantee_for(input)
  local worked, days = input.days_worked, input.days_in_month
  if math.type(days) ~= "integer" or days < 28 or days > 31 then
    error("days_in_month must be 28 to 31, not " .. tostring(days))
  end
  if math.type(worked) ~= "integer" or worked < 0 or worked > days then
    error(string.format("days_worked must be a whole number from 0 to "
      .. "%d, not %s", days, tostring(worked)))
  end
  return round_div(GUARANTEE * worked, days)
end


function rule(input)
  local amount, lines = payslip.commission(input, PLAN)

  -- A poor appraisal loses the guarantee, so it comes after halving.
  if input.appraisal_score >= PLAN.pass_mark then
    local minimum = guarantee_for(input)
    if amount < minimum then
      table.insert(lines, {label = string.format("top-up to the guaranteed "
        .. "%s yuan (%d of %d days)", fen_to_yuan(minimum),
        input.days_worked, input.days_in_month), amount_fen = minimum - amount})
      amount = minimum
    end
  end
  return {amount_fen = amount}, lines
end
