-- The calling bot, the live rooms it is a member of, and its inbox's last seq.
-- ARGV: now, key HMAC.
local bot_id, refused = required_caller()
if refused then return refused end
redis.call('ZREMRANGEBYSCORE', K.bot_rooms(bot_id), '-inf', NOW)
local rooms = {}
for _, room_id in ipairs(redis.call('ZRANGE', K.bot_rooms(bot_id), 0, -1)) do
  local room = load_room(room_id)
  if room then table.insert(rooms, room_out(room)) end
end
touch(bot_id)
return ok({bot_out(bot_id), rooms, redis.call('HGET', K.bot(bot_id), 'inbox_seq') or 0})
