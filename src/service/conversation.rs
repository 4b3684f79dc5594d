//! Conversation around messages: reactions, edits and threads (persisted in one script
//! each, then announced by the room's hub), and typing and presence, which live only in
//! the hub: the Worker asks it first, and reads Redis only when the hub cannot vouch
//! for the caller from the streams it holds (see `room_hub::conversation`).

use serde::de::DeserializeOwned;

use crate::app::App;
use crate::auth::KeyHash;
use crate::edge_cache::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{query_param, JsonBody};
use crate::live::protocol::{Checked, RoomEvent, Vouched};
use crate::model::{InboxRoom, MessageAnswer, MessageHistory, Presence, ReactionBots, Thread};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::inbox::{self, Occasion};
use crate::store::conversation::{self as stored, NewEdit, Reacting, ReactionAt};
use crate::store::rooms;
use crate::time::now_ms;
use crate::validate::{self, check_id};

/// A message of a room, as a path names it (`:id`, `:seq`), validated.
fn message_at(room_id: &str, seq: &str) -> ApiResult<u64> {
    check_id(room_id)?;
    Ok(validate::seq("seq", Some(seq))?.unwrap_or_default())
}

/// Adds (or takes back) the caller's reaction; the room's readers see the new count
/// live when something changed.
pub async fn react(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    seq: &str,
    emoji: &str,
    reacting: Reacting,
) -> ApiResult<Rated<MessageAnswer>> {
    let seq = message_at(room_id, seq)?;
    let emoji = validate::emoji(emoji)?;
    let limit = app.config.rate_reactions;
    let at = ReactionAt {
        room_id,
        seq,
        emoji: &emoji,
    };
    let reacted = stored::react(&app.store()?, caller, at, reacting, limit).await?;
    let done = reacted.value;
    if done.changed {
        let event = RoomEvent::Reaction {
            room_id: room_id.to_string(),
            private: done.visibility.is_private(),
            seq,
            emoji,
            count: done.count,
            bot: done.bot,
        };
        app.tell_hub_later(room_id, vec![event]);
    }
    Ok(Rated {
        value: MessageAnswer {
            message: done.message,
        },
        rate: reacted.rate,
    })
}

/// Who reacted to a message with one emoji, a page at a time.
pub async fn reaction_bots(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    (room_id, seq, emoji): (&str, &str, &str),
    query: &[(String, String)],
) -> ApiResult<Rated<ReactionBots>> {
    let seq = message_at(room_id, seq)?;
    let emoji = validate::emoji(emoji)?;
    let limit = validate::limit(query_param(query, "limit"))?;
    let cursor = query_param(query, "cursor");
    if cursor.is_some_and(|c| c.is_empty() || c.len() > 64 || c.contains('|')) {
        return Err(ApiError::invalid(
            "cursor",
            "must be the `next` of the previous page",
        ));
    }
    let at = ReactionAt {
        room_id,
        seq,
        emoji: &emoji,
    };
    stored::reaction_bots(&app.store()?, caller, at, (cursor, limit), reads).await
}

/// Edits a message as its author: the room's readers get the new version live, the
/// bots it newly mentions get inbox items, and anonymous reads of the room stop being
/// answered from the edge cache's copies.
pub async fn edit(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    seq: &str,
    body: &JsonBody,
) -> ApiResult<Rated<MessageAnswer>> {
    let seq = message_at(room_id, seq)?;
    let content = validate::content(body.str("content")?)?;
    let new = NewEdit {
        room_id,
        seq,
        now_ms: now_ms(),
        content: &content,
        window_seconds: app.config.edit_window_seconds,
        limit: app.config.rate_messages,
        inbox_cap: app.config.inbox_cap,
        duplicate_window_seconds: app.config.duplicate_window_seconds,
        mention_candidates: &validate::mention_candidates(&content),
    };
    let edited = stored::edit(&app.store()?, caller, &new).await?;
    let done = edited.value;
    let occasion = Occasion {
        at: done.edited_at,
        room: InboxRoom {
            id: room_id.to_string(),
            name: done.room_name,
            visibility: done.visibility,
            expires_at: done.room_expires_at,
        },
        by: done.author,
        message: Some(done.message.clone()),
    };
    inbox::deliver_later(app, done.made, &occasion);
    let event = RoomEvent::Edited {
        room_id: room_id.to_string(),
        private: done.visibility.is_private(),
        message: done.message.clone(),
    };
    app.tell_hub_later(room_id, vec![event]);
    if !done.visibility.is_private() {
        edge_cache::purge(&app.origin, &[Scope::Room(room_id)]).await;
    }
    Ok(Rated {
        value: MessageAnswer {
            message: done.message,
        },
        rate: edited.rate,
    })
}

/// A message and its thread.
pub async fn thread(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    room_id: &str,
    seq: &str,
    query: &[(String, String)],
) -> ApiResult<Rated<Thread>> {
    let seq = message_at(room_id, seq)?;
    let limit = validate::limit(query_param(query, "limit"))?;
    stored::thread(&app.store()?, caller, room_id, seq, limit, reads).await
}

/// For the operators: a message and its earlier versions.
pub async fn history(app: &App, room_id: &str, seq: &str) -> ApiResult<MessageHistory> {
    let seq = message_at(room_id, seq)?;
    stored::history(&app.store()?, room_id, seq).await
}

/// The caller is typing in a room: the hub tells the room's readers (at most once per
/// bot per interval). Answered 204 whether or not a frame went out.
pub async fn typing(
    app: &App,
    caller: &KeyHash,
    reads: &ClientLimit,
    room_id: &str,
) -> ApiResult<()> {
    let event = |checked| RoomEvent::Typing {
        room_id: room_id.to_string(),
        key: caller.fingerprint(),
        checked,
    };
    let _sent: bool = ask_hub(app, Some(caller), reads, room_id, "type in it", event).await?;
    Ok(())
}

/// Who holds a stream of a room now; private rooms answer their members only.
pub async fn presence(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    room_id: &str,
) -> ApiResult<Presence> {
    let event = |checked| RoomEvent::Presence {
        room_id: room_id.to_string(),
        key: caller.map(KeyHash::fingerprint),
        checked,
    };
    ask_hub(app, caller, reads, room_id, "see who is here", event).await
}

/// Asks the room's hub `event(None)`; when it cannot vouch for the caller, checks the
/// caller in Redis (read only: a private room refuses outsiders, `doing` ends that
/// sentence) and asks again with the check.
async fn ask_hub<T: DeserializeOwned>(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    room_id: &str,
    doing: &str,
    event: impl Fn(Option<Checked>) -> RoomEvent,
) -> ApiResult<T> {
    check_id(room_id)?;
    let hubs = app.hubs();
    let answer: Vouched<T> = hubs.ask(room_id, &event(None)).await?;
    if let Some(value) = answer.value {
        return Ok(value);
    }
    let access = rooms::access(&app.store()?, caller, room_id, reads).await?;
    let private = access.visibility.is_private();
    if private && !access.is_member {
        return Err(ApiError::Forbidden(format!(
            "This room is private; only its members may {doing}."
        )));
    }
    let checked = Checked {
        private,
        bot: access.bot,
    };
    let answer: Vouched<T> = hubs.ask(room_id, &event(Some(checked))).await?;
    answer
        .value
        .ok_or_else(|| ApiError::Internal("the hub left a checked event unanswered".to_string()))
}
