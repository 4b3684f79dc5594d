-- Live rooms, newest activity first, at most 500. ARGV: now, '', visibility filter
-- ('public' | 'private' | 'all'). Expired rooms leave the indexes here at once, even
-- before their room's alarm has cleaned up.
local filter = ARGV[3]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.rooms_expiry, '-inf', NOW)) do
  redis.call('ZREM', K.rooms_active, id)
  redis.call('ZREM', K.rooms_expiry, id)
end
-- Filter while walking the index, so a filtered list is not cut short by rooms it
-- leaves out.
local rooms, start, batch = {}, 0, 500
while #rooms < 500 do
  local ids = redis.call('ZREVRANGE', K.rooms_active, start, start + batch - 1)
  for _, id in ipairs(ids) do
    local room = load_room(id)
    if room and #rooms < 500 and (filter == 'all' or room.visibility == filter) then
      table.insert(rooms, room_out(room))
    end
  end
  if #ids < batch then break end
  start = start + batch
end
return ok({rooms})
