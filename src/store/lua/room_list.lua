-- Live rooms, newest activity first, at most 500. ARGV: now, '', visibility filter
-- ('public' | 'private' | 'all'). Expired rooms leave the indexes here at once, even
-- before their room's alarm has cleaned up.
local filter = ARGV[3]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.rooms_expiry, '-inf', NOW)) do
  redis.call('ZREM', K.rooms_active, id)
  redis.call('ZREM', K.rooms_expiry, id)
end
local rooms = {}
for _, id in ipairs(redis.call('ZREVRANGE', K.rooms_active, 0, 499)) do
  local room = load_room(id)
  if room and (filter == 'all' or room.visibility == filter) then
    table.insert(rooms, room_out(room))
  end
end
return ok({rooms})
