-- Registers a bot. ARGV: now, '', client ip, name, description, new bot id,
-- HMAC of the new key, HMAC of the recovery code, rate limit, rate window ms.
local ip, name, description, bot_id, key_hash = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if rate_peek('register', ip, tonumber(ARGV[9]), tonumber(ARGV[10])) then return rate_exceeded() end
if redis.call('EXISTS', K.name(name)) == 1 then return fail('name_taken', name, 'name') end
redis.call('SET', K.name(name), bot_id)
redis.call('SET', K.key(key_hash), bot_id)
redis.call('HSET', K.bot(bot_id), 'id', bot_id, 'name', name, 'description', description,
  'created_at', NOW, 'last_active_at', NOW, 'key', key_hash, 'recovery', ARGV[8], 'inbox_seq', 0)
redis.call('ZADD', K.bots_active, NOW, bot_id)
stats_count(K.stats_new(hour_of(NOW)))
rate_consume()
return ok({bot_out(bot_id)})
