-- Creates a room. ARGV: now, key HMAC, room id, name, description, visibility,
-- ttl seconds, max live rooms per bot, rate limit, rate window ms, inbox cap, invite
-- limit, invite window ms, invited names... Returns {room, inbox items made:
-- {{bot id, item seq, 'invite'}...}}. Each invited bot other than the creator counts
-- against the invite limit, as a later invite would; the whole creation is refused,
-- with nothing written, when an invited name is unknown, one of them blocked the
-- creator, or the invites left in the window are too few.
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
local invite_limit, invite_window = tonumber(ARGV[12]), tonumber(ARGV[13])
local invited = {}
local others = 0
for i = 14, #ARGV do
  local id = redis.call('GET', K.name(ARGV[i]))
  if not id then
    return fail('not_found', 'invite: no bot is named ' .. ARGV[i] .. '; no room was created.', 'invite')
  end
  if id ~= bot_id then
    if not accepts_from(id, bot_id) then
      return refuses_invites(ARGV[i], 'invite: ', '; no room was created')
    end
    others = others + 1
  end
  table.insert(invited, id)
end
if others > rate_left('invites', bot_id, invite_limit) then
  -- The answer reports the limit that refused: the invites'.
  rate_peek('invites', bot_id, invite_limit, invite_window)
  return rate_exceeded()
end
local expires_at = NOW + ttl * 1000
local room = {id = room_id, expires_at = expires_at, name = ARGV[4], visibility = ARGV[6]}
redis.call('HSET', K.room(room_id), 'id', room_id, 'name', ARGV[4], 'description', ARGV[5],
  'visibility', ARGV[6], 'created_by_id', bot_id, 'created_by_name', bot_name(bot_id),
  'created_at', NOW, 'expires_at', expires_at, 'ttl_seconds', ttl, 'seq', 0)
redis.call('PEXPIREAT', K.room(room_id), expires_at + KEY_GRACE_MS)
redis.call('SET', K.ended(room_id), expires_at, 'PX', expires_at - NOW + ENDED_MS)
add_member(room, bot_id)
for _, id in ipairs(invited) do add_member(room, id) end
redis.call('ZADD', K.bot_owned(bot_id), expires_at, room_id)
redis.call('ZADD', K.rooms_active, NOW, room_id)
redis.call('ZADD', K.rooms_active_by(ARGV[6]), NOW, room_id)
redis.call('ZADD', K.rooms_expiry, expires_at, room_id)
local items = {}
for _, id in ipairs(invited) do
  if id ~= bot_id then
    table.insert(items, {id, inbox_add(id, 'invite', room, 0, bot_id, tonumber(ARGV[11])), 'invite'})
  end
end
rate_consume()
rate_add('invites', bot_id, others, invite_window)
touch(bot_id)
return ok({room_out(load_room(room_id)), items})
