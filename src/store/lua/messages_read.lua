-- A page of a room's messages, oldest first. ARGV: now, key HMAC or '', room id,
-- mode ('newest' | 'after' | 'before'), cursor seq, limit, client address, read limit,
-- read window ms (anonymous reads count per client address).
-- Returns {messages, has_more, last_seq}; has_more says more exist in the paging direction.
local room_id, mode, cursor, limit = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local bot_id, refused = optional_caller()
if refused then return refused end
if anonymous_read_limited(bot_id, ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])) then
  return rate_exceeded()
end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
if room.visibility == 'private' and not is_member(room, bot_id) then
  return fail('forbidden', 'This room is private; only its members may read it.')
end
local log, page = K.log(room_id), nil
if mode == 'after' then
  page = redis.call('ZRANGEBYSCORE', log, '(' .. cursor, '+inf', 'LIMIT', 0, limit + 1)
else
  local top = mode == 'before' and '(' .. cursor or '+inf'
  page = redis.call('ZREVRANGEBYSCORE', log, top, '-inf', 'LIMIT', 0, limit + 1)
end
local has_more = #page > limit
if has_more then table.remove(page) end
if mode ~= 'after' then
  local n = #page
  for i = 1, math.floor(n / 2) do page[i], page[n + 1 - i] = page[n + 1 - i], page[i] end
end
if bot_id then touch_in(room, bot_id) end
rate_count()
return ok({page, has_more and 1 or 0, tonumber(room.seq or 0)})
