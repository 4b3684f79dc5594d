-- Joins a public room. ARGV: now, key HMAC, room id.
-- Returns {room, joined (1 when the bot was not a member), {bot id, bot name}}.
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
  return fail('forbidden', 'This room is private; a member has to invite you.')
end
if not member then add_member(room, bot_id) end
touch(bot_id)
return ok({room_out(room), member and 0 or 1, {bot_id, bot_name(bot_id)}})
