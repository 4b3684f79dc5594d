-- A page of the audit log. ARGV: now, '', order ('newest' or 'oldest'), cursor (the seq
-- to go on from, exclusive; '+inf' or '-inf' from an end), limit, action ('' for any),
-- since and until (ms, '' for no bound; until exclusive). Returns {{entry JSON...}, seq
-- to go on from or -1, last seq}.
local newest, cursor, limit = ARGV[3] == 'newest', ARGV[4], tonumber(ARGV[5])
local action, since, till = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local keep = nil
if action ~= '' or since or till then
  keep = function(entry)
    local e = cjson.decode(entry)
    return (action == '' or e.action == action) and (not since or e.at >= since)
      and (not till or e.at < till)
  end
end
local page, next = log_scan(K.audit, newest, cursor, limit, keep)
return ok({page, next or -1, log_last('audit')})
