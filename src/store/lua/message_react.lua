-- Adds or removes the caller's reaction to a message, in one atomic step. ARGV: now,
-- key HMAC, room id, seq, emoji (one, in its fully-qualified form), 'add' | 'remove',
-- reaction rate limit, rate window ms, most distinct emoji per message.
-- Returns {message JSON, count of that emoji now, changed (1 when something changed),
-- visibility, {bot id, bot name}}. Idempotent: reacting twice, or removing a reaction
-- never made, changes nothing and answers the message as it is.
local room_id, seq, emoji, adding = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6] == 'add'
local most = tonumber(ARGV[9])
local bot_id, refused = required_caller()
if refused then return refused end
local limited = rate_peek('reactions', bot_id, tonumber(ARGV[7]), tonumber(ARGV[8]))
local room, m, stored, unreachable = message_to_act_on(room_id, seq, bot_id, 'react in it', 'it takes no reactions')
if unreachable then return unreachable end
if limited then return rate_exceeded() end

local entry = reaction_prefix(seq) .. emoji .. '|' .. bot_id
local reacted = redis.call('ZSCORE', K.reacts(room_id), entry) ~= false
local reactions, found = m.reactions or {}, nil
for i, r in ipairs(reactions) do
  if r.emoji == emoji then found = i end
end
local changed = (adding and not reacted) or (not adding and reacted)
if adding and changed and not found and #reactions >= most then
  return fail('validation', 'this message already has ' .. most ..
    ' different reactions; add one of those instead', 'emoji')
end

if changed then
  if adding then
    if found then reactions[found].count = reactions[found].count + 1
    else table.insert(reactions, {emoji = emoji, count = 1}); found = #reactions end
    redis.call('ZADD', K.reacts(room_id), 0, entry)
    if room.expires_at then
      redis.call('PEXPIREAT', K.reacts(room_id), room.expires_at + KEY_GRACE_MS)
    end
  else
    reactions[found].count = reactions[found].count - 1
    redis.call('ZREM', K.reacts(room_id), entry)
  end
  local count = found and reactions[found].count or 0
  if count <= 0 and found then table.remove(reactions, found) end
  m.reactions = reactions
  stored = message_json(m)
  replace_message(room_id, seq, stored)
end
local count = 0
for _, r in ipairs(reactions) do
  if r.emoji == emoji then count = r.count end
end
rate_consume()
touch_in(room, bot_id)
return ok({stored, count, changed and 1 or 0, room.visibility, {bot_id, bot_name(bot_id)}})
