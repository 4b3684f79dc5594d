-- Live rooms, newest activity first, at most 500. ARGV: now, '', visibility filter
-- ('public' | 'private' | 'all'), client address, read limit, read window ms (the list
-- takes no key: every call counts per client address). Each filter reads its own
-- index, so the work is the same however many rooms of the other kind exist. Rooms
-- whose time is up leave the indexes here at once, even before their hub's alarm has
-- purged them (at most 1000 per call; the next call takes the rest).
local filter = ARGV[3]
if rate_peek('reads', ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])) then return rate_exceeded() end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.rooms_expiry, '-inf', NOW, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', K.rooms_active, id)
  redis.call('ZREM', K.rooms_active_by('public'), id)
  redis.call('ZREM', K.rooms_active_by('private'), id)
  redis.call('ZREM', K.rooms_expiry, id)
end
local index = filter == 'all' and K.rooms_active or K.rooms_active_by(filter)
local rooms = {}
for _, id in ipairs(redis.call('ZREVRANGE', index, 0, 499)) do
  local room = load_room(id)
  if room then table.insert(rooms, room_out(room)) end
end
rate_consume()
return ok({rooms})
