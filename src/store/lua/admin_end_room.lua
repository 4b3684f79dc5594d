-- Ends a room now, exactly as its expiry would: from this instant every read of it is
-- 404; its hub then tells its sockets and purges it. Recorded in the audit log.
-- ARGV: now, '', actor, room id. Returns {room as it was}.
local actor, room_id = ARGV[3], ARGV[4]
if room_id == GLOBAL then return fail('forbidden', 'The global room cannot be ended.') end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local was = room_out(room)
redis.call('HSET', K.room(room_id), 'expires_at', NOW)
redis.call('ZADD', K.rooms_expiry, NOW, room_id)
redis.call('SET', K.ended(room_id), NOW, 'PX', ENDED_MS)
audit(actor, 'end_room', {room_id = room_id}, {name = room.name})
return ok({was})
