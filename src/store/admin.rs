//! The operators' side of Redis: bans, deletions, ending rooms, finding bots and rooms,
//! and the audit log (reports are in [`super::reports`]). Every admin write is one atomic
//! script that also appends its audit entry. One typed function per script; each
//! script's header in `lua/` gives its ARGV.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bots::KeyStreams;
use super::reports::{cursor_args, LogPage};
use super::upstash::Reply;
use super::{records, Store, StoreError};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{AuditFilter, Bot, LogCursor, Message, Room, Visibility};
use crate::time::rfc3339;

script!(ADMIN_BAN, "admin_ban");
script!(ADMIN_UNBAN, "admin_unban");
script!(ADMIN_DELETE, "admin_delete");
script!(ADMIN_END_ROOM, "admin_end_room");
script!(ADMIN_AUDIT, "admin_audit");
script!(ADMIN_BOTS, "admin_bots");
script!(ADMIN_ROOMS, "admin_rooms");

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
    /// Open reports of its messages the ban closed.
    pub reports_closed: u64,
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
    let [bot, key, streams, deleted, closed] = store.run(&ADMIN_BAN, None, args).await?.fields()?;
    Ok(Banned {
        bot: records::bot(bot)?,
        key_fingerprint: KeyHash::from_stored(records::string(key)?).fingerprint(),
        streams: strings(streams)?,
        deleted: records::array(deleted)?
            .into_iter()
            .map(deleted_in_room)
            .collect::<Result<_, _>>()?,
        reports_closed: records::count(&closed)?,
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

/// Lifts the ban of the bot called `name` (`reason` may be empty).
pub async fn unban(
    store: &Store,
    actor: &str,
    name: &str,
    reason: &str,
) -> ApiResult<(Bot, KeyStreams)> {
    let args = [actor.to_string(), name.to_string(), reason.to_string()];
    let [bot, key, streams] = store.run(&ADMIN_UNBAN, None, args).await?.fields()?;
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
    /// Open reports of the message the deletion closed.
    pub reports_closed: u64,
}

/// Deletes message `seq` of a room (a tombstone stays); `reason` may be empty.
pub async fn delete_message(
    store: &Store,
    actor: &str,
    room_id: &str,
    seq: u64,
    reason: &str,
) -> ApiResult<Tombstone> {
    let args = [
        actor.to_string(),
        room_id.to_string(),
        seq.to_string(),
        reason.to_string(),
    ];
    let [message, visibility, now, closed] =
        store.run(&ADMIN_DELETE, None, args).await?.fields()?;
    Ok(Tombstone {
        message: records::message(message)?,
        visibility: records::visibility(visibility)?,
        deleted_now: records::flag(&now)?,
        reports_closed: records::count(&closed)?,
    })
}

/// Ends a room now (`reason` may be empty); returns it as it was and how many open
/// reports of it that closed.
pub async fn end_room(
    store: &Store,
    actor: &str,
    room_id: &str,
    reason: &str,
) -> ApiResult<(Room, u64)> {
    let args = [actor.to_string(), room_id.to_string(), reason.to_string()];
    let [room, closed] = store.run(&ADMIN_END_ROOM, None, args).await?.fields()?;
    Ok((records::room(room)?, records::count(&closed)?))
}

/// A bot as operators find it: the directory's fields and its ban.
#[derive(Debug, Serialize)]
pub struct FoundBot {
    #[serde(flatten)]
    pub bot: Bot,
    /// Null unless the bot is banned.
    pub banned: Option<Ban>,
}

/// Why and since when a bot is banned.
#[derive(Debug, Serialize)]
pub struct Ban {
    pub reason: String,
    /// Unknown (null) for bans older than the index of banned bots.
    pub at: Option<String>,
}

/// Bots whose name contains `query` (lower case; empty: any), banned ones included.
pub async fn find_bots(store: &Store, query: &str, limit: u64) -> ApiResult<Vec<FoundBot>> {
    let [found] = store
        .run(&ADMIN_BOTS, None, [query.to_string(), limit.to_string()])
        .await?
        .fields()?;
    records::array(found)?
        .into_iter()
        .map(|reply| {
            let [id, name, description, created_at, active, reason, banned_at] =
                records::fields(reply)?;
            let bot = records::bot(Reply::Array(vec![
                id,
                name,
                description,
                created_at,
                active,
            ]))?;
            let reason = records::string(reason)?;
            let banned = (!reason.is_empty())
                .then(|| -> Result<Ban, StoreError> {
                    Ok(Ban {
                        reason,
                        at: records::opt_ms(banned_at)?.map(rfc3339),
                    })
                })
                .transpose()?;
            Ok(FoundBot { bot, banned })
        })
        .collect::<Result<_, StoreError>>()
        .map_err(Into::into)
}

/// Live rooms, public and private, whose name or id contains `query` (lower case;
/// empty: any), the global room first.
pub async fn find_rooms(store: &Store, query: &str, limit: u64) -> ApiResult<Vec<Room>> {
    let [found] = store
        .run(&ADMIN_ROOMS, None, [query.to_string(), limit.to_string()])
        .await?
        .fields()?;
    Ok(records::rooms(found)?)
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
pub(super) mod time_ms {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(at)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(crate::time::rfc3339(i64::deserialize(d)?))
    }
}

/// A page of the audit log from `cursor`, as `filter` says.
pub async fn audit(
    store: &Store,
    cursor: LogCursor,
    limit: u64,
    filter: &AuditFilter,
) -> ApiResult<LogPage<AuditEntry>> {
    let [order, from] = cursor_args(cursor);
    let bound = |ms: Option<i64>| ms.map(|ms| ms.to_string()).unwrap_or_default();
    let args = [
        order,
        from,
        limit.to_string(),
        filter.action.clone().unwrap_or_default(),
        bound(filter.since_ms),
        bound(filter.until_ms),
    ];
    let [entries, next, last_seq] = store.run(&ADMIN_AUDIT, None, args).await?.fields()?;
    let entries = records::array(entries)?
        .into_iter()
        .map(|entry| {
            serde_json::from_str(&records::string(entry)?)
                .map_err(|e| StoreError::Decode(format!("audit entry: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(LogPage::new(entries, &next, &last_seq)?)
}
