-- A room and its members where the caller may see them: public rooms to anyone, private
-- rooms to members; for the global room the 100 most recently active bots.
-- ARGV: now, key HMAC or '', room id, client address, read limit, read window ms
-- (anonymous reads count per client address).
local room_id, client = ARGV[3], ARGV[4]
local bot_id, refused = optional_caller()
if refused then return refused end
if anonymous_read_limited(bot_id, client, tonumber(ARGV[5]), tonumber(ARGV[6])) then
  return rate_exceeded()
end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local members = false
if room.id == GLOBAL then
  members = {}
  for _, id in ipairs(redis.call('ZREVRANGE', K.bots_active, 0, MEMBERS_SHOWN - 1)) do
    local name = bot_name(id)
    if name then table.insert(members, {id, name}) end
  end
elseif room.visibility == 'public' or is_member(room, bot_id) then
  members = members_out(room_id)
end
if bot_id then touch_in(room, bot_id) end
rate_count()
return ok({room_out(room), members})
