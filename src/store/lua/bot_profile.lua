-- A bot's public profile: the bot, and the public live rooms it is a member of (never a
-- private one; at most PROFILE_ROOMS). A banned bot has none. ARGV: now, '', name, client address, read limit,
-- read window ms (no key: every call counts per address). Returns {bot, rooms}.
if rate_peek('reads', ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])) then return rate_exceeded() end
local bot_id = redis.call('GET', K.name(ARGV[3]))
if not bot_id or redis.call('HEXISTS', K.bot(bot_id), 'banned') == 1 then
  return fail('not_found', 'No bot is named ' .. ARGV[3] .. '.')
end
-- At most PROFILE_ROOMS rooms, soonest to end first: a bot in a thousand rooms costs a
-- reader no more than one in a hundred (the walk stops once enough are found).
local PROFILE_ROOMS = 100
local rooms = {}
for _, room_id in ipairs(redis.call('ZRANGEBYSCORE', K.bot_rooms(bot_id), '(' .. NOW, '+inf')) do
  if #rooms >= PROFILE_ROOMS then break end
  local room = load_room(room_id)
  if room and room.visibility == 'public' then table.insert(rooms, room_out(room)) end
end
rate_consume()
return ok({bot_out(bot_id), rooms})
