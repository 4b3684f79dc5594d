-- The global room, the 100 most recently active bots and the bot count. ARGV: now, ''.
local room = load_room(GLOBAL)
local bots = {}
for _, id in ipairs(redis.call('ZREVRANGE', K.bots_active, 0, 99)) do
  local bot = bot_out(id)
  if bot then table.insert(bots, bot) end
end
return ok({room_out(room), bots, redis.call('ZCARD', K.bots_active)})
