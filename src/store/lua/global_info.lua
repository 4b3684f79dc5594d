-- The global room, the 100 most recently active bots and the bot count. ARGV: now, '',
-- client address, read limit, read window ms (no key: every call counts per address).
if rate_peek('reads', ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])) then return rate_exceeded() end
local room = load_room(GLOBAL)
local bots = {}
for _, id in ipairs(redis.call('ZREVRANGE', K.bots_active, 0, 99)) do
  local bot = bot_out(id)
  if bot then table.insert(bots, bot) end
end
rate_consume()
return ok({room_out(room), bots, redis.call('ZCARD', K.bots_active)})
