-- budget.lua: shared pieces of the budget policy rules.
--
-- A budget policy sees one request to spend money from a branch's
-- budget for one category and month, with what that budget holds:
--   left = budget_fen - reserved_fen - spent_fen
-- and decides: allow, deny, or escalate (a manager above decides).
-- Every function works on the verdict, the result a rule returns:
--   {decision = "allow", reasons = {...}, limit_fen = ...}
-- A rule uses this module with
--   local budget = import("budget")

local budget = {}

-- How severe each decision is: the most severe reason decides.
local SEVERITY = {allow = 1, escalate = 2, deny = 3}


-- The value when it is a whole number of fen; else stops the rule with
-- an error that names the field.
local function whole_fen(value, name)
  if math.type(value) ~= "integer" then
    error(string.format("%s must be an integer number of fen, not %s",
      name, tostring(value)), 3)
  end
  return value
end


-- Reads and checks the amounts of the input.  Returns what is left of
-- the budget (below 0 when the budget was cut after money was
-- reserved), the amount requested, and the breakdown: three lines that
-- add up to what is left.
function budget.read(input)
  local amount = whole_fen((input.request or {}).amount_fen,
    "request.amount_fen")
  if amount <= 0 then
    error("request.amount_fen must be more than 0, not " .. amount, 2)
  end

  local total = whole_fen(input.budget_fen, "budget_fen")
  local reserved = whole_fen(input.reserved_fen, "reserved_fen")
  local spent = whole_fen(input.spent_fen, "spent_fen")
  return total - reserved - spent, amount, {
    {label = "budget", amount_fen = total},
    {label = "reserved", amount_fen = -reserved},
    {label = "spent", amount_fen = -spent},
  }
end


-- True when `amount` is more than `pct` percent of `left`.  Compared in
-- whole fen (amount * 100 against left * pct), so nothing is rounded:
-- 81 fen is more than 80% of 101 fen (80.8 fen).
function budget.over_share(amount, left, pct)
  return amount * 100 > left * pct
end


-- The checks every branch makes, with its own limits:
--   deny      when the amount does not fit in what is left;
--   escalate  when it takes more than limits.share percent of what is
--             left, or is more than limits.above_fen at once;
--   allow     otherwise.
-- Returns the verdict; limit_fen, the most that may be approved, is
-- what is left (never below 0).
function budget.check(amount, left, limits)
  local verdict = {decision = "allow", reasons = {},
    limit_fen = math.max(left, 0)}

  if amount > left then
    budget.raise(verdict, "deny", string.format("%s yuan requested but "
      .. "only %s yuan of the budget is left", fen_to_yuan(amount),
      fen_to_yuan(verdict.limit_fen)))
    return verdict
  end
  if budget.over_share(amount, left, limits.share) then
    budget.raise(verdict, "escalate", string.format("%s yuan is more than "
      .. "%d%% of the %s yuan left", fen_to_yuan(amount), limits.share,
      fen_to_yuan(left)))
  end
  if amount > limits.above_fen then
    budget.raise(verdict, "escalate", string.format("%s yuan is more than "
      .. "%s yuan at once", fen_to_yuan(amount),
      fen_to_yuan(limits.above_fen)))
  end
  return verdict
end


-- Adds `reason` and makes the decision `decision` unless it already is
-- a more severe one: raise(verdict, "escalate", ...) leaves a denial.
function budget.raise(verdict, decision, reason)
  if SEVERITY[decision] > SEVERITY[verdict.decision] then
    verdict.decision = decision
  end
  table.insert(verdict.reasons, reason)
end


-- The verdict to return: an allowed request without any reason says why.
function budget.done(verdict, amount)
  if verdict.decision == "allow" and #verdict.reasons == 0 then
    table.insert(verdict.reasons, string.format("%s yuan fits in the %s "
      .. "yuan left", fen_to_yuan(amount), fen_to_yuan(verdict.limit_fen)))
  end
  return verdict
end


return budget
