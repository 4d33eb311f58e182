-- payslip.lua: shared pieces of the promoters' commission rules.
--
-- A commission rule returns the amount and its payslip: the breakdown,
-- one line {label = ..., amount_fen = ...} per part, so that a promoter
-- can check every fen.  Each function here adds its lines to `lines`
-- and returns the amount it adds.  A rule uses this module with
--   local payslip = import("payslip")

local payslip = {}


-- The label of one sell-out bracket; `lower` is where it starts.
local function bracket_label(bracket, lower)
  local rate = tostring(bracket.percent) .. "% of sell-out"
  if lower == 0 and bracket.upto then
    return string.format("%s up to %s yuan", rate, fen_to_yuan(bracket.upto))
  elseif bracket.upto then
    return string.format("%s from %s to %s yuan", rate, fen_to_yuan(lower),
      fen_to_yuan(bracket.upto))
  elseif lower > 0 then
    return string.format("%s above %s yuan", rate, fen_to_yuan(lower))
  end
  return rate
end


-- The commission on the sell-out, tiers(sellout_fen, brackets), with one
-- line per bracket the sell-out reaches (always the first).  Each line
-- is what tiers() gives up to the bracket's top minus what it gives up
-- to the previous top, so the lines add up exactly to the total, which
-- tiers() rounds once.
function payslip.sellout(lines, sellout_fen, brackets)
  local total, lower = 0, 0
  for i, bracket in ipairs(brackets) do
    if i > 1 and sellout_fen <= lower then
      break
    end

    local top = sellout_fen
    if bracket.upto and bracket.upto < top then
      top = bracket.upto
    end
    local upto_top = tiers(top, brackets)
    table.insert(lines, {label = bracket_label(bracket, lower),
      amount_fen = upto_top - total})
    total = upto_top
    lower = bracket.upto
  end
  return total
end


-- A bonus of `each_fen` per unit of `category` sold (units.fan = 40),
-- with one line when any was sold:
--   payslip.per_unit(lines, input.units, "fan", yuan(5), "fan bonus")
function payslip.per_unit(lines, units, category, each_fen, name)
  local count = (units or {})[category] or 0
  if math.type(count) ~= "integer" or count < 0 then
    error(string.format("units.%s must be a whole number, not %s",
      category, tostring(count)), 2)
  end
  if count == 0 then
    return 0
  end

  local amount = count * each_fen
  table.insert(lines, {label = string.format("%s: %d x %s yuan", name,
    count, fen_to_yuan(each_fen)), amount_fen = amount})
  return amount
end


-- Halves `amount` when the appraisal score is below `pass_mark`: half
-- rounded to the fen, half a fen away from zero (12345 fen -> 6173).
-- The line shows what was taken off.  Returns the amount to pay.
function payslip.halve_below(lines, amount, score, pass_mark)
  if math.type(score) ~= "integer" or score < 0 or score > 100 then
    error("appraisal_score must be a whole number from 0 to 100, not "
      .. tostring(score), 2)
  end
  if score >= pass_mark then
    return amount
  end

  local half = round_div(amount, 2)
  table.insert(lines, {label = string.format("halved: appraisal score %d "
    .. "is below %d", score, pass_mark), amount_fen = half - amount})
  return half
end


-- True when the month ("YYYY-MM") lies in the season from month number
-- `first` to `last`; a season may run over the new year:
-- in_season("2025-01", 11, 3) is true (November to March).
function payslip.in_season(month, first, last)
  if type(month) ~= "string" or not date.valid(month .. "-01") then
    error(string.format("month must be YYYY-MM, not '%s'", tostring(month)),
      2)
  end

  local number = tonumber(string.sub(month, 6, 7))
  if first <= last then
    return number >= first and number <= last
  end
  return number >= first or number <= last
end


-- The usual commission, as the default rule pays it: the sell-out
-- brackets, a bonus per air purifier, in a branch with a season a bonus
-- per unit of its product sold in the season, all of it halved below
-- the pass mark.  `plan` says the numbers:
--   local amount, lines = payslip.commission(input, {
--     sellout = SELLOUT, purifier_bonus = yuan(50), pass_mark = 60,
--     season = {first = 6, last = 8, category = "fan", bonus = yuan(5),
--               name = "summer fan bonus"},  -- optional
--   })
-- Returns the amount and the payslip lines.
function payslip.commission(input, plan)
  local lines = {}
  local amount = payslip.sellout(lines, input.sellout_fen, plan.sellout)

  amount = amount + payslip.per_unit(lines, input.units, "air_purifier",
    plan.purifier_bonus, "air purifier bonus")
  local season = plan.season
  if season and payslip.in_season(input.month, season.first,
      season.last) then
    amount = amount + payslip.per_unit(lines, input.units, season.category,
      season.bonus, season.name)
  end
  amount = payslip.halve_below(lines, amount, input.appraisal_score,
    plan.pass_mark)
  return amount, lines
end


return payslip
