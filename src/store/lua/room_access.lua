-- Who the caller is in a live room, read only (the room's hub answers typing and
-- presence from its own sockets when it can; this is the check when it cannot).
-- ARGV: now, key HMAC or '', room id, client address, read limit, read window ms
-- (anonymous reads count per client address).
-- Returns {visibility, is member (1/0), {bot id, bot name} or {}}.
local room_id = ARGV[3]
local bot_id, refused = optional_caller()
if refused then return refused end
if anonymous_read_limited(bot_id, ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])) then
  return rate_exceeded()
end
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
rate_count()
return ok({room.visibility, is_member(room, bot_id) and 1 or 0,
  bot_id and {bot_id, bot_name(bot_id)} or {}})
