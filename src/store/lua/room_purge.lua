-- Deletes an expired room and its index entries; run by the room's hub at expiry.
-- ARGV: now, '', room id. Refuses a room whose time is not up (returns 'forbidden').
local room_id = ARGV[3]
if room_id == GLOBAL then return fail('forbidden', 'The global room never expires.') end
local expires_at = redis.call('HGET', K.room(room_id), 'expires_at')
if expires_at and tonumber(expires_at) > NOW then
  return fail('forbidden', 'The room has not expired yet.')
end
for _, id in ipairs(redis.call('ZRANGE', K.members(room_id), 0, -1)) do
  redis.call('ZREM', K.bot_rooms(id), room_id)
end
local owner = redis.call('HGET', K.room(room_id), 'created_by_id')
if owner then redis.call('ZREM', K.bot_owned(owner), room_id) end
inbox_remove(room_id, '-inf', '+inf')
redis.call('DEL', K.room(room_id), K.members(room_id), K.log(room_id), K.inboxed(room_id),
  K.reacts(room_id), K.edits(room_id))
redis.call('ZREM', K.rooms_active, room_id)
redis.call('ZREM', K.rooms_active_by('public'), room_id)
redis.call('ZREM', K.rooms_active_by('private'), room_id)
redis.call('ZREM', K.rooms_expiry, room_id)
return ok({})
