-- Order review for Shanghai (上海分公司): key accounts and city delivery.
--
-- Most Shanghai orders come from large retail chains (key accounts)
-- that have a standing discount, and trucks may not enter the city
-- centre without a booked slot.  So here, unlike default/order_review.lua:
--   - a price below the floor price is accepted when every such line is
--     at most 3% below its floor price; further below, the order is held;
--   - delivery needs 2 days' notice: an order asking for delivery
--     earlier than 2 days after today is held to book a slot.
-- Everything else as in the default.

local findings = import("findings")

-- How far below the floor price a key account may buy, in percent.
local FLOOR_TOLERANCE = 3

-- Days between today and the earliest delivery date.
local NOTICE_DAYS = 2

local UNUSUAL_FACTOR = 3


-- True when no line is more than FLOOR_TOLERANCE percent below its floor
-- price.  Compared in whole fen: (floor - price) * 100 against floor * 3.
-- A line without a floor price (0 or missing) has nothing to compare.
local function within_tolerance(lines)
  for _, line in ipairs(lines) do
    local floor = line.floor_price_fen or 0
    local gap = floor - line.unit_price_fen
    if floor > 0 and gap * 100 > floor * FLOOR_TOLERANCE then
      return false
    end
  end
  return true
end


-- The reason to hold when the requested delivery date is too soon.
local function short_notice(order, today)
  local earliest = date.add_days(today, NOTICE_DAYS)
  if date.days_between(earliest, order.requested_date) >= 0 then
    return nil
  end
  return string.format("delivery requested for %s; the earliest slot is "
    .. "%s (%d days' notice)", order.requested_date, earliest, NOTICE_DAYS)
end


function rule(input)
  local tolerated = within_tolerance(input.order.lines)
  local verdict = findings.review(input.findings, findings.actions({
    below_floor = tolerated and "approve" or "hold",
  }))

  if tolerated and findings.has(input.findings, "below_floor") then
    table.insert(verdict.reasons, string.format("prices up to %d%% below "
      .. "the floor price are accepted for key accounts", FLOOR_TOLERANCE))
  end
  findings.hold(verdict, short_notice(input.order, input.today))
  findings.hold(verdict, findings.unusual_size(input.order, input.dealer,
    UNUSUAL_FACTOR))
  return findings.done(verdict)
end
