-- Brings the stored data up to this release's key layout (LAYOUT in keys.lua) and
-- says where it stands. GET /api/health runs it, so the deploy script's smoke check
-- upgrades a database right after a deploy; every step is idempotent, and data already
-- current costs one GET. ARGV: now, ''. Returns {layout the data was in, LAYOUT}; data
-- in a newer layout than this release knows is left alone (the caller reports it).
-- A database without the key is taken to be in layout 1 (every release before layouts
-- were recorded); an empty one is simply marked current.
local stored = tonumber(redis.call('GET', K.layout) or '1')
if stored > LAYOUT then return ok({stored, LAYOUT}) end

if stored < 2 then
  -- Layout 2 added per-visibility indexes of live rooms beside cc:rooms:active.
  local active = redis.call('ZRANGE', K.rooms_active, 0, -1, 'WITHSCORES')
  for i = 1, #active, 2 do
    local visibility = redis.call('HGET', K.room(active[i]), 'visibility')
    if visibility then redis.call('ZADD', K.rooms_active_by(visibility), active[i + 1], active[i]) end
  end
end

if stored < 3 then
  -- Layout 3 added the index of banned bots (the operators' bot search): banned bots
  -- are the ones with a `banned` reason. A one-time walk of the bots' names.
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', 'cc:name:*', 'COUNT', 1000)
    cursor = page[1]
    for _, key in ipairs(page[2]) do
      local bot_id = redis.call('GET', key)
      local bot = bot_id and redis.call('HMGET', K.bot(bot_id), 'banned', 'last_active_at')
      if bot and bot[1] then redis.call('ZADD', K.bots_banned, bot[2] or NOW, bot_id) end
    end
  until cursor == '0'
end

if stored ~= LAYOUT then redis.call('SET', K.layout, LAYOUT) end
return ok({stored, LAYOUT})
