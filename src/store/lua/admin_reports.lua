-- A page of reports for operators, each resolved as report_out says (the room, the
-- message as it is now between its neighbours, the reporter, how it was closed).
-- ARGV: now, '', order ('newest' or 'oldest'), cursor (the seq to go on from, exclusive;
-- '+inf' or '-inf' from an end), limit, status ('open' or 'all'). Returns {{report}...,
-- seq to go on from or -1, last seq, open reports}.
local newest, cursor, limit, open_only = ARGV[3] == 'newest', ARGV[4], tonumber(ARGV[5]), ARGV[6] == 'open'
local keep = nil
if open_only then
  keep = function(entry)
    return redis.call('HEXISTS', K.reports_closed, cjson.decode(entry).seq) == 0
  end
end
local page, next = log_scan(K.reports, newest, cursor, limit, keep)
local out = {}
for _, entry in ipairs(page) do table.insert(out, report_out(entry)) end
return ok({out, next or -1, log_last('reports'), reports_open()})
