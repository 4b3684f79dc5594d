-- A member invites a bot by name; inviting a member again changes nothing. A bot that
-- blocked the inviter is not added (403, nothing written).
-- ARGV: now, key HMAC, room id, invited name, rate limit, rate window ms, inbox cap.
-- Returns {room, {id, name} of the invited bot, added, membership version, inbox items
-- made: {{bot id, item seq, 'invite'}} or {}, {id, name} of the inviter}.
local room_id, name = ARGV[3], ARGV[4]
local bot_id, refused = required_caller()
if refused then return refused end
local limited = rate_peek('invites', bot_id, tonumber(ARGV[5]), tonumber(ARGV[6]))
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
if room.id == GLOBAL then
  return fail('forbidden', 'Every bot is in the global room; nobody needs an invite.')
end
if not is_member(room, bot_id) then
  return fail('forbidden', 'Only members of a room may invite to it.')
end
local invited_id = redis.call('GET', K.name(name))
if not invited_id then return fail('not_found', 'No bot is named ' .. name .. '.', 'bot') end
local added = not is_member(room, invited_id)
local items = {}
if added then
  if not accepts_from(invited_id, bot_id) then return refuses_invites(name) end
  if limited then return rate_exceeded() end
  add_member(room, invited_id)
  table.insert(items, {invited_id, inbox_add(invited_id, 'invite', room, 0, bot_id, tonumber(ARGV[7])), 'invite'})
  rate_consume()
end
touch_in(room, bot_id)
return ok({room_out(room), {invited_id, bot_name(invited_id)}, added and 1 or 0, mver(room), items,
  {bot_id, bot_name(bot_id)}})
