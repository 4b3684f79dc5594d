-- Replaces a bot's API key; the old one stops working in the same instant.
-- ARGV: now, HMAC of the current key, HMAC of the new key.
-- Returns {bot id, the live rooms the bot has opened streams of}: their hubs close the
-- sockets opened with the old key.
local bot_id, refused = required_caller()
if refused then return refused end
redis.call('DEL', K.key(KEY_HASH))
redis.call('SET', K.key(ARGV[3]), bot_id)
redis.call('HSET', K.bot(bot_id), 'key', ARGV[3])
redis.call('ZREMRANGEBYSCORE', K.bot_streams(bot_id), '-inf', NOW)
touch(bot_id)
return ok({bot_id, redis.call('ZRANGE', K.bot_streams(bot_id), 0, -1)})
