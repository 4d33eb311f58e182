-- findings.lua: shared pieces of the order review rules.
--
-- Before an order reaches the rule, the order system runs its own
-- checks; the ones that failed arrive as input.findings, a list such as
--   {{code = "credit_exceeded", message = "credit limit 50000.00 yuan"}}
-- The codes are dealer_inactive, credit_exceeded, stock_short and
-- below_floor.  A rule uses this module with
--   local findings = import("findings")
-- and decides what each code means for its branch.

local findings = {}

-- How severe each outcome is: the most severe reason decides.
local SEVERITY = {approve = 1, hold = 2, reject = 3}


-- The more severe of two outcomes: worst("hold", "reject") is "reject".
function findings.worst(a, b)
  if SEVERITY[b] > SEVERITY[a] then
    return b
  end
  return a
end


-- True when the list holds a finding with this code:
--   findings.has(input.findings, "stock_short")
function findings.has(list, code)
  for _, finding in ipairs(list) do
    if finding.code == code then
      return true
    end
  end
  return false
end


-- What each failed built-in check usually means, as the default rule
-- has it: an inactive dealer is rejected, every other check holds.
local USUAL_ACTIONS = {
  dealer_inactive = "reject",
  credit_exceeded = "hold",
  stock_short = "hold",
  below_floor = "hold",
}


-- The actions for findings.review: the usual ones, with a branch's own
-- changes; a new table each time, so no rule changes another's:
--   findings.actions({credit_exceeded = "reject"})
function findings.actions(changes)
  local actions = {}
  for code, action in pairs(USUAL_ACTIONS) do
    actions[code] = action
  end
  for code, action in pairs(changes or {}) do
    actions[code] = action
  end
  return actions
end


-- Goes through every finding: its outcome is actions[code] (one of
-- approve, hold, reject) and its message becomes a reason.  A code
-- missing from `actions` holds the order, so that a check the order
-- system adds later is never approved without a person seeing it.
-- Returns the verdict {outcome = ..., reasons = {...}}, the result a
-- rule returns; the outcome is "approve" when there is no finding.
function findings.review(list, actions)
  if type(list) ~= "table" then
    error("input.findings must be a list", 2)
  end

  local verdict = {outcome = "approve", reasons = {}}
  for _, finding in ipairs(list) do
    verdict.outcome = findings.worst(verdict.outcome,
      actions[finding.code] or "hold")
    table.insert(verdict.reasons, finding.message or finding.code)
  end
  return verdict
end


-- Holds the order for `reason` (unless it is rejected anyway); does
-- nothing when reason is nil, so it takes a check's answer directly:
--   findings.hold(verdict, findings.unusual_size(order, dealer, 3))
function findings.hold(verdict, reason)
  if reason then
    verdict.outcome = findings.worst(verdict.outcome, "hold")
    table.insert(verdict.reasons, reason)
  end
end


-- The verdict to return: an approval without any reason says why.
function findings.done(verdict)
  if verdict.outcome == "approve" and #verdict.reasons == 0 then
    table.insert(verdict.reasons, "all checks passed")
  end
  return verdict
end


-- An order far bigger than the dealer usually orders may be a typing
-- error (an extra zero) or a dealer stocking up before trouble.  Returns
-- the reason to hold the order when its total is more than `factor`
-- times the dealer's average order, else nil.  A new dealer has no
-- average yet (0 or missing): never unusual.
function findings.unusual_size(order, dealer, factor)
  local average = dealer.average_order_fen or 0
  if average <= 0 or order.total_fen <= factor * average then
    return nil
  end
  return string.format("order total %s yuan is over %d times the "
    .. "dealer's average order of %s yuan", fen_to_yuan(order.total_fen),
    factor, fen_to_yuan(average))
end


return findings
