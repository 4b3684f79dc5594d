-- A page of the audit log, oldest first. ARGV: now, '', after, limit.
-- Returns {entries (JSON), has_more, last_seq}.
local page, has_more, last_seq = log_page(K.audit, ARGV[3], tonumber(ARGV[4]))
return ok({page, has_more and 1 or 0, last_seq})
