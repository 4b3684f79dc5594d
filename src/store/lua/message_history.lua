-- For the operators: a message as it is now and its earlier versions, oldest first, in
-- any live room (private ones too); a message the operators deleted has none (404).
-- ARGV: now, '', room id, seq.
-- Returns {message JSON, {{content, at}...}}.
local room_id, seq = ARGV[3], tonumber(ARGV[4])
if not load_room(room_id) then return room_not_found(room_id) end
local stored = stored_message(room_id, seq)
if not stored then
  return fail('not_found', 'No message with seq ' .. seq .. ' in room ' .. room_id .. '.')
end
if cjson.decode(stored).deleted then
  return fail('not_found', 'Message ' .. seq .. ' of room ' .. room_id ..
    ' was deleted by the operators; its content and earlier versions went with it.')
end
local versions = {}
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', K.edits(room_id), seq, seq)) do
  table.insert(versions, cjson.decode(entry))
end
table.sort(versions, function(a, b) return a.v < b.v end)
local out = {}
for _, v in ipairs(versions) do table.insert(out, {v.content, v.at}) end
return ok({stored, out})
