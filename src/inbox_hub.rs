//! `InboxHub`: one Durable Object per bot, holding the sockets of `GET /api/bots/me/ws`
//! and delivering the bot's inbox items live — in `seq` order, each once — as the
//! writes that make them happen (a mention, a reply, an invite, in any room).
//!
//! It is a room hub's small sibling and shares its machinery (`crate::live`): the items
//! come as events from the Worker after each write, already stored in Redis; racing
//! writes in different rooms are put in order by the sequencer, and a missing item is
//! read from Redis after a short wait; a connecting socket gets `ready`, then what it
//! missed (`?after=`), then live items, with the accept right after the last check, no
//! `.await` between. Every socket is the bot's own and was opened with its key, so a
//! key that stops working closes them all (4002).
//!
//! Cost: one Durable Object request per item made, sent by the Worker after its answer
//! (never on the request path), and no Redis command unless an item must be read back.

use std::cell::RefCell;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, WebSocketRequestResponsePair,
};

use crate::error::{ApiError, ApiResult};
use crate::http::error_response;
use crate::live::backlog::Backlog;
use crate::live::client::connect_query;
use crate::live::revocations::{self, Revocations, CHECK_MS};
use crate::live::sequencer::{self, Sequencer};
use crate::live::sockets::{
    answer_client_frame, client_tag, finish_close, key_tag, send_all, Attachment, PING, PONG,
};
use crate::model::{BotRef, InboxItem};
use crate::room_hub::CLOSE_KEY_REVOKED;
use crate::store::{inbox, Store};
use crate::time::now_ms;

/// How long an out-of-order item waits for its predecessors before the hub reads them.
const GAP_WAIT: Duration = Duration::from_millis(200);
/// Items per Redis read when replaying or filling a gap.
const PAGE: u64 = 100;
/// Open inbox streams one bot may hold.
const MAX_SOCKETS: usize = 10;
/// Storage key of the persisted delivery position.
const DELIVERED: &str = "delivered";

/// What the Worker tells a bot's inbox hub.
#[derive(Debug, Serialize, Deserialize)]
pub enum InboxEvent {
    /// Items made for the bot, already stored.
    Items {
        bot_id: String,
        items: Vec<InboxItem>,
    },
    /// A key of the bot stopped working: its sockets close.
    KeyRevoked { fingerprint: String },
}

/// What the Worker passes with an upgrade it has authorised.
#[derive(Debug, Serialize, Deserialize)]
pub struct InboxConnect {
    pub bot: BotRef,
    /// The fingerprint of the key the socket is opened with.
    pub key: String,
    /// The client's address bucket.
    pub client: String,
    /// The bot's newest inbox seq when the Worker read it.
    pub last_seq: u64,
    /// Replay the items after this seq first.
    pub after: Option<u64>,
    /// When the Worker checked the key (ms).
    pub checked_at: i64,
}

/// The first frame of an inbox stream.
fn ready(bot: &BotRef, last_seq: u64) -> String {
    serde_json::json!({ "type": "ready", "bot": bot, "last_seq": last_seq }).to_string()
}

/// An item frame.
fn item_frame(item: &InboxItem) -> String {
    serde_json::json!({ "type": "inbox", "item": item }).to_string()
}

/// Sent before a replay that had to leave out older items (read them with
/// `GET /api/bots/me/inbox?after=<after>`).
fn gap(after: u64, before: u64) -> String {
    serde_json::json!({ "type": "gap", "after": after, "before": before }).to_string()
}

#[derive(Default)]
struct Memory {
    /// Storage has been read since this instance started.
    awake: bool,
    bot_id: Option<String>,
    sequencer: Sequencer<String>,
    /// Connections being prepared (they count as listeners).
    preparing: u32,
    revoked: Revocations,
}

#[durable_object]
pub struct InboxHub {
    state: State,
    env: Env,
    memory: RefCell<Memory>,
}

impl DurableObject for InboxHub {
    fn new(state: State, env: Env) -> Self {
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            let _ = state.as_raw().set_websocket_auto_response(&pair);
        }
        InboxHub {
            state,
            env,
            memory: RefCell::new(Memory::default()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let result = match req.path().as_str() {
            "/event" => match serde_json::from_str::<InboxEvent>(&req.text().await?) {
                Ok(event) => self
                    .on_event(event)
                    .await
                    .and_then(|_| Ok(Response::empty()?)),
                Err(err) => Err(ApiError::Internal(format!("bad inbox event: {err}"))),
            },
            "/connect" => self.open_socket(&req).await,
            _ => Err(ApiError::NotFound("No such hub endpoint.".to_string())),
        };
        Ok(result.unwrap_or_else(|err| error_response(&err)))
    }

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
}

impl InboxHub {
    async fn on_event(&self, event: InboxEvent) -> ApiResult<()> {
        match event {
            InboxEvent::Items { bot_id, items } => {
                self.wake(&bot_id).await?;
                for item in items {
                    self.on_item(item).await?;
                }
                Ok(())
            }
            InboxEvent::KeyRevoked { fingerprint } => self.on_key_revoked(&fingerprint).await,
        }
    }

    fn sockets(&self) -> Vec<worker::web_sys::WebSocket> {
        self.state.as_raw().get_websockets().unwrap_or_default()
    }

    fn has_listeners(&self) -> bool {
        self.memory.borrow().preparing > 0 || !self.sockets().is_empty()
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

    /// One item, in order; a missing predecessor is waited for, then read from Redis.
    async fn on_item(&self, item: InboxItem) -> ApiResult<()> {
        let seq = item.seq;
        let ready = self
            .memory
            .borrow_mut()
            .sequencer
            .offer(seq, item_frame(&item));
        self.send(ready).await?;
        if !self.memory.borrow().sequencer.is_waiting(seq) {
            return Ok(());
        }
        if !self.has_listeners() {
            let ready = self.memory.borrow_mut().sequencer.skip_to(seq);
            return self.send(ready).await;
        }
        worker::Delay::from(GAP_WAIT).await;
        self.fill_to(seq - 1).await
    }

    /// Sends in-order frames to every socket and persists the position if anyone listens.
    async fn send(&self, ready: Vec<String>) -> ApiResult<()> {
        if ready.is_empty() {
            return Ok(());
        }
        let sockets = self.sockets();
        send_all(&sockets, ready.iter().map(String::as_str));
        if !sockets.is_empty() || self.memory.borrow().preparing > 0 {
            let delivered = self.memory.borrow().sequencer.delivered();
            if let Some(delivered) = delivered {
                self.state.storage().put(DELIVERED, delivered).await?;
            }
        }
        Ok(())
    }

    /// The bot's items after `after` in Redis (at most a page).
    async fn read(&self, after: u64) -> ApiResult<Vec<InboxItem>> {
        let bot_id = self.memory.borrow().bot_id.clone().unwrap_or_default();
        Ok(
            inbox::range(&Store::from_env(&self.env)?, &bot_id, after, PAGE)
                .await?
                .items,
        )
    }

    /// Reads the items up to `target` the hub has not delivered and delivers them in
    /// order (seqs Redis no longer has are skipped: see the sequencer).
    async fn fill_to(&self, target: u64) -> ApiResult<()> {
        loop {
            let Some(from) = self.memory.borrow().sequencer.delivered() else {
                return Ok(());
            };
            if from >= target {
                return Ok(());
            }
            let found = self.read(from).await?;
            let found = found.iter().map(|item| (item.seq, item_frame(item)));
            let ready = self.memory.borrow_mut().sequencer.fill(from, target, found);
            self.send(ready).await?;
        }
    }

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

    fn refuse_revoked(&self, query: &InboxConnect) -> ApiResult<()> {
        if self.memory.borrow().revoked.is_revoked(&query.key) {
            return Err(ApiError::Unauthorized("Unknown or rotated API key.".into()));
        }
        Ok(())
    }

    /// Accepts an inbox stream the Worker has authorised: `ready`, what the bot missed,
    /// then live items.
    async fn open_socket(&self, req: &Request) -> ApiResult<Response> {
        let query: InboxConnect = connect_query(req)?;
        self.wake(&query.bot.id).await?;
        if now_ms() - query.checked_at > CHECK_MS {
            return Err(ApiError::Unavailable(
                "This connection took too long to reach your inbox; connect again.".into(),
            ));
        }
        self.refuse_revoked(&query)?;
        if self.sockets().len() >= MAX_SOCKETS {
            return Err(ApiError::Capped(format!(
                "A bot may hold at most {MAX_SOCKETS} inbox streams; close one first."
            )));
        }
        let alone = !self.has_listeners();
        self.memory.borrow_mut().preparing += 1;
        let backlog = self.backlog(&query, alone).await;
        self.memory.borrow_mut().preparing -= 1;
        let backlog = backlog?;
        // No `.await` from here on: the backlog ends exactly where live delivery stands.
        self.refuse_revoked(&query)?;
        let pair = WebSocketPair::new()?;
        let tags = [key_tag(&query.key), client_tag(&query.client)];
        self.state
            .as_raw()
            .accept_websocket_with_tags(
                pair.server.as_ref(),
                tags.iter().map(|t| JsValue::from_str(t)).collect(),
            )
            .map_err(|err| ApiError::Internal(format!("accept: {err:?}")))?;
        pair.server.serialize_attachment(Attachment::new(
            "it delivers your inbox; answer with POST on the room's messages",
        ))?;
        pair.server
            .send_with_str(ready(&query.bot, query.last_seq))?;
        if let Some((after, before)) = backlog.gap {
            pair.server.send_with_str(gap(after, before))?;
        }
        for (_, frame) in &backlog.frames {
            pair.server.send_with_str(frame)?;
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    /// Brings live delivery up to what the Worker saw, then reads what the client missed
    /// (after `?after=`, or after `ready`'s `last_seq`) up to what was delivered live.
    async fn backlog(&self, query: &InboxConnect, alone: bool) -> ApiResult<Backlog> {
        if alone {
            // With nobody listening, delivery restarts from the client's view of Redis;
            // seqs the hub handled since count only if Redis has them.
            let remembered = self.memory.borrow().sequencer.delivered().unwrap_or(0);
            let mut delivered = query.last_seq;
            if remembered > query.last_seq {
                let stored = self.read(query.last_seq).await?.into_iter().map(|i| i.seq);
                delivered = sequencer::restart_point(query.last_seq, remembered, stored);
            }
            self.memory.borrow_mut().sequencer.restart_at(delivered);
        } else {
            self.memory
                .borrow_mut()
                .sequencer
                .restore(Some(query.last_seq));
            self.fill_to(query.last_seq).await?;
        }
        let requested = query.after.unwrap_or(query.last_seq).min(query.last_seq);
        let mut backlog = Backlog::new(requested);
        let delivered = || self.memory.borrow().sequencer.delivered().unwrap_or(0);
        let mut after = requested;
        while after < delivered() {
            let page = self.read(after).await?;
            let upto = delivered();
            let before = after;
            for item in page.iter().take_while(|item| item.seq <= upto) {
                backlog.push(item.seq, item_frame(item));
                after = item.seq;
            }
            if after == before {
                break; // nothing more in Redis up to where delivery stands
            }
        }
        Ok(backlog)
    }
}
