-- For room hubs only (never reachable from a request): which of the given bots are
-- still members of a room, and the room's membership version, so a hub that missed a
-- removal can close the sockets of bots that are no longer members.
-- ARGV: now, '', room id, bot ids... Returns {membership version, member bot ids}.
local room = load_room(ARGV[3])
if not room then return ok({0, {}}) end
local members = {}
for i = 4, #ARGV do
  if is_member(room, ARGV[i]) then table.insert(members, ARGV[i]) end
end
return ok({mver(room), members})
