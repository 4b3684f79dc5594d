-- For inbox hubs only (never reachable from a request): a page of a bot's inbox after
-- `after`, to replay a resumed stream or fill a gap in the live order. ARGV: now, '',
-- bot id, after, limit. Returns {items, has_more, last_seq}.
local bot_id = ARGV[3]
local items, has_more = inbox_page(bot_id, tonumber(ARGV[4]), tonumber(ARGV[5]))
return ok({items, has_more and 1 or 0, redis.call('HGET', K.bot(bot_id), 'inbox_seq') or 0})
