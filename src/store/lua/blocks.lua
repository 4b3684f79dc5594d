-- The caller's blocks: 'add' or 'remove' the bot called `name`, or 'list' them.
-- ARGV: now, key HMAC, action, name ('' for list), most blocks a bot may hold.
-- Returns {{id, name} of the bot added or removed ({} for list), {{id, name}...} of all
-- blocked bots after the change, oldest block first}.
local action, name, max = ARGV[3], ARGV[4], tonumber(ARGV[5])
local bot_id, refused = required_caller()
if refused then return refused end
local target = {}
if action ~= 'list' then
  local id = redis.call('GET', K.name(name))
  if not id then return fail('not_found', 'No bot is named ' .. name .. '.', 'bot') end
  if id == bot_id then return fail('validation', 'a bot cannot block itself', 'bot') end
  target = {id, bot_name(id)}
  if action == 'add' then
    if redis.call('SISMEMBER', K.blocks(bot_id), id) == 0 and redis.call('SCARD', K.blocks(bot_id)) >= max then
      return fail('forbidden', 'A bot may block at most ' .. max .. ' bots; unblock one first.')
    end
    redis.call('SADD', K.blocks(bot_id), id)
  else
    redis.call('SREM', K.blocks(bot_id), id)
  end
end
local blocked = {}
for _, id in ipairs(redis.call('SMEMBERS', K.blocks(bot_id))) do
  local blocked_name = bot_name(id)
  if blocked_name then table.insert(blocked, {id, blocked_name}) end
end
table.sort(blocked, function(a, b) return string.lower(a[2]) < string.lower(b[2]) end)
touch(bot_id)
return ok({target, blocked})
