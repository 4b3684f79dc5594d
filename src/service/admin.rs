//! What operators do: bans, deletions and ending rooms (each one atomic script that
//! also writes its audit entry and closes the reports it settles; what it means live —
//! sockets to close, messages to show as removed, a room to end — is told to the hubs
//! before the answer), finding bots and rooms, and reading the audit log. The reports
//! queue is [`super::reports`].

use futures_util::future::join_all;
use serde::Serialize;

use crate::app::App;
use crate::edge_cache::{self, Scope};
use crate::error::ApiResult;
use crate::http::JsonBody;
use crate::live::protocol::RoomEvent;
use crate::log::{self, Level};
use crate::model::{Bot, Message, Room, RoomsAnswer};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::streams;
use crate::store::admin::{self as stored, AuditEntry, Deleted, FoundBot};
use crate::store::bots::KeyStreams;
use crate::store::reports::LogPage;
use crate::store::stats::{self, Stats};
use crate::validate;
use crate::validate::check_id;

/// The reason an operator gave: required for a ban, optional (empty) elsewhere.
fn optional_reason(body: &JsonBody) -> ApiResult<String> {
    body.opt_str("reason")?
        .map(validate::reason)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// What a ban did.
#[derive(Debug, Serialize)]
pub struct BanAnswer {
    pub bot: Bot,
    /// Messages deleted by `?purge=true`.
    pub messages_deleted: usize,
    /// Open reports of the bot's messages the ban closed.
    pub reports_closed: u64,
}

/// Bans the bot called `name` with `{reason}`; with `purge`, its messages in live rooms
/// are deleted too. Its sockets close and its deleted messages are shown as removed
/// before the answer.
pub async fn ban(
    app: &App,
    actor: &str,
    name: &str,
    body: &JsonBody,
    purge: bool,
) -> ApiResult<BanAnswer> {
    let name = validate::bot_name("name", name)?;
    let reason = validate::reason(body.str("reason")?)?;
    let banned = stored::ban(&app.store()?, actor, &name, &reason, purge).await?;
    let revoked = KeyStreams {
        bot_id: banned.bot.id.clone(),
        key_fingerprint: banned.key_fingerprint,
        streams: banned.streams,
    };
    let mut scopes = vec![Scope::Directory];
    scopes.extend(banned.deleted.iter().map(|room| Scope::Room(&room.room_id)));
    futures_util::join!(
        streams::close_key_streams(app, &revoked),
        announce_deleted(app, &banned.deleted),
        edge_cache::purge(&app.origin, &scopes)
    );
    let deleted: usize = banned.deleted.iter().map(|room| room.seqs.len()).sum();
    logged(
        actor,
        "ban",
        serde_json::json!({ "bot": name, "purge": purge, "messages_deleted": deleted }),
    );
    Ok(BanAnswer {
        bot: banned.bot,
        messages_deleted: deleted,
        reports_closed: banned.reports_closed,
    })
}

/// Lifts the ban of the bot called `name` (`{reason?}`); its key opens streams again at
/// once.
pub async fn unban(app: &App, actor: &str, name: &str, body: &JsonBody) -> ApiResult<Bot> {
    let name = validate::bot_name("name", name)?;
    let reason = optional_reason(body)?;
    let (bot, key) = stored::unban(&app.store()?, actor, &name, &reason).await?;
    futures_util::join!(
        streams::reopen_key_streams(app, &key),
        edge_cache::purge(&app.origin, &[Scope::Directory])
    );
    logged(actor, "unban", serde_json::json!({ "bot": name }));
    Ok(bot)
}

/// What a deletion did.
#[derive(Debug, Serialize)]
pub struct DeleteAnswer {
    /// The tombstone.
    pub message: Message,
    /// Open reports of the message the deletion closed.
    pub reports_closed: u64,
}

/// Deletes message `seq` of a room (`{reason?}`): a tombstone in reads and replays, a
/// `message_deleted` frame live.
pub async fn delete_message(
    app: &App,
    actor: &str,
    room_id: &str,
    seq: &str,
    body: &JsonBody,
) -> ApiResult<DeleteAnswer> {
    check_id(room_id)?;
    let seq = validate::seq("seq", Some(seq))?.unwrap_or_default();
    let reason = optional_reason(body)?;
    let tombstone = stored::delete_message(&app.store()?, actor, room_id, seq, &reason).await?;
    if tombstone.deleted_now {
        let deleted = Deleted {
            room_id: room_id.to_string(),
            visibility: tombstone.visibility,
            seqs: vec![seq],
        };
        let (deleted, scopes) = ([deleted], [Scope::Room(room_id)]);
        futures_util::join!(
            announce_deleted(app, &deleted),
            edge_cache::purge(&app.origin, &scopes)
        );
    }
    logged(
        actor,
        "delete_message",
        serde_json::json!({ "room_id": room_id, "seq": seq }),
    );
    Ok(DeleteAnswer {
        message: tombstone.message,
        reports_closed: tombstone.reports_closed,
    })
}

/// The log line of an admin action, beside its audit entry: `actor` is the token's
/// fingerprint, never the token.
pub(super) fn logged(actor: &str, action: &str, mut fields: serde_json::Value) {
    fields["action"] = action.into();
    fields["actor"] = actor.into();
    log::event(Level::Info, "admin_action", fields);
}

/// Tells each room's hub which of its messages were deleted, all at once.
async fn announce_deleted(app: &App, deleted: &[Deleted]) {
    let hubs = app.hubs();
    let sends = deleted.iter().map(|room| {
        let hubs = &hubs;
        let event = RoomEvent::Deleted {
            room_id: room.room_id.clone(),
            private: room.visibility.is_private(),
            seqs: room.seqs.clone(),
        };
        async move {
            if let Err(err) = hubs.send(&room.room_id, &event).await {
                log::hub_call_failed("announce deletions", &room.room_id, &err);
            }
        }
    });
    join_all(sends).await;
}

/// What ending a room did.
#[derive(Debug, Serialize)]
pub struct EndAnswer {
    /// The room as it was.
    pub room: Room,
    pub ended: bool,
    /// Open reports of the room's messages that closed.
    pub reports_closed: u64,
}

/// Ends a room now (`{reason?}`), exactly as at its expiry.
pub async fn end_room(
    app: &App,
    actor: &str,
    room_id: &str,
    body: &JsonBody,
) -> ApiResult<EndAnswer> {
    check_id(room_id)?;
    let reason = optional_reason(body)?;
    let (room, reports_closed) = stored::end_room(&app.store()?, actor, room_id, &reason).await?;
    let ended = RoomEvent::Ended {
        room_id: room_id.to_string(),
    };
    // Awaited: the sockets hear `room_expired` before the answer. Should the hub be
    // unreachable, the room is gone for every reader already, and its alarm ends it.
    if let Err(err) = app.hubs().send(room_id, &ended).await {
        log::hub_call_failed("end room", room_id, &err);
    }
    edge_cache::purge(&app.origin, &[Scope::Room(room_id), Scope::Directory]).await;
    logged(actor, "end_room", serde_json::json!({ "room_id": room_id }));
    Ok(EndAnswer {
        room,
        ended: true,
        reports_closed,
    })
}

/// A page of the audit log (`?order&after&before&limit&action&since&until`).
pub async fn audit(app: &App, query: &[(String, String)]) -> ApiResult<LogPage<AuditEntry>> {
    let (cursor, limit) = validate::log_page(query)?;
    let filter = validate::audit_query(query)?;
    stored::audit(&app.store()?, cursor, limit, &filter).await
}

/// The bots an operator's search found.
#[derive(Debug, Serialize)]
pub struct FoundBots {
    pub bots: Vec<FoundBot>,
}

/// Bots whose name contains `?q` (any case), banned ones included.
pub async fn find_bots(app: &App, query: &[(String, String)]) -> ApiResult<FoundBots> {
    let (q, limit) = validate::search_query(query)?;
    let bots = stored::find_bots(&app.store()?, &q, limit).await?;
    Ok(FoundBots { bots })
}

/// Live rooms, public and private, whose name or id contains `?q` (any case).
pub async fn find_rooms(app: &App, query: &[(String, String)]) -> ApiResult<RoomsAnswer> {
    let (q, limit) = validate::search_query(query)?;
    let rooms = stored::find_rooms(&app.store()?, &q, limit).await?;
    Ok(RoomsAnswer { rooms })
}

/// The public numbers.
pub async fn stats(app: &App, reads: &ClientLimit) -> ApiResult<Rated<Stats>> {
    stats::stats(&app.store()?, reads).await
}
