-- A message and every message in the kept history replying to it, directly or through
-- replies, oldest first. ARGV: now, key HMAC or '', room id, seq, limit, client address,
-- read limit, read window ms.
-- Returns {root JSON, {reply JSON...}, has_more}.
local room_id, seq, limit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
-- How many messages one batch of the scan reads.
local BATCH = 500
local bot_id, room, root, unreachable = message_to_read(room_id, seq, {ARGV[6], ARGV[7], ARGV[8]})
if unreachable then return unreachable end
-- Replies always come after what they reply to, so one forward scan from the root
-- finds the whole thread. `reply_to` is matched in the JSON text: content is a JSON
-- string, whose quotes are escaped, so the pattern can only meet the field itself.
local in_thread, replies, has_more, cursor = {[seq] = true}, {}, false, seq
while not has_more do
  local batch = redis.call('ZRANGEBYSCORE', K.log(room_id), '(' .. cursor, '+inf', 'LIMIT', 0, BATCH)
  for _, message in ipairs(batch) do
    local at = tonumber(string.match(message, '^{"id":"[^"]*","room_id":"[^"]*","seq":(%d+)'))
    local parent = tonumber(string.match(message, '"reply_to":(%d+)'))
    cursor = at or cursor
    if parent and in_thread[parent] then
      if #replies == limit then
        has_more = true
        break
      end
      in_thread[at] = true
      table.insert(replies, message)
    end
  end
  if #batch < BATCH then break end
end
if bot_id then touch_in(room, bot_id) end
rate_count()
return ok({root, replies, has_more and 1 or 0})
