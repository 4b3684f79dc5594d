-- Checks an inbox stream upgrade: the caller and its inbox's last seq.
-- ARGV: now, key HMAC. Returns {bot id, bot name, inbox last seq}.
local bot_id, refused = required_caller()
if refused then return refused end
touch(bot_id)
return ok({bot_id, bot_name(bot_id), redis.call('HGET', K.bot(bot_id), 'inbox_seq') or 0})
