-- Ends a room now, exactly as its expiry would: from this instant every read of it is
-- 404; its hub then tells its sockets and purges it. The open reports of its messages
-- leave the queue. Recorded in the audit log. ARGV: now, '', actor, room id, reason (''
-- when none was given). Returns {room as it was, reports closed}.
local actor, room_id, reason = ARGV[3], ARGV[4], ARGV[5]
if room_id == GLOBAL then return fail('forbidden', 'The global room cannot be ended.') end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local was = room_out(room)
redis.call('HSET', K.room(room_id), 'expires_at', NOW)
redis.call('ZADD', K.rooms_expiry, NOW, room_id)
redis.call('SET', K.ended(room_id), NOW, 'PX', ENDED_MS)
local settled = close_reports(actor, 'room_ended', reason, function(report)
  return report.room_id == room_id
end)
audit(actor, 'end_room', {room_id = room_id},
  {name = room.name, reports_closed = settled, reason = reason ~= '' and reason or nil})
return ok({was, settled})
