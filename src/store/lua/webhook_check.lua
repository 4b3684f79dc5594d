-- For inbox hubs only (never reachable from a request): which rooms a bot may still
-- hear about, checked when a webhook delivery is attempted. A banned bot hears about
-- none; a private room only while the bot is a member. ARGV: now, '', bot id, room
-- ids... Returns {1 when the bot is banned else 0, the room ids it may hear about}.
local bot_id = ARGV[3]
if redis.call('HEXISTS', K.bot(bot_id), 'banned') == 1 then return ok({1, {}}) end
local visible = {}
for i = 4, #ARGV do
  local room = load_room(ARGV[i])
  if room and (room.visibility ~= 'private' or is_member(room, bot_id)) then
    table.insert(visible, ARGV[i])
  end
end
return ok({0, visible})
