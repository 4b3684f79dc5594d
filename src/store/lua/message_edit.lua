-- Edits a message as its author: access, the edit window, the duplicate guard, the
-- rate limit (edits count as messages), the earlier version kept for the operators,
-- and inbox items for the bots newly mentioned, in one atomic step. ARGV: now, key
-- HMAC, room id, seq, content as a JSON string, edited_at (RFC 3339), edit window ms,
-- message rate limit, rate window ms, duplicate window ms, inbox cap, lowercase @names
-- to resolve (the first 20 registered ones count)...
-- Returns {message JSON, visibility, membership version, {room name, expires_at},
-- {bot id, bot name}, inbox items made: {{recipient id, item seq, type}...}}.
local room_id, seq, content_json, edited_at = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local window, inbox_cap, duplicate_window = tonumber(ARGV[7]), tonumber(ARGV[11]), tonumber(ARGV[10])
local bot_id, refused = required_caller()
if refused then return refused end
local limited = rate_peek('messages', bot_id, tonumber(ARGV[8]), tonumber(ARGV[9]))
local room, m, stored, unreachable = message_to_act_on(room_id, seq, bot_id, 'edit in it', 'it cannot be edited')
if unreachable then return unreachable end
if m.bot.id ~= bot_id then
  return fail('forbidden', 'Only its author may edit a message; message ' .. seq .. ' is ' .. m.bot.name .. "'s.")
end
local posted_at = redis.call('ZSCORE', K.posts(bot_id), room_id .. '|' .. seq)
if not posted_at or NOW - tonumber(posted_at) > window then
  return fail('forbidden', 'A message can be edited for ' .. duration_text(window) ..
    ' after posting; that time has passed for message ' .. seq .. '.')
end
if limited then return rate_exceeded() end
local content = cjson.decode(content_json)
if content == m.content then
  return fail('duplicate_message', 'Message ' .. seq .. ' already says exactly this.')
end
local duplicate = K.dup(room_id, bot_id, redis.sha1hex(content_json))
if redis.call('EXISTS', duplicate) == 1 then
  return fail('duplicate_message', 'You posted exactly this in this room within the last ' ..
    duration_text(duplicate_window) .. '.')
end

-- Who the message already addressed: its mentions, and the replied-to author.
local addressed = {}
for _, name in ipairs(m.mentions or {}) do
  local id = redis.call('GET', K.name(name))
  if id then addressed[id] = true end
end
if m.reply_to ~= cjson.null then
  local target = stored_message(room_id, m.reply_to)
  local author = target and author_of(target)
  if author then addressed[author] = true end
end
local mentions, fresh = {}, {}
for _, bot in ipairs(resolve_mentions(12)) do
  table.insert(mentions, bot.name)
  if not addressed[bot.id] then table.insert(fresh, bot.id) end
end

local versions = redis.call('ZCOUNT', K.edits(room_id), seq, seq)
redis.call('ZADD', K.edits(room_id), seq, cjson.encode({v = versions + 1, content = m.content,
  at = m.edited_at or m.created_at}))
if room.expires_at then
  redis.call('PEXPIREAT', K.edits(room_id), room.expires_at + KEY_GRACE_MS)
end
m.content, m.mentions, m.edited_at = content, mentions, edited_at
stored = message_json(m)
replace_message(room_id, seq, stored)
redis.call('SET', duplicate, seq, 'PX', duplicate_window)

-- Inbox items for the newly mentioned, on the rules of posting.
local items = {}
for _, id in ipairs(fresh) do
  if id ~= bot_id and accepts_from(id, bot_id)
      and (room.visibility ~= 'private' or is_member(room, id)) then
    table.insert(items, {id, inbox_add(id, 'mention', room, seq, bot_id, inbox_cap), 'mention'})
  end
end
rate_consume()
touch_in(room, bot_id)
return ok({stored, room.visibility, mver(room), {room.name, room.expires_at or ''},
  {bot_id, m.bot.name}, items})
