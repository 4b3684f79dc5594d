//! Posting over a socket: a bot holding a stream of the room opened with its key sends
//! `{"type":"post","content","reply_to"?,"client_id"?}`, and the hub does what
//! `POST …/messages` does — the same write path (`service::messages::store_post`: one
//! Redis round trip, the same rules, limits, duplicate guard and privacy), the same
//! live delivery (the events the Worker would have sent, handled here without the
//! hop), the same inbox items — then answers the sender `posted` with the stored
//! message, or an `error` frame, each with the sender's `client_id`. The sender's own
//! stream carries the `message` frame like everyone's, so every stream stays the
//! room's whole ordered log.

use serde_json::Value;
use worker::WebSocket;

use super::sockets::ROOM;
use super::{frames, RoomHub};
use crate::auth::KeyHash;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::http::JsonBody;
use crate::live::client::HubClient;
use crate::live::sockets::Attachment;
use crate::model::Message;
use crate::service::messages;

/// The fields a post frame may carry.
const FIELDS: [&str; 4] = ["type", "content", "reply_to", "client_id"];
/// The longest `client_id` echoed back.
const MAX_CLIENT_ID: usize = 128;
/// The largest frame read as a post: a body at the default limit (16 KiB) and its
/// frame's fields. A larger one is treated as any oversized client frame (closed).
const MAX_POST_FRAME: usize = 20 * 1024;

/// A client frame that asks to post.
pub(super) struct PostFrame {
    body: JsonBody,
    client_id: Option<String>,
}

impl PostFrame {
    /// The frame, when `text` is a JSON object of `"type": "post"`; `None` for any other
    /// frame (answered as before: see `live::sockets`).
    pub fn parse(text: &str) -> Option<PostFrame> {
        if text.len() > MAX_POST_FRAME {
            return None;
        }
        let value: Value = serde_json::from_str(text).ok()?;
        if value.get("type")?.as_str()? != "post" {
            return None;
        }
        let client_id = match value.get("client_id") {
            Some(Value::String(id)) => Some(id.chars().take(MAX_CLIENT_ID).collect()),
            _ => None,
        };
        let body = JsonBody::from_value(value).ok()?;
        Some(PostFrame { body, client_id })
    }
}

impl RoomHub {
    /// Posts what a socket sent and answers it.
    pub(super) async fn post_from_socket(&self, ws: &WebSocket, frame: PostFrame) {
        let client_id = frame.client_id.as_deref();
        match self.store_socket_post(ws, &frame).await {
            Ok((message, inbox)) => {
                let _ = ws.send_with_str(frames::posted(client_id, &message));
                let inboxes = HubClient::inboxes(&self.env);
                for (bot_id, event) in inbox {
                    if let Err(err) = inboxes.send(&bot_id, &event).await {
                        crate::log::hub_call_failed("event", &bot_id, &err);
                    }
                }
            }
            Err(err) => {
                crate::log::api_error(&err);
                let _ = ws.send_with_str(frames::post_error(client_id, &err));
            }
        }
    }

    /// Stores the post and delivers it live; returns the message and the inbox hubs'
    /// events, sent once the sender has its answer.
    async fn store_socket_post(
        &self,
        ws: &WebSocket,
        frame: &PostFrame,
    ) -> ApiResult<(Message, Vec<(String, crate::live::protocol::InboxEvent)>)> {
        let key = Attachment::of(ws)
            .key_hash()
            .map(|hash| KeyHash::from_stored(hash.to_string()))
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "This stream was opened without a key; to post over a socket, open the \
                     stream with Authorization: Bearer <api_key>."
                        .to_string(),
                )
            })?;
        frame.body.only(&FIELDS, "field")?;
        let room_id = self.room_of(ws)?;
        let config = Config::from_env(&self.env)?;
        let posted = messages::store_post(&config, &self.store()?, &key, &room_id, &frame.body)
            .await?
            .value;
        for event in messages::room_events(&room_id, &posted) {
            self.on_room_event(event).await?;
        }
        let inbox = messages::inbox_events(&room_id, &posted);
        Ok((posted.message, inbox))
    }

    /// The room a socket streams (its `room:` tag).
    fn room_of(&self, ws: &WebSocket) -> ApiResult<String> {
        self.state
            .as_raw()
            .get_tags(ws.as_ref())
            .unwrap_or_default()
            .into_iter()
            .find_map(|tag| tag.strip_prefix(ROOM).map(str::to_string))
            .ok_or_else(|| ApiError::Internal("a room socket without its room tag".to_string()))
    }
}
