-- Deletes a message: a tombstone stays at its seq (seqs stay gapless), its content and
-- mentions are gone from storage, and so are the inbox items it made; its open reports
-- leave the queue. Recorded in the audit log. ARGV: now, '', actor, room id, seq,
-- reason ('' when none was given). Returns {tombstone JSON, visibility, deleted now (1)
-- or already (0), reports closed}.
local actor, room_id, seq, reason = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local json, already = tombstone(room_id, seq)
if not json then
  return fail('not_found', 'Room ' .. room_id .. ' holds no message ' .. seq .. ' (never posted, or trimmed from its history).')
end
local settled = close_reports(actor, 'message_deleted', reason, function(report)
  return report.room_id == room_id and report.message_seq == tonumber(seq)
end)
audit(actor, 'delete_message', {room_id = room_id, seq = tonumber(seq)},
  {already_deleted = already, reports_closed = settled, reason = reason ~= '' and reason or nil})
return ok({json, room.visibility, already and 0 or 1, settled})
