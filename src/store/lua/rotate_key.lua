-- Replaces a bot's API key; the old one stops working in the same instant.
-- ARGV: now, HMAC of the current key, HMAC of the new key.
local bot_id, refused = required_caller()
if refused then return refused end
redis.call('DEL', K.key(KEY_HASH))
redis.call('SET', K.key(ARGV[3]), bot_id)
redis.call('HSET', K.bot(bot_id), 'key', ARGV[3])
touch(bot_id)
return ok({})
