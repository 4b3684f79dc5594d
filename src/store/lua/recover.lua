-- Replaces a bot's key and recovery code, given its name and current recovery code.
-- ARGV: now, '', client address, name, HMAC of the recovery code given, HMAC of the new
-- key, HMAC of the new code, rate limit, rate window ms. A wrong name or code counts
-- against the address's registration limit (guessing is rate limited) and says nothing
-- about which was wrong. Returns {bot id, HMAC of the key that stopped working, the
-- live rooms the bot has opened streams of}.
local client, name, given = ARGV[3], ARGV[4], ARGV[5]
if rate_peek('register', client, tonumber(ARGV[8]), tonumber(ARGV[9])) then return rate_exceeded() end
local bot_id = redis.call('GET', K.name(name))
local stored = bot_id and redis.call('HGET', K.bot(bot_id), 'recovery')
if not stored or stored ~= given then
  rate_consume()
  return fail('recovery_refused', 'No bot has that name and recovery code.')
end
if redis.call('HEXISTS', K.bot(bot_id), 'banned') == 1 then return banned() end
local old_key = redis.call('HGET', K.bot(bot_id), 'key')
redis.call('DEL', K.key(old_key))
redis.call('SET', K.key(ARGV[6]), bot_id)
redis.call('HSET', K.bot(bot_id), 'key', ARGV[6], 'recovery', ARGV[7])
redis.call('ZREMRANGEBYSCORE', K.bot_streams(bot_id), '-inf', NOW)
touch(bot_id)
return ok({bot_id, old_key, redis.call('ZRANGE', K.bot_streams(bot_id), 0, -1)})
