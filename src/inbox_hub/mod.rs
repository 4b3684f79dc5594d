//! `InboxHub`: one Durable Object per bot, holding the sockets of `GET /api/bots/me/ws`
//! and delivering the bot's inbox items live — in `seq` order, each once — as the
//! writes that make them happen (a mention, a reply, an invite, in any room).
//!
//! It has the room hub's shape and shares its machinery (`crate::live`): the items come
//! as events from the Worker after each write, already stored in Redis; racing writes
//! in different rooms are put in order by `live::feed`, and a missing item is read from
//! Redis after a short wait; a connecting socket gets `ready`, then what it missed
//! (`?after=`), then live items, with the accept right after the last check, no
//! `.await` between. Every socket is the bot's own and was opened with its key, so a
//! key that stops working closes them all (4002). By concern:
//!
//! - `delivery`: the inbox as a `live::feed::Feed` — read from Redis, sent, remembered.
//! - `resume`: connecting — the checks, the backlog, the accept.
//! - `frames`: what the hub tells sockets.
//!
//! Cost: one Durable Object request per item made, sent by the Worker after its answer
//! (never on the request path), and no Redis command unless an item must be read back.

mod delivery;
mod frames;
mod resume;
mod webhook;

use std::cell::RefCell;

use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage,
};

use crate::error::{ApiError, ApiResult};
use crate::live::feed::{self, DELIVERED};
use crate::live::hub::{self, Hub};
use crate::live::position::StoredPosition;
use crate::live::protocol::{InboxConnect, InboxEvent, CLOSE_KEY_REVOKED};
use crate::live::revocations::{self, Revocations};
use crate::live::sequencer::Sequencer;
use crate::live::sockets::{answer_client_frame, finish_close, key_tag};
use crate::time::now_ms;

/// What the hub keeps between events while it is awake.
#[derive(Default)]
struct Memory {
    /// Storage has been read since this instance started.
    awake: bool,
    bot_id: Option<String>,
    sequencer: Sequencer<String>,
    /// The delivery position as storage has it (written behind).
    position: StoredPosition,
    /// Connections being prepared (they count as listeners).
    preparing: u32,
    revoked: Revocations,
    webhook: webhook::WebhookState,
}

#[durable_object]
pub struct InboxHub {
    state: State,
    env: Env,
    memory: RefCell<Memory>,
}

impl DurableObject for InboxHub {
    fn new(state: State, env: Env) -> Self {
        hub::answer_pings(&state);
        InboxHub {
            state,
            env,
            memory: RefCell::new(Memory::default()),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        hub::serve(self, req).await
    }

    /// Any client frame but the exact ping: see `live::sockets`.
    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        answer_client_frame(&ws, message);
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        finish_close(&ws, code);
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }

    /// Webhook retries (and deliveries that outlived an eviction). An error is logged,
    /// not returned: the runtime would retry the alarm at once, and the queue sets its
    /// own next alarm.
    async fn alarm(&self) -> worker::Result<Response> {
        if let Err(err) = self.webhook_alarm().await {
            crate::log::api_error(&err);
        }
        Response::empty()
    }
}

impl Hub for InboxHub {
    type Event = InboxEvent;
    type Connect = InboxConnect;

    async fn on_event(&self, event: InboxEvent) -> ApiResult<Option<String>> {
        let answer = match event {
            InboxEvent::Items { bot_id, items } => {
                self.wake(&bot_id).await?;
                for item in &items {
                    feed::offer(self, item.seq, frames::item(item)).await?;
                }
                self.webhook_items(&bot_id, &items).await?;
                return Ok(None);
            }
            InboxEvent::KeyRevoked { fingerprint } => {
                return self.on_key_revoked(&fingerprint).await.map(|()| None)
            }
            InboxEvent::KeyRestored { fingerprint } => {
                return self.on_key_restored(&fingerprint).await.map(|()| None)
            }
            InboxEvent::SetWebhook { bot_id, webhook } => {
                self.set_webhook(&bot_id, webhook).await?
            }
            InboxEvent::GetWebhook { .. } => self.get_webhook().await?,
            InboxEvent::DeleteWebhook { .. } => self.delete_webhook().await?,
            InboxEvent::TestWebhook { bot_id } => self.test_webhook(&bot_id).await?,
            InboxEvent::RotateSecret { secret, .. } => self.rotate_secret(secret).await?,
        };
        serde_json::to_string(&answer)
            .map(Some)
            .map_err(|e| ApiError::Internal(e.to_string()))
    }

    async fn on_connect(&self, query: InboxConnect) -> ApiResult<Response> {
        self.open_socket(query).await
    }
}

impl InboxHub {
    /// The hub's sockets: every one is the bot's own.
    fn sockets(&self) -> Vec<worker::web_sys::WebSocket> {
        self.state.as_raw().get_websockets().unwrap_or_default()
    }

    /// Restores the delivery position and the revocations after a wake-up.
    async fn wake(&self, bot_id: &str) -> ApiResult<()> {
        if self.memory.borrow().awake {
            return Ok(());
        }
        let storage = self.state.storage();
        let delivered: Option<u64> = storage.get(DELIVERED).await?;
        let revoked: Option<Revocations> = storage.get(revocations::STORAGE_KEY).await?;
        let mut memory = self.memory.borrow_mut();
        memory.bot_id = Some(bot_id.to_string());
        memory.sequencer.restore(delivered);
        memory
            .revoked
            .restore(revoked.unwrap_or_default(), now_ms());
        memory.awake = true;
        Ok(())
    }

    /// Forgets a revocation, in memory and in storage (the hub may not have woken since
    /// it stored it): the key works again.
    async fn on_key_restored(&self, fingerprint: &str) -> ApiResult<()> {
        let storage = self.state.storage();
        let stored: Option<Revocations> = storage.get(revocations::STORAGE_KEY).await?;
        let revoked = {
            let mut memory = self.memory.borrow_mut();
            memory.revoked.restore(stored.unwrap_or_default(), now_ms());
            memory.revoked.forget(fingerprint);
            memory.revoked.clone()
        };
        storage.put(revocations::STORAGE_KEY, revoked).await?;
        Ok(())
    }

    /// Closes the sockets opened with a key that stopped working, and remembers it for
    /// connections still on their way.
    async fn on_key_revoked(&self, fingerprint: &str) -> ApiResult<()> {
        for ws in self
            .state
            .as_raw()
            .get_websockets_with_tag(&key_tag(fingerprint))
            .unwrap_or_default()
        {
            let _ = ws.close_with_code_and_reason(CLOSE_KEY_REVOKED, "key no longer valid");
        }
        let revoked = {
            let mut memory = self.memory.borrow_mut();
            memory.revoked.revoke(fingerprint, now_ms());
            memory.revoked.clone()
        };
        self.state
            .storage()
            .put(revocations::STORAGE_KEY, revoked)
            .await?;
        Ok(())
    }
}
