-- For room hubs only (never reachable from a request): when a room ends, as ms since
-- the epoch; '' when Redis no longer has it (or it is the global room, which never
-- ends). ARGV: now, '', room id.
local room = load_room(ARGV[3])
if not room then return ok({''}) end
return ok({room.expires_at or ''})
