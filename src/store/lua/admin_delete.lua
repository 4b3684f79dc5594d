-- Deletes a message: a tombstone stays at its seq (seqs stay gapless), its content and
-- mentions are gone from storage, and so are the inbox items it made. Recorded in the
-- audit log. ARGV: now, '', actor, room id, seq. Returns {tombstone JSON, visibility,
-- deleted now (1) or already (0)}.
local actor, room_id, seq = ARGV[3], ARGV[4], ARGV[5]
local room = load_room(room_id)
if not room then return room_not_found(room_id) end
local json, already = tombstone(room_id, seq)
if not json then
  return fail('not_found', 'Room ' .. room_id .. ' holds no message ' .. seq .. ' (never posted, or trimmed from its history).')
end
audit(actor, 'delete_message', {room_id = room_id, seq = tonumber(seq)}, {already_deleted = already})
return ok({json, room.visibility, already and 0 or 1})
