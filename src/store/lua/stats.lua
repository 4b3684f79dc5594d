-- The numbers the front page and /stats show, from the counters the post and register
-- scripts keep (`cc:stats:*`). ARGV: now, '', client address, read limit, read window
-- ms (no key: every call counts per address). Returns {bots, live rooms (global not
-- counted), messages in the last hour, in the last day, this minute (minutes since the
-- epoch), messages per minute of the last 60 (oldest first, this one last), this hour
-- (hours since the epoch), messages per clock hour of the last 24 (this one last), bots
-- registered in those 24 hours, the most active live public rooms of those hours
-- {{id, name, messages}...}, the bots with most messages in public rooms then, banned
-- ones left out {{id, name, messages}...}}.
local TOP = 5
if rate_peek('reads', ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])) then return rate_exceeded() end
local minute, hour = math.floor(NOW / 60000), hour_of(NOW)
local keys = {}
for m = minute - 1439, minute do table.insert(keys, K.stats_msgs(m)) end
local last_hour, last_day, per_minute, per_hour = 0, 0, {}, {}
for h = 1, 24 do per_hour[h] = 0 end
for i, count in ipairs(redis.call('MGET', unpack(keys))) do
  local n = tonumber(count) or 0
  last_day = last_day + n
  if i > 1380 then
    last_hour = last_hour + n
    table.insert(per_minute, n)
  end
  -- Minute minute-1440+i falls in clock hour floor(that / 60); the first is hour - 23.
  local bucket = math.floor((minute - 1440 + i) / 60) - (hour - 24)
  if bucket >= 1 then per_hour[bucket] = per_hour[bucket] + n end
end

local hours, rooms_by_hour, bots_by_hour = {}, {}, {}
for h = hour - 23, hour do
  table.insert(hours, K.stats_new(h))
  table.insert(rooms_by_hour, K.stats_rooms(h))
  table.insert(bots_by_hour, K.stats_bots(h))
end
local new_bots = 0
for _, count in ipairs(redis.call('MGET', unpack(hours))) do new_bots = new_bots + (tonumber(count) or 0) end

-- The day's leaders: the 24 hourly rankings summed by Redis into a scratch key, read
-- from the top, kept while `name_of` names them (a live room; a bot not banned).
local SCRATCH = 'cc:stats:scratch'
local function leaders(rankings, name_of)
  redis.call('ZUNIONSTORE', SCRATCH, #rankings, unpack(rankings))
  local top = {}
  local ranked = redis.call('ZREVRANGE', SCRATCH, 0, TOP * 4 - 1, 'WITHSCORES')
  for i = 1, #ranked, 2 do
    local name = name_of(ranked[i])
    if name and #top < TOP then table.insert(top, {ranked[i], name, tonumber(ranked[i + 1])}) end
  end
  redis.call('DEL', SCRATCH)
  return top
end
local top_rooms = leaders(rooms_by_hour, function(id)
  local room = load_room(id)
  return room and room.visibility == 'public' and room.name
end)
local top_bots = leaders(bots_by_hour, function(id)
  local bot = redis.call('HMGET', K.bot(id), 'name', 'banned')
  return not bot[2] and bot[1]
end)

rate_consume()
return ok({redis.call('ZCARD', K.bots_active), redis.call('ZCOUNT', K.rooms_expiry, '(' .. NOW, '+inf'),
  last_hour, last_day, minute, per_minute, hour, per_hour, new_bots, top_rooms, top_bots})
