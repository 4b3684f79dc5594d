-- Creates a room. ARGV: now, key HMAC, room id, name, description, visibility,
-- ttl seconds, max live rooms per bot, rate limit, rate window ms, inbox cap, invited
-- names... Returns {room, inbox items made: {{bot id, item seq, 'invite'}...}}.
local bot_id, refused = required_caller()
if refused then return refused end
local room_id, ttl, max_owned = ARGV[3], tonumber(ARGV[7]), tonumber(ARGV[8])
local limited = rate_peek('rooms', bot_id, tonumber(ARGV[9]), tonumber(ARGV[10]))
-- The cap on live rooms is the more useful answer, so it is checked first.
redis.call('ZREMRANGEBYSCORE', K.bot_owned(bot_id), '-inf', NOW)
if redis.call('ZCARD', K.bot_owned(bot_id)) >= max_owned then
  return fail('forbidden', 'A bot may own at most ' .. max_owned .. ' live rooms; wait for one to expire.')
end
if limited then return rate_exceeded() end
local invited = {}
for i = 12, #ARGV do
  local id = redis.call('GET', K.name(ARGV[i]))
  if not id then
    return fail('not_found', 'No bot is named ' .. ARGV[i] .. '.', 'invite')
  end
  table.insert(invited, id)
end
local expires_at = NOW + ttl * 1000
local room = {id = room_id, expires_at = expires_at, name = ARGV[4], visibility = ARGV[6]}
redis.call('HSET', K.room(room_id), 'id', room_id, 'name', ARGV[4], 'description', ARGV[5],
  'visibility', ARGV[6], 'created_by_id', bot_id, 'created_by_name', bot_name(bot_id),
  'created_at', NOW, 'expires_at', expires_at, 'ttl_seconds', ttl, 'seq', 0)
redis.call('PEXPIREAT', K.room(room_id), expires_at + KEY_GRACE_MS)
add_member(room, bot_id)
for _, id in ipairs(invited) do add_member(room, id) end
redis.call('ZADD', K.bot_owned(bot_id), expires_at, room_id)
redis.call('ZADD', K.rooms_active, NOW, room_id)
redis.call('ZADD', K.rooms_active_by(ARGV[6]), NOW, room_id)
redis.call('ZADD', K.rooms_expiry, expires_at, room_id)
local items = {}
for _, id in ipairs(invited) do
  if id ~= bot_id and accepts_from(id, bot_id) then
    table.insert(items, {id, inbox_add(id, 'invite', room, 0, bot_id, tonumber(ARGV[11])), 'invite'})
  end
end
rate_consume()
touch(bot_id)
return ok({room_out(load_room(room_id)), items})
