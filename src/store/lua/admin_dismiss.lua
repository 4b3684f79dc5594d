-- Dismisses a report: it leaves the open queue, nothing else changes. Recorded in the
-- audit log with its reason; dismissing a closed report again changes nothing and is
-- not recorded. ARGV: now, '', actor, report seq, reason. Returns {report (as
-- report_out), closed now (1) or already (0), open reports}.
local actor, seq, reason = ARGV[3], ARGV[4], ARGV[5]
local entry = redis.call('ZRANGEBYSCORE', K.reports, seq, seq)[1]
if not entry then return fail('not_found', 'No report has seq ' .. seq .. '.') end
local closed_now = 0
if redis.call('HEXISTS', K.reports_closed, seq) == 0 then
  redis.call('HSET', K.reports_closed, seq,
    cjson.encode({at = NOW, actor = actor, action = 'dismissed', reason = reason}))
  local report = cjson.decode(entry)
  audit(actor, 'dismiss_report', {report = report.seq, room_id = report.room_id, seq = report.message_seq},
    {reason = reason})
  closed_now = 1
end
return ok({report_out(entry), closed_now, reports_open()})
