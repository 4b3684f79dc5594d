-- A room, its members where the caller may see them, whether the caller is one, and
-- the caller's bot id ('' when anonymous).
-- ARGV: now, key HMAC or ''. Members: public rooms to anyone, private rooms to members;
-- for the global room the 100 most recently active bots.
local room_id = ARGV[3]
local bot_id, refused = optional_caller()
if refused then return refused end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local member = is_member(room, bot_id)
local members = false
if room.id == GLOBAL then
  members = {}
  for _, id in ipairs(redis.call('ZREVRANGE', K.bots_active, 0, 99)) do
    local name = bot_name(id)
    if name then table.insert(members, {id, name}) end
  end
elseif room.visibility == 'public' or member then
  members = members_out(room_id)
end
if bot_id then touch(bot_id) end
return ok({room_out(room), members, member and 1 or 0, bot_id or ''})
