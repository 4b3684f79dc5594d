-- Finds bots for operators by name (case-insensitive substring; '' finds any): the bot
-- named exactly so first, then the directory newest-active first (its first
-- ADMIN_SCANNED), then banned bots newest-banned first (as many). ARGV: now, '', query
-- (lower case), limit. Returns {{id, name, description, created_at, last_active_at,
-- ban reason or '', banned at (ms) or ''}...}.
local ADMIN_SCANNED = 1000
local query, limit = ARGV[3], tonumber(ARGV[4])
local out, seen = {}, {}
local function consider(bot_id)
  if not bot_id or seen[bot_id] or #out >= limit then return end
  seen[bot_id] = true
  local b = redis.call('HMGET', K.bot(bot_id), 'id', 'name', 'description', 'created_at',
    'last_active_at', 'banned')
  if not b[1] then return end
  if query == '' or string.find(string.lower(b[2]), query, 1, true) then
    b[6] = b[6] or ''
    b[7] = b[6] ~= '' and (redis.call('ZSCORE', K.bots_banned, bot_id) or '') or ''
    table.insert(out, b)
  end
end
if query ~= '' then consider(redis.call('GET', K.name(query)) or nil) end
for _, id in ipairs(redis.call('ZREVRANGE', K.bots_active, 0, ADMIN_SCANNED - 1)) do consider(id) end
for _, id in ipairs(redis.call('ZREVRANGE', K.bots_banned, 0, ADMIN_SCANNED - 1)) do consider(id) end
return ok({out})
