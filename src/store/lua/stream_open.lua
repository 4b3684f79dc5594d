-- Checks a stream upgrade: the room, and whether the caller is a member. A bot that
-- sends its key has the room recorded among its streams, so the hubs holding its
-- sockets can be told when the key stops working; at most MAX_STREAM_ROOMS live rooms.
-- ARGV: now, key HMAC or '', room id, client address, read limit, read window ms.
-- Returns {room, is member (1/0), caller bot id or '', membership version, caller name
-- or ''}.
local MAX_STREAM_ROOMS = 200
local room_id, client = ARGV[3], ARGV[4]
local bot_id, refused = optional_caller()
if refused then return refused end
if anonymous_read_limited(bot_id, client, tonumber(ARGV[5]), tonumber(ARGV[6])) then
  return rate_exceeded()
end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
if bot_id then
  local streams = K.bot_streams(bot_id)
  redis.call('ZREMRANGEBYSCORE', streams, '-inf', NOW)
  if not redis.call('ZSCORE', streams, room_id) and redis.call('ZCARD', streams) >= MAX_STREAM_ROOMS then
    return fail('forbidden', 'A key may stream at most ' .. MAX_STREAM_ROOMS ..
      ' live rooms; close streams of rooms you no longer watch and wait for those rooms to end.')
  end
  redis.call('ZADD', streams, room.expires_at or '+inf', room_id)
  touch_in(room, bot_id)
end
rate_count()
return ok({room_out(room), is_member(room, bot_id) and 1 or 0, bot_id or '', mver(room),
  bot_id and bot_name(bot_id) or ''})
