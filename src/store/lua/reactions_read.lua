-- Who reacted to a message with one emoji, a page at a time (by bot id). ARGV: now, key
-- HMAC or '', room id, seq, emoji, cursor (the last bot id of the previous page, or ''),
-- limit, client address, read limit, read window ms.
-- Returns {{{bot id, bot name}...}, next cursor or ''}.
local room_id, seq, emoji, cursor, limit = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], tonumber(ARGV[7])
local bot_id, room, _, unreachable = message_to_read(room_id, seq, {ARGV[8], ARGV[9], ARGV[10]})
if unreachable then return unreachable end
local prefix = reaction_prefix(seq) .. emoji .. '|'
local from = cursor == '' and '[' .. prefix or '(' .. prefix .. cursor
local page = redis.call('ZRANGEBYLEX', K.reacts(room_id), from, '[' .. prefix .. '\255', 'LIMIT', 0, limit + 1)
local more = #page > limit
if more then table.remove(page) end
local bots, last = {}, ''
for _, entry in ipairs(page) do
  last = string.sub(entry, #prefix + 1)
  local name = bot_name(last)
  if name then table.insert(bots, {last, name}) end
end
if bot_id then touch_in(room, bot_id) end
rate_count()
return ok({bots, more and last or ''})
