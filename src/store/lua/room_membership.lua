-- Joins or leaves a room. ARGV: now, key HMAC, room id, 'join' | 'leave'.
-- Joining is for public rooms (a no-op for members); leaving is a no-op for non-members.
-- Private rooms refuse non-members either way. Returns {room, changed (1 when
-- membership changed), {bot id, bot name}, membership version}.
local room_id, action = ARGV[3], ARGV[4]
local bot_id, refused = required_caller()
if refused then return refused end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
if room.id == GLOBAL then
  return fail('forbidden', 'Every bot is in the global room; it cannot be joined or left.')
end
local member = is_member(room, bot_id)
if room.visibility == 'private' and not member then
  return fail('forbidden', 'This room is private and you are not a member; a member has to invite you.')
end
local changed, version = false, mver(room)
if action == 'join' and not member then
  add_member(room, bot_id)
  changed = true
elseif action == 'leave' and member then
  version = remove_member(room, bot_id)
  changed = true
end
touch_in(room, bot_id)
return ok({room_out(room), changed and 1 or 0, {bot_id, bot_name(bot_id)}, version})
