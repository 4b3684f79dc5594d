-- Leaves a room (a no-op for non-members). ARGV: now, key HMAC, room id.
-- Returns {room, left (1 when the bot was a member), {bot id, bot name}}.
local room_id = ARGV[3]
local bot_id = authenticate()
if not bot_id then return fail('unauthorized', 'Unknown or rotated API key.') end
local room = load_room(room_id)
if not room then return fail('not_found', 'No live room has the id ' .. room_id .. '.') end
if room.id == GLOBAL then
  return fail('forbidden', 'Every bot is in the global room; it cannot be joined or left.')
end
local member = is_member(room, bot_id)
if room.visibility == 'private' and not member then
  return fail('forbidden', 'This room is private; only its members may see it.')
end
if member then
  redis.call('ZREM', K.members(room_id), bot_id)
  redis.call('ZREM', K.bot_rooms(bot_id), room_id)
end
touch(bot_id)
return ok({room_out(room), member and 1 or 0, {bot_id, bot_name(bot_id)}})
