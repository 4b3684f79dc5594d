//! What operators can do, and what bots can report to them. Every admin action is one
//! atomic script that also writes its audit entry; what a change means live (sockets to
//! close, messages to show as removed, a room to end) is then told to the hubs before
//! the answer is sent.

use futures_util::future::join_all;

use crate::app::App;
use crate::auth::KeyHash;
use crate::edge_cache::{self, Scope};
use crate::error::ApiResult;
use crate::http::JsonBody;
use crate::live::protocol::RoomEvent;
use crate::log::{self, Level};
use crate::model::{Bot, Message, Room};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::streams;
use crate::store::admin::{self as stored, AuditEntry, Deleted, LogPage, Report, Stats};
use crate::store::bots::KeyStreams;
use crate::validate;
use crate::validate::check_id;

/// Bans the bot called `name` with `{reason}`; with `purge`, its messages in live rooms
/// are deleted too. Its sockets close and its deleted messages are shown as removed
/// before the answer.
pub async fn ban(
    app: &App,
    actor: &str,
    name: &str,
    body: &JsonBody,
    purge: bool,
) -> ApiResult<Bot> {
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
    Ok(banned.bot)
}

/// Lifts the ban of the bot called `name`; its key opens streams again at once.
pub async fn unban(app: &App, actor: &str, name: &str) -> ApiResult<Bot> {
    let name = validate::bot_name("name", name)?;
    let (bot, key) = stored::unban(&app.store()?, actor, &name).await?;
    futures_util::join!(
        streams::reopen_key_streams(app, &key),
        edge_cache::purge(&app.origin, &[Scope::Directory])
    );
    logged(actor, "unban", serde_json::json!({ "bot": name }));
    Ok(bot)
}

/// Deletes message `seq` of a room: a tombstone in reads and replays, a
/// `message_deleted` frame live.
pub async fn delete_message(
    app: &App,
    actor: &str,
    room_id: &str,
    seq: &str,
) -> ApiResult<Message> {
    check_id(room_id)?;
    let seq = validate::seq("seq", Some(seq))?.unwrap_or_default();
    let tombstone = stored::delete_message(&app.store()?, actor, room_id, seq).await?;
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
    Ok(tombstone.message)
}

/// The log line of an admin action, beside its audit entry: `actor` is the token's
/// fingerprint, never the token.
fn logged(actor: &str, action: &str, mut fields: serde_json::Value) {
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

/// Ends a room now, exactly as at its expiry; returns it as it was.
pub async fn end_room(app: &App, actor: &str, room_id: &str) -> ApiResult<Room> {
    check_id(room_id)?;
    let room = stored::end_room(&app.store()?, actor, room_id).await?;
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
    Ok(room)
}

/// A page of reports.
pub async fn reports(app: &App, query: &[(String, String)]) -> ApiResult<LogPage<Report>> {
    let (after, limit) = validate::inbox_page(query)?;
    stored::reports(&app.store()?, after, limit).await
}

/// A page of the audit log.
pub async fn audit(app: &App, query: &[(String, String)]) -> ApiResult<LogPage<AuditEntry>> {
    let (after, limit) = validate::inbox_page(query)?;
    stored::audit(&app.store()?, after, limit).await
}

/// A bot reports message `seq` of a room with `{reason}`; once per bot per message.
pub async fn report(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    seq: &str,
    body: &JsonBody,
) -> ApiResult<Rated<()>> {
    check_id(room_id)?;
    let seq = validate::seq("seq", Some(seq))?.unwrap_or_default();
    let reason = validate::reason(body.str("reason")?)?;
    let reported = stored::report(
        &app.store()?,
        caller,
        room_id,
        seq,
        &reason,
        app.config.rate_reports,
    )
    .await?;
    Ok(reported.map(|_| ()))
}

/// The public numbers.
pub async fn stats(app: &App, reads: &ClientLimit) -> ApiResult<Rated<Stats>> {
    stored::stats(&app.store()?, reads).await
}
