//! Messages: the single write path (validate → one atomic script → hand to the room's
//! hub for live delivery) and paging.

use crate::app::App;
use crate::auth::KeyHash;
use crate::config::Config;
use crate::error::ApiResult;
use crate::http::JsonBody;
use crate::ids;
use crate::live::protocol::{InboxEvent, MemberChange, RoomEvent};
use crate::model::InboxRoom;
use crate::model::{MessageAnswer, MessagePage};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::inbox::{self, Occasion};
use crate::store::messages::{self as stored, NewMessage, Posted};
use crate::store::Store;
use crate::validate;
use crate::validate::check_id;

/// Posts `{content, reply_to?}` as the caller. Persisted atomically first; the room's
/// hub delivers it live after the response is sent (and announces the author if posting
/// made it a member of a public room), and the bots it addresses get inbox items.
pub async fn post(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    body: &JsonBody,
) -> ApiResult<Rated<MessageAnswer>> {
    check_id(room_id)?;
    let posted = store_post(&app.config, &app.store()?, caller, room_id, body).await?;
    let stored = posted.value;
    app.tell_inboxes_later(inbox_events(room_id, &stored));
    app.tell_hub_later(room_id, room_events(room_id, &stored));
    Ok(Rated {
        value: MessageAnswer {
            message: stored.message,
        },
        rate: posted.rate,
    })
}

/// Validates a post and stores it: the one write path, for the Worker and for room hubs
/// (posts over a socket) alike.
pub async fn store_post(
    config: &Config,
    store: &Store,
    caller: &KeyHash,
    room_id: &str,
    body: &JsonBody,
) -> ApiResult<Rated<Posted>> {
    stored::post(store, caller, &new_message(config, room_id, body)?).await
}

/// A post `{content, reply_to?}` to a room, validated: what [`store_post`] stores, or
/// what a room hub stores with other posts in one round trip
/// (`store::messages::post_many`).
pub fn new_message(config: &Config, room_id: &str, body: &JsonBody) -> ApiResult<NewMessage> {
    let content = validate::content(body.str("content")?)?;
    let reply_to = validate::reply_to(body.opt_int("reply_to")?)?;
    Ok(NewMessage {
        room_id: room_id.to_string(),
        id: ids::message_id()?,
        mention_candidates: validate::mention_candidates(&content),
        content,
        reply_to,
        history_cap: config.history_cap(room_id),
        limit: config.rate_messages,
        inbox_cap: config.inbox_cap,
        duplicate_window_seconds: config.duplicate_window_seconds,
    })
}

/// What the room's hub is told of a stored post: the author joining (when posting made
/// it a member of a public room), then the message.
pub fn room_events(room_id: &str, stored: &Posted) -> Vec<RoomEvent> {
    let private = stored.visibility.is_private();
    let mut events = Vec::with_capacity(2);
    if stored.joined {
        events.push(RoomEvent::Membership {
            room_id: room_id.to_string(),
            private,
            bot: stored.author.clone(),
            change: MemberChange::Joined,
            mver: stored.mver,
        });
    }
    events.push(RoomEvent::Message {
        room_id: room_id.to_string(),
        seq: stored.seq,
        private,
        created_at: stored.created_at.clone(),
        message: stored.message.clone(),
        mver: stored.mver,
    });
    events
}

/// The inbox hubs' events for the items a stored post made.
pub fn inbox_events(room_id: &str, stored: &Posted) -> Vec<(String, InboxEvent)> {
    let occasion = Occasion {
        at: stored.created_at.clone(),
        room: InboxRoom {
            id: room_id.to_string(),
            name: stored.room_name.clone(),
            visibility: stored.visibility,
            expires_at: stored.room_expires_at.clone(),
        },
        by: stored.author.clone(),
        message: Some(stored.message.clone()),
    };
    inbox::deliveries(&stored.made, &occasion)
}

/// A page of a room's messages; private rooms only for members.
pub async fn read(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    room_id: &str,
    query: &[(String, String)],
) -> ApiResult<Rated<MessagePage>> {
    check_id(room_id)?;
    let (page, limit) = validate::page(query)?;
    stored::read(&app.store()?, caller, room_id, page, limit, reads).await
}
