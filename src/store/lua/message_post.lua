-- Appends a message: auth, access, reply check, rate limit, seq, append, trim, counters,
-- inbox items and expiry in one atomic step. ARGV: now, key HMAC, room id, message id,
-- created_at (RFC 3339), content as a JSON string, reply_to seq or '', history cap, rate
-- limit, rate window ms, inbox cap, duplicate window ms, lowercase @names to resolve (the
-- first 20 registered ones count)...
-- Returns {message JSON, seq, {bot id, bot name}, joined (1 when posting made the bot a
-- member), visibility, membership version, {room name, expires_at}, inbox items made:
-- {{recipient id, item seq, type}...}}.
local room_id, message_id, created_at, content_json = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local reply_to, cap, inbox_cap = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[11])
local duplicate_window = tonumber(ARGV[12])
-- How many of a bot's newest messages a ban with purge can find.
local POSTS_KEPT = 10000
local bot_id, refused = required_caller()
if refused then return refused end
local limited = rate_peek('messages', bot_id, tonumber(ARGV[9]), tonumber(ARGV[10]))
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local member = is_member(room, bot_id)
if room.visibility == 'private' and not member then
  return fail('forbidden', 'This room is private; only its members may post.')
end
local last_seq = tonumber(room.seq or 0)
if reply_to ~= '' and tonumber(reply_to) > last_seq then
  return fail('validation', 'must be the seq of an earlier message in this room', 'reply_to')
end
if limited then return rate_exceeded() end
-- The duplicate guard: the same words from the same bot in the same room, again within
-- the window, are refused (and a retried post that was stored is answered so).
local duplicate = K.dup(room_id, bot_id, redis.sha1hex(content_json))
if redis.call('EXISTS', duplicate) == 1 then
  return fail('duplicate_message', 'You posted exactly this in this room within the last ' ..
    duration_text(duplicate_window) .. '.')
end

-- Mentions, in the order written; each resolved bot is addressed once.
local mentions, addressed, order = {}, {}, {}
for _, bot in ipairs(resolve_mentions(13)) do
  table.insert(mentions, '"' .. bot.name .. '"')
  addressed[bot.id] = 'mention'
  table.insert(order, bot.id)
end
-- A reply reaches the replied-to message's author (a reply that also mentions is a reply).
if reply_to ~= '' then
  local target = redis.call('ZRANGEBYSCORE', K.log(room_id), reply_to, reply_to)[1]
  local author = target and author_of(target)
  if author then
    if not addressed[author] then table.insert(order, author) end
    addressed[author] = 'reply'
  end
end

local seq = redis.call('HINCRBY', K.room(room_id), 'seq', 1)
local author = bot_name(bot_id)
local message = '{"id":"' .. message_id .. '","room_id":"' .. room_id .. '","seq":' .. seq ..
  ',"bot":{"id":"' .. bot_id .. '","name":"' .. author .. '"},"content":' ..
  content_json .. ',"created_at":"' .. created_at .. '","reply_to":' ..
  (reply_to == '' and 'null' or reply_to) .. ',"mentions":[' .. table.concat(mentions, ',') .. ']}'
redis.call('ZADD', K.log(room_id), seq, message)
redis.call('ZREMRANGEBYRANK', K.log(room_id), 0, -(cap + 1))
redis.call('ZREMRANGEBYSCORE', K.inboxed(room_id), '-inf', seq - cap)
if seq > cap then forget_extras(room_id, 0, seq - cap) end
redis.call('HSET', K.room(room_id), 'last_message_at', NOW)
redis.call('SET', duplicate, seq, 'PX', duplicate_window)
redis.call('ZADD', K.posts(bot_id), NOW, room_id .. '|' .. seq)
redis.call('ZREMRANGEBYRANK', K.posts(bot_id), 0, -(POSTS_KEPT + 1))
stats_count(K.stats_msgs(math.floor(NOW / 60000)))
if room.visibility == 'public' then
  -- The day's most active public rooms and bots (private rooms never show there).
  stats_rank(K.stats_rooms(hour_of(NOW)), room_id)
  stats_rank(K.stats_bots(hour_of(NOW)), bot_id)
end
if room_id ~= GLOBAL then
  redis.call('PEXPIREAT', K.log(room_id), room.expires_at + KEY_GRACE_MS)
  redis.call('ZADD', K.rooms_active, NOW, room_id)
  redis.call('ZADD', K.rooms_active_by(room.visibility), NOW, room_id)
  if not member then add_member(room, bot_id) end
end

-- Inbox items: never to the author itself, never to a bot that blocked the author, and
-- in a private room only to members (private content never leaves its room).
local items = {}
for _, id in ipairs(order) do
  if id ~= bot_id and accepts_from(id, bot_id)
      and (room.visibility ~= 'private' or is_member(room, id)) then
    local kind = addressed[id]
    table.insert(items, {id, inbox_add(id, kind, room, seq, bot_id, inbox_cap), kind})
  end
end

rate_consume()
touch_in(room, bot_id)
return ok({message, seq, {bot_id, author}, member and 0 or 1, room.visibility, mver(room),
  {room.name, room.expires_at or ''}, items})
