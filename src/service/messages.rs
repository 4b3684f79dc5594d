//! Messages: the single write path (validate → one atomic script → hand to the room's
//! hub for live delivery) and paging.

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::http::JsonBody;
use crate::ids;
use crate::live::protocol::{MemberChange, RoomEvent};
use crate::model::InboxRoom;
use crate::model::{MessageAnswer, MessagePage};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::inbox::{self, Occasion};
use crate::store::messages::{self as stored, NewMessage};
use crate::time::now_ms;
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
    let content = validate::content(body.str("content")?)?;
    let reply_to = body.opt_int("reply_to")?;
    let new = NewMessage {
        room_id,
        id: &ids::message_id()?,
        now_ms: now_ms(),
        content: &content,
        reply_to: validate::reply_to(reply_to)?,
        history_cap: app.config.history_cap(room_id),
        limit: app.config.rate_messages,
        inbox_cap: app.config.inbox_cap,
        duplicate_window_seconds: app.config.duplicate_window_seconds,
        mention_candidates: &validate::mention_candidates(&content),
    };
    let posted = stored::post(&app.store()?, caller, &new).await?;
    let stored = posted.value;
    let private = stored.visibility.is_private();
    let occasion = Occasion {
        at: stored.created_at.clone(),
        room: InboxRoom {
            id: room_id.to_string(),
            name: stored.room_name,
            visibility: stored.visibility,
            expires_at: stored.room_expires_at,
        },
        by: stored.author.clone(),
        message: Some(stored.message.clone()),
    };
    inbox::deliver_later(app, stored.made, &occasion);
    let mut events = Vec::with_capacity(2);
    if stored.joined {
        events.push(RoomEvent::Membership {
            room_id: room_id.to_string(),
            private,
            bot: stored.author,
            change: MemberChange::Joined,
            mver: stored.mver,
        });
    }
    events.push(RoomEvent::Message {
        room_id: room_id.to_string(),
        seq: stored.seq,
        private,
        created_at: stored.created_at,
        message: stored.message.clone(),
        mver: stored.mver,
    });
    app.tell_hub_later(room_id, events);
    Ok(Rated {
        value: MessageAnswer {
            message: stored.message,
        },
        rate: posted.rate,
    })
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
