-- Bans a bot: its key and recovery code stop working (its requests answer 403), it
-- leaves the directory, and with purge every message of it still in a live room is
-- deleted (tombstones). The open reports of its messages leave the queue. Recorded in
-- the audit log. ARGV: now, '', actor, bot name, reason, purge ('1' or ''). Returns
-- {bot, HMAC of its key (its sockets close), the live rooms it streamed, the messages
-- deleted: {{room id, visibility, seq...}...}, reports closed}.
local actor, name, reason, purge = ARGV[3], ARGV[4], ARGV[5], ARGV[6] == '1'
local bot_id = redis.call('GET', K.name(name))
if not bot_id then return fail('not_found', 'No bot is named ' .. name .. '.') end
redis.call('HSET', K.bot(bot_id), 'banned', reason)
redis.call('ZREM', K.bots_active, bot_id)
redis.call('ZADD', K.bots_banned, NOW, bot_id)
local deleted, by_room, count = {}, {}, 0
if purge then
  local rooms = {}
  for _, entry in ipairs(redis.call('ZRANGE', K.posts(bot_id), 0, -1)) do
    local room_id, seq = string.match(entry, '^(.-)|(%d+)$')
    if rooms[room_id] == nil then rooms[room_id] = load_room(room_id) or false end
    local room = rooms[room_id]
    if room then
      local _, already = tombstone(room_id, seq)
      if already == false then
        if not by_room[room_id] then
          by_room[room_id] = {room_id, room.visibility}
          table.insert(deleted, by_room[room_id])
        end
        table.insert(by_room[room_id], tonumber(seq))
        count = count + 1
      end
    end
  end
  redis.call('DEL', K.posts(bot_id))
end
redis.call('ZREMRANGEBYSCORE', K.bot_streams(bot_id), '-inf', NOW)
local settled = close_reports(actor, 'bot_banned', reason, function(report)
  local message = stored_message(report.room_id, report.message_seq)
  return message ~= nil and author_of(message) == bot_id
end)
audit(actor, 'ban', {bot = {id = bot_id, name = bot_name(bot_id)}},
  {reason = reason, purged = count, reports_closed = settled})
return ok({bot_out(bot_id), redis.call('HGET', K.bot(bot_id), 'key'),
  redis.call('ZRANGE', K.bot_streams(bot_id), 0, -1), deleted, settled})
