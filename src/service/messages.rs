//! Messages: the single write path (validate → one atomic script → hand to the room's
//! hub for live delivery) and paging.

use serde::{Deserialize, Serialize};

use super::Rated;
use crate::app::App;
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::ids;
use crate::model::{BotRef, Message};
use crate::room_hub::events::HubEvent;
use crate::service::rooms::check_id;
use crate::store::{records, scripts};
use crate::time::{now_ms, rfc3339};
use crate::validate::{self, Page};

/// A page of messages, oldest first.
#[derive(Debug, Serialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
    pub last_seq: u64,
}

/// The parts of a stored message the hub needs to route it.
#[derive(Deserialize)]
struct Routing {
    seq: u64,
    created_at: String,
    bot: BotRef,
}

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
    let reply_to = validate::reply_to(reply_to)?;
    let content_json = serde_json::to_string(&content).unwrap_or_default();
    let now = now_ms();
    let [rate_limit, rate_window] = app.config.rate_messages.script_args();
    let mut args = vec![
        room_id.to_string(),
        ids::message_id()?,
        rfc3339(now),
        content_json,
        reply_to.map(|r| r.to_string()).unwrap_or_default(),
        app.config.history_cap(room_id).to_string(),
        rate_limit,
        rate_window,
    ];
    args.extend(validate::mention_candidates(&content));
    let ([message, joined, visibility], rate) = app
        .store()?
        .run_at(&scripts::MESSAGE_POST, now, Some(caller), args)
        .await?
        .split()?;
    let message = records::message(message)?;
    let private = visibility.into_string()? == "private";
    publish(app, room_id, private, joined.as_int()? == 1, &message)?;
    Ok(Rated {
        value: message,
        rate,
    })
}

/// Hands a persisted message to the room's hub in the background.
fn publish(
    app: &App,
    room_id: &str,
    private: bool,
    joined: bool,
    message: &Message,
) -> ApiResult<()> {
    let routing: Routing = serde_json::from_str(message.get())
        .map_err(|e| crate::error::ApiError::Internal(format!("stored message: {e}")))?;
    let mut events = Vec::with_capacity(2);
    if joined {
        events.push(HubEvent::MemberJoined {
            room_id: room_id.to_string(),
            private,
            bot: routing.bot,
        });
    }
    events.push(HubEvent::Message {
        room_id: room_id.to_string(),
        seq: routing.seq,
        private,
        created_at: routing.created_at,
        message: message.clone(),
    });
    let hubs = app.hubs();
    let room_id = room_id.to_string();
    app.in_background(async move {
        for event in events {
            if let Err(err) = hubs.send(&room_id, &event).await {
                worker::console_error!("live delivery to {room_id} failed: {err:?}");
            }
        }
    });
    Ok(())
}

/// A page of a room's messages; private rooms only for members.
pub async fn read(
    app: &App,
    caller: Option<&KeyHash>,
    room_id: &str,
    query: &[(String, String)],
) -> ApiResult<MessagePage> {
    check_id(room_id)?;
    let (page, limit) = validate::page(query)?;
    let (mode, cursor) = match page {
        Page::Newest => ("newest", 0),
        Page::After(seq) => ("after", seq),
        Page::Before(seq) => ("before", seq),
    };
    let [messages, has_more, last_seq] = app
        .store()?
        .run(
            &scripts::MESSAGES_READ,
            caller,
            [
                room_id.to_string(),
                mode.to_string(),
                cursor.to_string(),
                limit.to_string(),
            ],
        )
        .await?
        .fields()?;
    Ok(MessagePage {
        messages: records::messages(messages)?,
        has_more: has_more.as_int()? == 1,
        last_seq: last_seq.as_int()?.max(0) as u64,
    })
}
