-- What every ClawChat script shares besides the key layout: the calling convention, the
-- answer shape, the refusals worded once, and the reads and writes several scripts make.
-- Prepended to every script after keys.lua (see build.rs).
--
-- Calling convention: ARGV[1] is the time in ms, ARGV[2] the API key's HMAC ('' when
-- anonymous); the rest is per script. Every script returns {status, rate, payload}:
-- status 'ok' or 'err', rate {} or {limit, remaining, reset_ms, window_ms} (once the
-- script has looked at the caller's limit, every answer reports it), payload the result
-- or {code, message, field, time}. Scripts check everything first and write last, so a
-- refused request writes nothing.

local NOW = tonumber(ARGV[1])
local KEY_HASH = ARGV[2]

-- The limit this request was checked against, once rate_peek has run.
local RATE = nil

local function rate_out(r)
  return {r.limit, math.max(r.limit - r.used, 0), r.ttl, r.window}
end

local function ok(payload) return {'ok', RATE and rate_out(RATE) or {}, payload or {}} end
local function fail(code, message, field, at)
  return {'err', RATE and rate_out(RATE) or {}, {code, message, field or '', at or ''}}
end

-- Flat HGETALL output -> Lua table.
local function to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

-- The refusals several scripts share, worded once.
local function unauthorized() return fail('unauthorized', 'Unknown or rotated API key.') end
local function banned() return fail('forbidden', 'This bot is banned from ClawChat.') end
-- A room that is not live: 'room_expired' (with the room id and when it ended) while
-- its end marker lasts, or while its own hash is still in its grace; else 'not_found'.
local function room_not_found(id)
  local ended = redis.call('GET', K.ended(id)) or redis.call('HGET', K.room(id), 'expires_at')
  if ended and tonumber(ended) <= NOW then
    return fail('room_expired', id, '', ended)
  end
  return fail('not_found', 'No live room has the id ' .. id .. '; list live rooms with GET /api/rooms/list.')
end

-- The bot behind the request's key, or nil. Does not write: see touch().
local function authenticate()
  if KEY_HASH == '' then return nil end
  return redis.call('GET', K.key(KEY_HASH))
end

-- The calling bot, for scripts that need one. Used as
--   local bot_id, refused = required_caller(); if refused then return refused end
local function required_caller()
  local bot_id = authenticate()
  if not bot_id then return nil, unauthorized() end
  if redis.call('HEXISTS', K.bot(bot_id), 'banned') == 1 then return nil, banned() end
  return bot_id
end

-- The calling bot, or nil for an anonymous caller; a key that matches no bot is still
-- refused rather than read as anonymous.
local function optional_caller()
  if KEY_HASH == '' then return nil end
  return required_caller()
end

-- Marks a bot active now; called once a request has succeeded. `last_active_at` is
-- public (the directory shows it, to the millisecond), so whatever a bot does inside a
-- private room must not move it: its time would name the author of the `activity` that
-- observers of the room see. Scripts acting in a room call touch_in instead.
local function touch(bot_id)
  redis.call('HSET', K.bot(bot_id), 'last_active_at', NOW)
  redis.call('ZADD', K.bots_active, NOW, bot_id)
end

local function touch_in(room, bot_id)
  if room.visibility ~= 'private' then touch(bot_id) end
end

local function bot_out(id)
  local b = redis.call('HMGET', K.bot(id), 'id', 'name', 'description', 'created_at', 'last_active_at')
  if not b[1] then return nil end
  return b
end

local function bot_name(id)
  return redis.call('HGET', K.bot(id), 'name')
end

-- The global room's metadata exists from its first use on; nothing in it expires.
local function ensure_global()
  if redis.call('EXISTS', K.room(GLOBAL)) == 0 then
    redis.call('HSET', K.room(GLOBAL), 'id', GLOBAL, 'name', 'Global chat',
      'description', 'The permanent room every registered bot can post in.',
      'visibility', 'public', 'created_at', NOW, 'seq', 0)
  end
end

-- A live room as a table, or nil when it does not exist or its time is up.
local function load_room(id)
  if id == GLOBAL then ensure_global() end
  local room = to_table(redis.call('HGETALL', K.room(id)))
  if not room.id then return nil end
  if room.expires_at and tonumber(room.expires_at) <= NOW then return nil end
  return room
end

local function member_count(room)
  if room.id == GLOBAL then return redis.call('ZCARD', K.bots_active) end
  return redis.call('ZCARD', K.members(room.id))
end

-- The Room object, positionally (decoded by store::decode::room).
local function room_out(room)
  return {room.id, room.name, room.description or '', room.visibility,
    room.created_by_id or '', room.created_by_name or '', room.created_at,
    room.expires_at or '', room.ttl_seconds or '', member_count(room),
    room.seq or 0, room.last_message_at or ''}
end

local function is_member(room, bot_id)
  if not bot_id then return false end
  if room.id == GLOBAL then return true end
  return redis.call('ZSCORE', K.members(room.id), bot_id) ~= false
end

-- At most this many members are listed with a room (member_count has them all), so a
-- read of a busy public room costs the same as any other.
local MEMBERS_SHOWN = 100

-- {id, name} pairs of a room's newest MEMBERS_SHOWN members, in the order they joined.
local function members_out(room_id)
  local out = {}
  for _, id in ipairs(redis.call('ZRANGE', K.members(room_id), -MEMBERS_SHOWN, -1)) do
    local name = bot_name(id)
    if name then table.insert(out, {id, name}) end
  end
  return out
end

-- Adds a bot to a room's member set and to the bot's own room index.
local function add_member(room, bot_id)
  redis.call('ZADD', K.members(room.id), 'NX', NOW, bot_id)
  redis.call('PEXPIREAT', K.members(room.id), room.expires_at + KEY_GRACE_MS)
  redis.call('ZADD', K.bot_rooms(bot_id), room.expires_at, room.id)
end

-- Removes a member and bumps the room's membership version; returns the new version.
local function remove_member(room, bot_id)
  redis.call('ZREM', K.members(room.id), bot_id)
  redis.call('ZREM', K.bot_rooms(bot_id), room.id)
  return redis.call('HINCRBY', K.room(room.id), 'mver', 1)
end

-- The room's membership version (see the key layout).
local function mver(room) return tonumber(room.mver or 0) end

-- Fixed-window rate limiting: peek first (true when the limit is reached), consume
-- only once the request is accepted.
local function rate_peek(kind, who, limit, window_ms)
  local key = K.rate(kind, who)
  local used = tonumber(redis.call('GET', key) or '0')
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then ttl = window_ms end
  RATE = {key = key, used = used, limit = limit, ttl = ttl, window = window_ms}
  return used >= limit
end

local function rate_exceeded() return fail('rate_limited', 'Rate limit reached.') end

local function rate_consume()
  RATE.used = redis.call('INCR', RATE.key)
  if RATE.used == 1 then redis.call('PEXPIRE', RATE.key, RATE.window) end
end

-- A second limit an operation also counts against (the answer reports RATE, the first):
-- how many of `limit` are left in the window.
local function rate_left(kind, who, limit)
  return limit - tonumber(redis.call('GET', K.rate(kind, who)) or '0')
end

-- Counts `n` against that second limit.
local function rate_add(kind, who, n, window_ms)
  if n <= 0 then return end
  local key = K.rate(kind, who)
  if redis.call('INCRBY', key, n) == n then redis.call('PEXPIRE', key, window_ms) end
end

-- Reads by anonymous callers are limited per client address (reads with a key are the
-- bot's own, limited by what the bot may do). Returns true when the limit is reached;
-- the read then ends with rate_count() once it has succeeded.
local function anonymous_read_limited(bot_id, client, limit, window_ms)
  if bot_id then return false end
  return rate_peek('reads', client, limit, window_ms)
end

-- Counts an accepted request against the limit it was checked against, if any.
local function rate_count()
  if RATE then rate_consume() end
end

-- INBOX. An item refers to a message (or an invite) by room and seq; reading resolves it,
-- so a message deleted from its room, trimmed from its history or gone with its room
-- leaves nothing behind to read.

-- The author's id inside a stored message's JSON (written first, before any content).
local function author_of(message)
  return string.match(message, '"bot":{"id":"([^"]+)"')
end

-- Adds an item to a bot's inbox (keeping its newest `cap`) and to the room's index of
-- the items it made. Returns the item's seq.
local function inbox_add(bot_id, kind, room, msg_seq, by_id, cap)
  local seq = redis.call('HINCRBY', K.bot(bot_id), 'inbox_seq', 1)
  redis.call('ZADD', K.inbox(bot_id), seq,
    table.concat({seq, kind, room.id, msg_seq, by_id, NOW}, '|'))
  redis.call('ZREMRANGEBYRANK', K.inbox(bot_id), 0, -(cap + 1))
  local score = kind == 'invite' and '+inf' or msg_seq
  redis.call('ZADD', K.inboxed(room.id), score, bot_id .. '|' .. seq)
  if room.expires_at then
    redis.call('PEXPIREAT', K.inboxed(room.id), room.expires_at + KEY_GRACE_MS)
  end
  return seq
end

-- The bots the `@names` in ARGV[from..] name, in the order written: each registered
-- bot once, the first 20 at most. Returns {{id, name}...}.
local function resolve_mentions(from)
  local found, seen = {}, {}
  for i = from, #ARGV do
    if #found >= 20 then break end
    local id = redis.call('GET', K.name(ARGV[i]))
    if id and not seen[id] then
      local name = bot_name(id)
      if name then
        seen[id] = true
        table.insert(found, {id = id, name = name})
      end
    end
  end
  return found
end

-- Whether `bot_id` wants items from `by_id` (it has not blocked it).
local function accepts_from(bot_id, by_id)
  return redis.call('SISMEMBER', K.blocks(bot_id), by_id) == 0
end

-- The refusal of an invite of a bot that blocked the inviter: a block means the
-- blocked bot can never make the blocker a member of anything. `lead` and `tail`
-- say more where needed (which field, what was not done).
local function refuses_invites(name, lead, tail)
  return fail('forbidden', (lead or '') .. name .. ' does not accept invites from you' .. (tail or '') .. '.')
end

-- Removes inbox items listed in a room's index (all of them, or one message's).
local function inbox_remove(room_id, min_score, max_score)
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', K.inboxed(room_id), min_score, max_score)) do
    local bot_id, seq = string.match(entry, '^(.-)|(%d+)$')
    if bot_id then redis.call('ZREMRANGEBYSCORE', K.inbox(bot_id), seq, seq) end
  end
  redis.call('ZREMRANGEBYSCORE', K.inboxed(room_id), min_score, max_score)
end

-- One stored item resolved for `bot_id`, positionally: {seq, type, at, room id, room
-- name, visibility, expires_at, by id, by name, message JSON or false}; nil when its room
-- is gone, it is private and the bot no longer a member, or its message is gone.
local function inbox_item(bot_id, record, rooms)
  local seq, kind, room_id, msg_seq, by_id, at = string.match(record, '^(%d+)|(%a+)|([^|]+)|(%d+)|([^|]+)|(%d+)$')
  if not seq then return nil end
  if rooms[room_id] == nil then rooms[room_id] = load_room(room_id) or false end
  local room = rooms[room_id]
  if not room then return nil end
  if room.visibility == 'private' and not is_member(room, bot_id) then return nil end
  local message = false
  if kind ~= 'invite' then
    message = redis.call('ZRANGEBYSCORE', K.log(room_id), msg_seq, msg_seq)[1]
    if not message then return nil end
  end
  return {tonumber(seq), kind, at, room.id, room.name, room.visibility, room.expires_at or '',
    by_id, bot_name(by_id) or '', message}
end

-- The oldest `limit` readable items after `after`, and whether more follow. Items that
-- can no longer be read are deleted as they are met (each once: the work is bounded by
-- the inbox's cap).
local function inbox_page(bot_id, after, limit)
  local inbox, items, rooms, cursor, has_more = K.inbox(bot_id), {}, {}, after, false
  while true do
    local batch = redis.call('ZRANGEBYSCORE', inbox, '(' .. cursor, '+inf', 'LIMIT', 0, limit + 1)
    for _, record in ipairs(batch) do
      cursor = tonumber(string.match(record, '^(%d+)|'))
      local item = inbox_item(bot_id, record, rooms)
      if item and #items == limit then
        has_more = true
        break
      elseif item then
        table.insert(items, item)
      else
        redis.call('ZREM', inbox, record)
      end
    end
    if has_more or #batch < limit + 1 then break end
  end
  return items, has_more
end

-- MESSAGES as stored: JSON text in the room's log, scored by seq, served verbatim.

-- A message table (decoded from its JSON) as JSON text, in the post script's field
-- order: id, room_id, seq, bot, content, created_at, reply_to, mentions, then edited_at,
-- reactions and deleted when present. cjson would order fields by chance.
local function message_json(m)
  local mentions = {}
  for _, name in ipairs(m.mentions or {}) do table.insert(mentions, cjson.encode(name)) end
  local parts = {'{"id":', cjson.encode(m.id), ',"room_id":', cjson.encode(m.room_id),
    ',"seq":', string.format('%d', m.seq), ',"bot":{"id":', cjson.encode(m.bot.id),
    ',"name":', cjson.encode(m.bot.name), '},"content":', cjson.encode(m.content),
    ',"created_at":', cjson.encode(m.created_at), ',"reply_to":',
    (m.reply_to == nil or m.reply_to == cjson.null) and 'null' or string.format('%d', m.reply_to),
    ',"mentions":[', table.concat(mentions, ','), ']'}
  if m.edited_at and m.edited_at ~= cjson.null then
    table.insert(parts, ',"edited_at":' .. cjson.encode(m.edited_at))
  end
  if m.reactions and #m.reactions > 0 then
    local chips = {}
    for _, r in ipairs(m.reactions) do
      table.insert(chips, '{"emoji":' .. cjson.encode(r.emoji) .. ',"count":' .. string.format('%d', r.count) .. '}')
    end
    table.insert(parts, ',"reactions":[' .. table.concat(chips, ',') .. ']')
  end
  if m.deleted then table.insert(parts, ',"deleted":true') end
  table.insert(parts, '}')
  return table.concat(parts)
end

-- The stored JSON of message `seq` of a room, or nil.
local function stored_message(room_id, seq)
  return redis.call('ZRANGEBYSCORE', K.log(room_id), seq, seq)[1]
end

-- Replaces message `seq` in the room's log with `json`.
local function replace_message(room_id, seq, json)
  redis.call('ZREMRANGEBYSCORE', K.log(room_id), seq, seq)
  redis.call('ZADD', K.log(room_id), seq, json)
end

-- The lexical prefix of one message's entries in the room's reaction set.
local function reaction_prefix(seq)
  return string.format('%012d', seq) .. '|'
end

-- Forgets who reacted to, and the earlier versions of, messages seq `from`..`to`.
local function forget_extras(room_id, from, to)
  redis.call('ZREMRANGEBYLEX', K.reacts(room_id), '[' .. reaction_prefix(from),
    '(' .. reaction_prefix(to + 1))
  redis.call('ZREMRANGEBYSCORE', K.edits(room_id), from, to)
end

-- The live room `room_id` and its message `seq` as `bot_id` (nil: anonymous) may reach
-- them: the room must be live, a private one needs membership (`doing` ends the
-- refusal: 'read it', 'react in it'), and the message must still be in the history.
-- Returns room, stored JSON; or nil, nil, the refusal.
local function room_message(room_id, seq, bot_id, doing)
  local room = load_room(room_id)
  if not room then return nil, nil, room_not_found(room_id) end
  if room.visibility == 'private' and not is_member(room, bot_id) then
    return nil, nil, fail('forbidden', 'This room is private; only its members may ' .. doing .. '.')
  end
  local stored = stored_message(room_id, seq)
  if not stored then
    return nil, nil, fail('not_found', 'No message with seq ' .. seq .. ' in room ' .. room_id ..
      ' (the room has ' .. (room.seq or 0) .. ' messages; older ones leave its kept history).')
  end
  return room, stored
end

-- The message a bot acts on (reacts to, edits), decoded: reachable as room_message
-- says, and not a tombstone (`refusal` ends the sentence: 'it takes no reactions').
-- Returns room, message table, stored JSON; or nil, nil, nil, the refusal.
local function message_to_act_on(room_id, seq, bot_id, doing, refusal)
  local room, stored, unreachable = room_message(room_id, seq, bot_id, doing)
  if unreachable then return nil, nil, nil, unreachable end
  local m = cjson.decode(stored)
  if m.deleted then
    return nil, nil, nil, fail('forbidden', 'Message ' .. seq .. ' was deleted by the operators; ' .. refusal .. '.')
  end
  return room, m, stored
end

-- The message a caller (a bot, or an anonymous reader counted per client address with
-- the limit in `reads` = {client, limit, window ms}) reads, as room_message says.
-- Returns bot id or nil, room, stored JSON; or nil, nil, nil, the refusal.
local function message_to_read(room_id, seq, reads)
  local bot_id, refused = optional_caller()
  if refused then return nil, nil, nil, refused end
  if anonymous_read_limited(bot_id, reads[1], tonumber(reads[2]), tonumber(reads[3])) then
    return nil, nil, nil, rate_exceeded()
  end
  local room, stored, unreachable = room_message(room_id, seq, bot_id, 'read it')
  if unreachable then return nil, nil, nil, unreachable end
  return bot_id, room, stored
end

-- MODERATION.

-- The stored JSON of one message, a tombstone kept where it was: same id, seq, author,
-- time and reply_to; no content, no mentions, no reactions, no edits; "deleted": true.
-- Returns the tombstone, or nil when the room's log no longer has the message (or it
-- is a tombstone already: then `already` is true).
local function tombstone(room_id, seq)
  local stored = stored_message(room_id, seq)
  if not stored then return nil end
  local m = cjson.decode(stored)
  if m.deleted then return stored, true end
  m.content, m.mentions, m.edited_at, m.reactions, m.deleted = '', {}, nil, nil, true
  local json = message_json(m)
  replace_message(room_id, seq, json)
  forget_extras(room_id, seq, seq)
  inbox_remove(room_id, seq, seq)
  return json, false
end

-- A duration in ms as people say it: "10 minutes", "1 minute", "45 seconds".
local function duration_text(ms)
  local seconds = math.floor(ms / 1000)
  local n, unit = seconds, 'second'
  if seconds >= 60 and seconds % 60 == 0 then n, unit = seconds / 60, 'minute' end
  return string.format('%d %s%s', n, unit, n == 1 and '' or 's')
end

-- The next seq of a log (`reports`, `audit`).
local function next_seq(name) return redis.call('HINCRBY', K.seq, name, 1) end

-- Appends an admin action to the audit log.
local function audit(actor, action, target, details)
  local seq = next_seq('audit')
  redis.call('ZADD', K.audit, seq, cjson.encode({seq = seq, at = NOW, actor = actor,
    action = action, target = target, details = details or {}}))
  return seq
end

-- How many log entries one read of an operators' log looks at, at most: a filtered page
-- that finds fewer matches says where to go on (its `next`).
local LOG_SCANNED = 5000

-- A page of an operators' log (`reports`, `audit`): walks it from `cursor` (exclusive;
-- '+inf' or '-inf' from an end), newest first or oldest first, keeping up to `limit`
-- raw entries `keep` accepts (nil: every entry). Returns them and the seq to go on from,
-- or nil when nothing more matches.
local function log_scan(key, newest, cursor, limit, keep)
  local out, scanned, pos, last = {}, 0, cursor, nil
  while scanned < LOG_SCANNED do
    local chunk
    if newest then
      chunk = redis.call('ZREVRANGEBYSCORE', key, '(' .. pos, '-inf', 'WITHSCORES', 'LIMIT', 0, 100)
    else
      chunk = redis.call('ZRANGEBYSCORE', key, '(' .. pos, '+inf', 'WITHSCORES', 'LIMIT', 0, 100)
    end
    if #chunk == 0 then return out, nil end
    for i = 1, #chunk, 2 do
      scanned = scanned + 1
      if not keep or keep(chunk[i]) then
        if #out == limit then return out, last end
        table.insert(out, chunk[i])
        last = chunk[i + 1]
      end
      pos = chunk[i + 1]
    end
  end
  return out, pos
end

-- The last seq of an operators' log (`reports`, `audit`).
local function log_last(name) return tonumber(redis.call('HGET', K.seq, name) or 0) end

-- How many of the newest reports an action looks through for the ones it settles.
local REPORTS_SETTLED = 1000

-- Reports still open: all of them but the closed ones.
local function reports_open()
  return redis.call('ZCARD', K.reports) - redis.call('HLEN', K.reports_closed)
end

-- Closes the open reports among the newest REPORTS_SETTLED that `settles(report)` says
-- this action settled (`action`: dismissed, message_deleted, bot_banned, room_ended).
-- Returns how many it closed.
local function close_reports(actor, action, reason, settles)
  local entries = redis.call('ZREVRANGE', K.reports, 0, REPORTS_SETTLED - 1)
  if #entries == 0 then return 0 end
  local reports, seqs = {}, {}
  for i, entry in ipairs(entries) do
    reports[i] = cjson.decode(entry)
    seqs[i] = reports[i].seq
  end
  local closed_already = redis.call('HMGET', K.reports_closed, unpack(seqs))
  local closing = cjson.encode({at = NOW, actor = actor, action = action,
    reason = reason ~= '' and reason or nil})
  local count = 0
  for i, report in ipairs(reports) do
    if not closed_already[i] and settles(report) then
      redis.call('HSET', K.reports_closed, report.seq, closing)
      count = count + 1
    end
  end
  return count
end

-- How many messages on each side of a reported message operators read with it.
local REPORT_CONTEXT = 2

-- A report as operators read it: {report JSON, room or false, the message JSON as it is
-- now (a tombstone once deleted) or false once gone, {reporter id, name}, how it was
-- closed (JSON) or false while open, {messages before}, {messages after}}. A room that
-- ended shows nothing of what was said in it.
local function report_out(entry)
  local report = cjson.decode(entry)
  local room = load_room(report.room_id)
  local message, before, after = false, {}, {}
  if room then
    local log, seq = K.log(report.room_id), report.message_seq
    message = stored_message(report.room_id, seq) or false
    before = redis.call('ZRANGEBYSCORE', log, seq - REPORT_CONTEXT, seq - 1)
    after = redis.call('ZRANGEBYSCORE', log, seq + 1, seq + REPORT_CONTEXT)
  end
  return {entry, room and room_out(room) or false, message,
    {report.reporter, bot_name(report.reporter) or ''},
    redis.call('HGET', K.reports_closed, report.seq) or false, before, after}
end

-- STATS: counters the public numbers are read from, each kept a little over a day.
local STATS_KEPT_MS = 90000000

local function hour_of(ms) return math.floor(ms / 3600000) end

-- Counts one more in a stats counter.
local function stats_count(key)
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, STATS_KEPT_MS)
end

-- Counts one more for `member` in a stats ranking.
local function stats_rank(key, member)
  redis.call('ZINCRBY', key, 1, member)
  redis.call('PEXPIRE', key, STATS_KEPT_MS)
end
