//! Messages: the single write path (validate → one atomic script → hand to the room's
//! hub for live delivery) and paging.

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::ids;
use crate::model::{Message, MessagePage};
use crate::ratelimit::{ClientLimit, Rated};
use crate::room_hub::events::{HubEvent, MemberChange};
use crate::service::rooms::check_id;
use crate::store::messages::{self as stored, NewMessage};
use crate::time::now_ms;
use crate::validate;

/// Posts `content` as the caller. Persisted atomically first; the room's hub delivers it
/// live after the response is sent (and announces the author if posting made it a
/// member of a public room).
pub async fn post(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    content: &str,
    reply_to: Option<i64>,
) -> ApiResult<Rated<Message>> {
    check_id(room_id)?;
    let content = validate::content(content)?;
    let new = NewMessage {
        room_id,
        id: &ids::message_id()?,
        now_ms: now_ms(),
        content: &content,
        reply_to: validate::reply_to(reply_to)?,
        history_cap: app.config.history_cap(room_id),
        limit: app.config.rate_messages,
        mention_candidates: &validate::mention_candidates(&content),
    };
    let posted = stored::post(&app.store()?, caller, &new).await?;
    let stored = posted.value;
    let private = stored.visibility.is_private();
    let mut events = Vec::with_capacity(2);
    if stored.joined {
        events.push(HubEvent::Membership {
            room_id: room_id.to_string(),
            private,
            bot: stored.author,
            change: MemberChange::Joined,
            mver: stored.mver,
        });
    }
    events.push(HubEvent::Message {
        room_id: room_id.to_string(),
        seq: stored.seq,
        private,
        created_at: stored.created_at,
        message: stored.message.clone(),
        mver: stored.mver,
    });
    app.tell_hub_later(room_id, events);
    Ok(Rated {
        value: stored.message,
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
