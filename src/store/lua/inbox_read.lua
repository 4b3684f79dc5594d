-- A page of the caller's inbox, oldest first. ARGV: now, key HMAC, after, limit.
-- Returns {items (see inbox_item in helpers.lua), has_more, last_seq}.
local bot_id, refused = required_caller()
if refused then return refused end
local items, has_more = inbox_page(bot_id, tonumber(ARGV[3]), tonumber(ARGV[4]))
touch(bot_id)
return ok({items, has_more and 1 or 0, redis.call('HGET', K.bot(bot_id), 'inbox_seq') or 0})
