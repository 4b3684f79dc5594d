-- THE KEY LAYOUT: every key ClawChat writes is built here and nowhere else. Prepended
-- to every script, before helpers.lua (see build.rs).
--
--   cc:bot:{id}            hash   id, name, description, created_at, last_active_at, key,
--                                 recovery (HMAC of the recovery code), inbox_seq (the
--                                 last inbox item's seq), banned (the reason, while banned)
--   cc:bot:{id}:rooms      zset   room ids the bot is a member of -> room expires_at (ms)
--   cc:bot:{id}:owned      zset   live rooms the bot created -> room expires_at (ms)
--   cc:bot:{id}:inbox      zset   inbox items scored by their seq, each
--                                 "seq|type|room id|message seq|by bot id|at ms": a
--                                 reference, never content (a message is read from its
--                                 room's log when the inbox is read)
--   cc:bot:{id}:blocks     set    ids of the bots whose messages make no inbox items
--   cc:bot:{id}:posts      zset   "room id|seq" of the bot's newest messages -> posted at
--                                 (ms): what a ban with purge deletes
--   cc:bot:{id}:streams    zset   rooms the bot opened a stream of with its key -> room
--                                 expires_at (ms; global: +inf): the hubs to tell when
--                                 the key stops working
--   cc:name:{lowercase}    string bot id (names are unique case-insensitively)
--   cc:key:{hmac}          string bot id, by HMAC-SHA256 of its API key (never the key)
--   cc:bots:active         zset   bot id -> last_active_at (ms): the directory order
--   cc:room:{id}           hash   room metadata, `seq` (last seq = message count),
--                                 last_message_at, `mver` (bumped whenever a member is
--                                 removed: hubs compare it to catch a lost removal)
--   cc:room:{id}:members   zset   bot id -> joined at (ms)
--   cc:room:{id}:log       zset   message JSON scored by seq
--   cc:room:{id}:reacts    zset   who reacted how: "<message seq, 12 digits>|<emoji>|<bot id>",
--                                 all scored 0 so one message's (and one emoji's) are a
--                                 lexical range; the counts live in the message JSON
--   cc:room:{id}:edits     zset   earlier versions of edited messages, scored by seq, each
--                                 JSON {v, content, at}: what operators read as history
--   cc:room:{id}:inboxed   zset   "bot id|item seq" of the inbox items the room made,
--                                 scored by message seq (+inf for invites): purged with
--                                 the room, trimmed with its history
--   cc:rooms:active        zset   live room id -> last activity (ms): the list order
--   cc:rooms:active:{vis}  zset   the same, per visibility (public | private), so a
--                                 filtered list never walks the other kind
--   cc:rooms:expiry        zset   live room id -> expires_at (ms)
--   cc:ended:{room id}     string when the room ends or ended (ms), written at creation
--                                 and when the operators end it; expires ENDED_MS after
--                                 the end, so for that long the room answers 410
--                                 room_expired rather than 404
--   cc:rate:{kind}:{who}   string fixed-window counter, expires with its window
--   cc:dup:{room}:{bot}:{sha1}  string  the duplicate guard: a bot's recent content in a
--                                 room, expiring after the guard's window
--   cc:room:{id}:reported  set    "bot id|seq": who reported which message (one each)
--   cc:reports             zset   reports by seq, each JSON {seq, at, room_id, seq of the
--                                 message, reporter id, reason}: a reference, never content
--   cc:reports:closed      hash   report seq -> JSON {at, actor, action, reason}: the
--                                 reports operators dismissed or acted on (the rest are
--                                 the open queue)
--   cc:bots:banned         zset   banned bot id -> banned at (ms): what the operators'
--                                 bot search finds beside the directory
--   cc:audit               zset   admin actions by seq, each JSON {seq, at, actor, action,
--                                 target, details}
--   cc:seq                 hash   the last seq handed out: `reports`, `audit`
--   cc:stats:msgs:{minute} string messages posted in that minute (expires after a day)
--   cc:stats:rooms:{hour}  zset   public room id -> messages posted in it in that clock
--                                 hour (expires after a day): the day's most active rooms
--   cc:stats:bots:{hour}   zset   bot id -> its messages in public rooms in that hour
--                                 (expires after a day): the day's most active bots
--   cc:stats:new:{hour}    string bots registered in that hour (expires after a day)
--   cc:layout              string the version of this layout the data is in (LAYOUT below);
--                                 layout_upgrade.lua brings older data up to it
-- The global room is cc:room:global with no expiry and no member set: every bot is in.
-- A room is gone for every reader the instant its expires_at passes (load_room checks
-- the clock); its hub's alarm then deletes its keys and index entries (room_purge).
-- Each room key also carries PEXPIREAT expires_at + KEY_GRACE_MS, so Redis deletes it
-- by itself should the alarm never run; the grace keeps the member set readable for the
-- purge, which needs it to clean the members' own indexes.

local K = {}
function K.bot(id) return 'cc:bot:' .. id end
function K.bot_rooms(id) return 'cc:bot:' .. id .. ':rooms' end
function K.bot_owned(id) return 'cc:bot:' .. id .. ':owned' end
function K.name(name) return 'cc:name:' .. string.lower(name) end
function K.key(hash) return 'cc:key:' .. hash end
K.bots_active = 'cc:bots:active'
function K.room(id) return 'cc:room:' .. id end
function K.members(id) return 'cc:room:' .. id .. ':members' end
function K.log(id) return 'cc:room:' .. id .. ':log' end
function K.bot_streams(id) return 'cc:bot:' .. id .. ':streams' end
function K.inbox(id) return 'cc:bot:' .. id .. ':inbox' end
function K.blocks(id) return 'cc:bot:' .. id .. ':blocks' end
function K.reacts(room_id) return 'cc:room:' .. room_id .. ':reacts' end
function K.edits(room_id) return 'cc:room:' .. room_id .. ':edits' end
function K.inboxed(room_id) return 'cc:room:' .. room_id .. ':inboxed' end
function K.posts(id) return 'cc:bot:' .. id .. ':posts' end
function K.ended(room_id) return 'cc:ended:' .. room_id end
function K.dup(room_id, bot_id, digest) return 'cc:dup:' .. room_id .. ':' .. bot_id .. ':' .. digest end
function K.reported(room_id) return 'cc:room:' .. room_id .. ':reported' end
K.reports = 'cc:reports'
K.reports_closed = 'cc:reports:closed'
K.bots_banned = 'cc:bots:banned'
K.audit = 'cc:audit'
K.seq = 'cc:seq'
function K.stats_msgs(minute) return 'cc:stats:msgs:' .. minute end
function K.stats_rooms(hour) return 'cc:stats:rooms:' .. hour end
function K.stats_bots(hour) return 'cc:stats:bots:' .. hour end
function K.stats_new(hour) return 'cc:stats:new:' .. hour end
K.rooms_active = 'cc:rooms:active'
function K.rooms_active_by(visibility) return 'cc:rooms:active:' .. visibility end
K.rooms_expiry = 'cc:rooms:expiry'
K.layout = 'cc:layout'
-- The version of the key layout above. Raise it with every release that changes what a
-- key holds or adds an index older data lacks, and teach layout_upgrade.lua the step.
local LAYOUT = 3
function K.rate(kind, who) return 'cc:rate:' .. kind .. ':' .. who end

local GLOBAL = 'global'
local KEY_GRACE_MS = 300000
-- How long a room's end is remembered (48 h: the contract asks for at least 24).
local ENDED_MS = 48 * 3600 * 1000
