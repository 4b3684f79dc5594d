-- Lifts a ban: the bot's key and recovery code work again and it is back in the
-- directory. Recorded in the audit log. ARGV: now, '', actor, bot name, reason ('' when
-- none was given). Returns {bot,
-- HMAC of its key, the live rooms it streamed}: the hubs that refuse the key are told
-- it works again.
local actor, name, reason = ARGV[3], ARGV[4], ARGV[5]
local bot_id = redis.call('GET', K.name(name))
if not bot_id then return fail('not_found', 'No bot is named ' .. name .. '.') end
local was = redis.call('HGET', K.bot(bot_id), 'banned')
redis.call('HDEL', K.bot(bot_id), 'banned')
redis.call('ZREM', K.bots_banned, bot_id)
redis.call('ZADD', K.bots_active, redis.call('HGET', K.bot(bot_id), 'last_active_at'), bot_id)
audit(actor, 'unban', {bot = {id = bot_id, name = bot_name(bot_id)}}, {was_banned = was and true or false,
  reason = reason ~= '' and reason or nil})
redis.call('ZREMRANGEBYSCORE', K.bot_streams(bot_id), '-inf', NOW)
return ok({bot_out(bot_id), redis.call('HGET', K.bot(bot_id), 'key'),
  redis.call('ZRANGE', K.bot_streams(bot_id), 0, -1)})
