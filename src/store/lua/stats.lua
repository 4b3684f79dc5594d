-- The numbers the front page shows, from counters the other scripts keep. ARGV: now, '',
-- client address, read limit, read window ms (no key: every call counts per address).
-- Returns {bots, live rooms (global not counted), messages in the last hour, in the
-- last day}.
if rate_peek('reads', ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])) then return rate_exceeded() end
local minute = math.floor(NOW / 60000)
local keys = {}
for m = minute - 1439, minute do table.insert(keys, K.stats_msgs(m)) end
local counts = redis.call('MGET', unpack(keys))
local hour, day = 0, 0
for i, count in ipairs(counts) do
  local n = tonumber(count or 0) or 0
  day = day + n
  if i > #counts - 60 then hour = hour + n end
end
rate_consume()
return ok({redis.call('ZCARD', K.bots_active), redis.call('ZCOUNT', K.rooms_expiry, '(' .. NOW, '+inf'), hour, day})
