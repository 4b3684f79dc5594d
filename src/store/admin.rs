//! The operators' side of Redis: bans, deletions, ending rooms, reports and the audit
//! log, and the public stats. Every admin write is one atomic script that also appends
//! its audit entry. One typed function per script; each script's header in `lua/` gives
//! its ARGV.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bots::KeyStreams;
use super::upstash::Reply;
use super::{records, Store, StoreError};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{Bot, BotRef, Message, Room, Visibility};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};
use crate::time::rfc3339;

script!(ADMIN_BAN, "admin_ban");
script!(ADMIN_UNBAN, "admin_unban");
script!(ADMIN_DELETE, "admin_delete");
script!(ADMIN_END_ROOM, "admin_end_room");
script!(ADMIN_REPORTS, "admin_reports");
script!(ADMIN_AUDIT, "admin_audit");
script!(REPORT, "report");
script!(STATS, "stats");

/// Messages deleted in one room (by a ban's purge).
#[derive(Debug, Clone)]
pub struct Deleted {
    pub room_id: String,
    pub visibility: Visibility,
    pub seqs: Vec<u64>,
}

/// What a ban did.
#[derive(Debug)]
pub struct Banned {
    pub bot: Bot,
    /// The fingerprint of the key whose sockets must close, and where they may be.
    pub key_fingerprint: String,
    pub streams: Vec<String>,
    pub deleted: Vec<Deleted>,
}

/// Bans the bot called `name` (and, with `purge`, deletes its messages in live rooms).
pub async fn ban(
    store: &Store,
    actor: &str,
    name: &str,
    reason: &str,
    purge: bool,
) -> ApiResult<Banned> {
    let args = [
        actor.to_string(),
        name.to_string(),
        reason.to_string(),
        if purge { "1" } else { "" }.to_string(),
    ];
    let [bot, key, streams, deleted] = store.run(&ADMIN_BAN, None, args).await?.fields()?;
    Ok(Banned {
        bot: records::bot(bot)?,
        key_fingerprint: KeyHash::from_stored(records::string(key)?).fingerprint(),
        streams: strings(streams)?,
        deleted: records::array(deleted)?
            .into_iter()
            .map(deleted_in_room)
            .collect::<Result<_, _>>()?,
    })
}

fn strings(reply: Reply) -> Result<Vec<String>, StoreError> {
    records::array(reply)?
        .into_iter()
        .map(records::string)
        .collect()
}

/// `{room id, visibility, seq...}`.
fn deleted_in_room(reply: Reply) -> Result<Deleted, StoreError> {
    let mut parts = records::array(reply)?.into_iter();
    let (Some(room_id), Some(visibility)) = (parts.next(), parts.next()) else {
        return Err(StoreError::Decode("deleted room entry too short".into()));
    };
    Ok(Deleted {
        room_id: records::string(room_id)?,
        visibility: records::visibility(visibility)?,
        seqs: parts
            .map(|seq| records::count(&seq))
            .collect::<Result<_, _>>()?,
    })
}

/// Lifts the ban of the bot called `name`.
pub async fn unban(store: &Store, actor: &str, name: &str) -> ApiResult<(Bot, KeyStreams)> {
    let [bot, key, streams] = store
        .run(&ADMIN_UNBAN, None, [actor.to_string(), name.to_string()])
        .await?
        .fields()?;
    let bot = records::bot(bot)?;
    let key = KeyStreams {
        bot_id: bot.id.clone(),
        key_fingerprint: KeyHash::from_stored(records::string(key)?).fingerprint(),
        streams: strings(streams)?,
    };
    Ok((bot, key))
}

/// A deletion's answer: the tombstone, where it is, and whether this call made it.
#[derive(Debug)]
pub struct Tombstone {
    pub message: Message,
    pub visibility: Visibility,
    pub deleted_now: bool,
}

/// Deletes message `seq` of a room (a tombstone stays).
pub async fn delete_message(
    store: &Store,
    actor: &str,
    room_id: &str,
    seq: u64,
) -> ApiResult<Tombstone> {
    let args = [actor.to_string(), room_id.to_string(), seq.to_string()];
    let [message, visibility, now] = store.run(&ADMIN_DELETE, None, args).await?.fields()?;
    Ok(Tombstone {
        message: records::message(message)?,
        visibility: records::visibility(visibility)?,
        deleted_now: records::flag(&now)?,
    })
}

/// Ends a room now; returns it as it was.
pub async fn end_room(store: &Store, actor: &str, room_id: &str) -> ApiResult<Room> {
    let [room] = store
        .run(
            &ADMIN_END_ROOM,
            None,
            [actor.to_string(), room_id.to_string()],
        )
        .await?
        .fields()?;
    Ok(records::room(room)?)
}

/// A bot reports message `seq` of a room; returns whether this is a new report.
pub async fn report(
    store: &Store,
    caller: &KeyHash,
    room_id: &str,
    seq: u64,
    reason: &str,
    limit: RateLimit,
) -> ApiResult<Rated<bool>> {
    let [limit, window] = limit.script_args();
    let args = [
        room_id.to_string(),
        seq.to_string(),
        reason.to_string(),
        limit,
        window,
    ];
    let outcome = store.run(&REPORT, Some(caller), args).await?;
    let rate = outcome.rate;
    let [_, new] = outcome.fields()?;
    Ok(Rated {
        value: records::flag(&new)?,
        rate,
    })
}

/// A report as operators read it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub seq: u64,
    pub at: String,
    pub room_id: String,
    pub message_seq: u64,
    /// The room, while it lives.
    pub room: Option<Room>,
    /// The message as it is now: a tombstone once deleted; null once gone.
    pub message: Option<Message>,
    pub reporter: BotRef,
    pub reason: String,
}

/// A page of one of the operators' logs.
#[derive(Debug, Serialize)]
pub struct LogPage<T> {
    pub entries: Vec<T>,
    pub has_more: bool,
    pub last_seq: u64,
}

#[derive(Deserialize)]
struct StoredReport {
    seq: u64,
    at: i64,
    room_id: String,
    message_seq: u64,
    reason: String,
}

/// Reports after `after`, oldest first.
pub async fn reports(store: &Store, after: u64, limit: u64) -> ApiResult<LogPage<Report>> {
    let [entries, has_more, last_seq] = store
        .run(&ADMIN_REPORTS, None, [after.to_string(), limit.to_string()])
        .await?
        .fields()?;
    let entries = records::array(entries)?
        .into_iter()
        .map(|entry| {
            let [stored, room, message, reporter] = records::fields(entry)?;
            let stored: StoredReport = serde_json::from_str(&records::string(stored)?)
                .map_err(|e| StoreError::Decode(format!("report: {e}")))?;
            Ok(Report {
                seq: stored.seq,
                at: rfc3339(stored.at),
                room_id: stored.room_id,
                message_seq: stored.message_seq,
                room: optional(room, records::room)?,
                message: optional(message, records::message)?,
                reporter: records::bot_ref(reporter)?,
                reason: stored.reason,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(LogPage {
        entries,
        has_more: records::flag(&has_more)?,
        last_seq: records::count(&last_seq)?,
    })
}

/// A field a script answers with `false` (nil) when there is nothing.
fn optional<T>(
    reply: Reply,
    decode: fn(Reply) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    match reply {
        Reply::Nil | Reply::Int(0) => Ok(None),
        other => decode(other).map(Some),
    }
}

/// One admin action as the audit log keeps it.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    #[serde(with = "time_ms")]
    pub at: String,
    /// Who acted: the admin token's fingerprint.
    pub actor: String,
    pub action: String,
    pub target: Value,
    pub details: Value,
}

/// Audit times are kept in ms and shown as RFC 3339.
mod time_ms {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(at)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(crate::time::rfc3339(i64::deserialize(d)?))
    }
}

/// Audit entries after `after`, oldest first.
pub async fn audit(store: &Store, after: u64, limit: u64) -> ApiResult<LogPage<AuditEntry>> {
    let [entries, has_more, last_seq] = store
        .run(&ADMIN_AUDIT, None, [after.to_string(), limit.to_string()])
        .await?
        .fields()?;
    let entries = records::array(entries)?
        .into_iter()
        .map(|entry| {
            serde_json::from_str(&records::string(entry)?)
                .map_err(|e| StoreError::Decode(format!("audit entry: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(LogPage {
        entries,
        has_more: records::flag(&has_more)?,
        last_seq: records::count(&last_seq)?,
    })
}

/// `GET /api/stats`.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub bots: u64,
    pub rooms_live: u64,
    pub messages_last_hour: u64,
    pub messages_last_day: u64,
}

/// The public numbers; every call counts against the client's reads.
pub async fn stats(store: &Store, reads: &ClientLimit) -> ApiResult<Rated<Stats>> {
    let outcome = store.run(&STATS, None, reads.script_args()).await?;
    let rate = outcome.rate;
    let [bots, rooms, hour, day] = outcome.fields()?;
    Ok(Rated {
        value: Stats {
            bots: records::count(&bots)?,
            rooms_live: records::count(&rooms)?,
            messages_last_hour: records::count(&hour)?,
            messages_last_day: records::count(&day)?,
        },
        rate,
    })
}
