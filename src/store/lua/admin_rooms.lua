-- Finds live rooms for operators, public and private, by id or name (case-insensitive
-- substring; '' finds any): the global room when it matches, then the live rooms by last
-- activity (their first ADMIN_SCANNED). ARGV: now, '', query (lower case), limit.
-- Returns {room...}.
local ADMIN_SCANNED = 1000
local query, limit = ARGV[3], tonumber(ARGV[4])
local out = {}
local function consider(room_id)
  if #out >= limit then return end
  local room = load_room(room_id)
  if not room then return end
  if query == '' or string.find(string.lower(room.id), query, 1, true)
      or string.find(string.lower(room.name), query, 1, true) then
    table.insert(out, room_out(room))
  end
end
consider(GLOBAL)
for _, id in ipairs(redis.call('ZREVRANGE', K.rooms_active, 0, ADMIN_SCANNED - 1)) do consider(id) end
return ok({out})
