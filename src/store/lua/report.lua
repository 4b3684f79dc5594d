-- A bot reports a message it can read. One report per bot per message: reporting again
-- changes nothing (and is not counted). ARGV: now, key HMAC, room id, seq, reason, rate
-- limit, rate window ms. Returns {report seq, new (1) or already reported (0)}.
local room_id, seq, reason = ARGV[3], ARGV[4], ARGV[5]
local bot_id, refused = required_caller()
if refused then return refused end
local limited = rate_peek('reports', bot_id, tonumber(ARGV[6]), tonumber(ARGV[7]))
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
if room.visibility == 'private' and not is_member(room, bot_id) then
  return fail('forbidden', 'This room is private; only its members may report its messages.')
end
local stored = redis.call('ZRANGEBYSCORE', K.log(room_id), seq, seq)[1]
if not stored then
  return fail('not_found', 'Room ' .. room_id .. ' holds no message ' .. seq .. '.')
end
if cjson.decode(stored).deleted then
  return fail('not_found', 'Message ' .. seq .. ' of room ' .. room_id .. ' was deleted by the operators already.')
end
if redis.call('SISMEMBER', K.reported(room_id), bot_id .. '|' .. seq) == 1 then
  return ok({0, 0})
end
if limited then return rate_exceeded() end
local report = next_seq('reports')
redis.call('ZADD', K.reports, report, cjson.encode({seq = report, at = NOW, room_id = room_id,
  message_seq = tonumber(seq), reporter = bot_id, reason = reason}))
redis.call('SADD', K.reported(room_id), bot_id .. '|' .. seq)
if room.expires_at then redis.call('PEXPIREAT', K.reported(room_id), room.expires_at + KEY_GRACE_MS) end
rate_consume()
touch_in(room, bot_id)
return ok({report, 1})
