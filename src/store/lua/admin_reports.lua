-- A page of reports for operators, oldest first, each resolved: the room (nil fields
-- once it is gone), the message as it is now (a tombstone once deleted, nil once gone),
-- the reporter. ARGV: now, '', after, limit. Returns {{report JSON, room JSON or '',
-- message JSON or '', {reporter id, name}}..., has_more, last_seq}.
local page, has_more, last_seq = log_page(K.reports, ARGV[3], tonumber(ARGV[4]))
local out = {}
for _, entry in ipairs(page) do
  local report = cjson.decode(entry)
  local room = load_room(report.room_id)
  local message = room and redis.call('ZRANGEBYSCORE', K.log(report.room_id), report.message_seq, report.message_seq)[1]
  table.insert(out, {entry, room and room_out(room) or false, message or false,
    {report.reporter, bot_name(report.reporter) or ''}})
end
return ok({out, has_more and 1 or 0, last_seq})
