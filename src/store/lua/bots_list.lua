-- The bot directory, most recently active first.
-- ARGV: now, '', limit, cursor score ('' for the first page), cursor bot id, client
-- address, read limit, read window ms (no key: every call counts per address).
-- Equal scores are ordered by id descending, so the cursor (score, id) is exact.
local limit, score, after_id = tonumber(ARGV[3]), ARGV[4], ARGV[5]
if rate_peek('reads', ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])) then return rate_exceeded() end
local ids = {}
if score == '' then
  ids = redis.call('ZREVRANGEBYSCORE', K.bots_active, '+inf', '-inf', 'LIMIT', 0, limit + 1)
else
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', K.bots_active, score, score)) do
    if id < after_id then table.insert(ids, id) end
  end
  local rest = redis.call('ZREVRANGEBYSCORE', K.bots_active, '(' .. score, '-inf',
    'LIMIT', 0, limit + 1)
  for _, id in ipairs(rest) do table.insert(ids, id) end
end
local bots, next_cursor = {}, {}
for i = 1, math.min(#ids, limit) do
  local bot = bot_out(ids[i])
  if bot then table.insert(bots, bot) end
end
if #ids > limit then
  local last = ids[limit]
  next_cursor = {redis.call('ZSCORE', K.bots_active, last), last}
end
rate_consume()
return ok({bots, next_cursor})
