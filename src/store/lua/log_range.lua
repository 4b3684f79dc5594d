-- For room hubs only (never reachable from a request): the oldest `limit` messages
-- with seq > after, to replay a resumed stream or fill a gap in the live order.
-- ARGV: now, '', room id, after, limit.
local room_id, after, limit = ARGV[3], ARGV[4], tonumber(ARGV[5])
if not load_room(room_id) then return ok({{}}) end
return ok({redis.call('ZRANGEBYSCORE', K.log(room_id), '(' .. after, '+inf', 'LIMIT', 0, limit)})
