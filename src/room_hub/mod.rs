//! `RoomHub`: one Durable Object per room (global included), holding that room's
//! WebSockets and fanning out what the Worker has already persisted.
//!
//! The split: the stateless Worker authenticates, validates and writes to Redis; the hub
//! never decides anything about a request. It only (1) orders and delivers events,
//! (2) replays history to a resuming socket, and (3) ends the room when its alarm fires.
//!
//! Sockets use the hibernation API (`acceptWebSocket` with tags: `observer` or `member`,
//! plus `bot:<id>` for a bot's own sockets), so an idle room costs nothing: the object may
//! be evicted while sockets stay open, and `new()` runs again on the next event. Every
//! fact needed after a wake-up therefore lives in tags or storage, never only in fields.
//! `{"type":"ping"}` is answered by the runtime's auto-response without waking the object.
//!
//! Ordering: posts race, so events can arrive as seq 8 before seq 7. The hub keeps the
//! highest seq it delivered (`delivered`, persisted while anyone listens) and buffers
//! anything beyond the next one; if the gap does not close within [`GAP_WAIT`], it reads
//! the missing messages from Redis. That read always succeeds: the post script commits
//! seq n before the event for n leaves the Worker, and seqs are handed out in commit
//! order, so when event n arrives every seq below n is already in Redis. A room nobody
//! watches skips all of this (no waits, no storage writes): the first socket to connect
//! restarts delivery from its own view of Redis.
//!
//! Resuming: a connecting socket is accepted only once its backlog (what it missed, up
//! to what the hub has delivered live) has been read. The check "backlog reaches
//! `delivered`" and the accept happen with no `.await` in between, so the backlog and
//! the live stream meet with no gap and no duplicate, and live delivery never has to
//! look at individual sockets: a message is rendered once, converted to a JS string
//! once, and sent to the list of sockets (one per tag) the runtime keeps.
//!
//! Expiry: `Created` arms an alarm at the room's end. Each fresh instance re-checks the
//! alarm (and, lacking a stored expiry, asks Redis), so a room still ends on time after
//! the runtime restarted or an event was lost. The alarm sends `room_expired`, closes
//! every socket with 4001, runs `ROOM_PURGE` and clears the object's storage.

pub mod client;
pub mod events;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use js_sys::JsString;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::{
    durable_object, web_sys, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, WebSocketRequestResponsePair,
};

use crate::app::store_for;
use crate::error::{ApiError, ApiResult};
use crate::http::error_response;
use crate::model::{Message, GLOBAL_ROOM};
use crate::store::{records, scripts};
use crate::time::now_ms;
use events::{HubEvent, Viewer};

/// How long an out-of-order message waits for its predecessors before the hub reads
/// them from Redis. Racing posts normally land within a few ms of each other.
const GAP_WAIT: Duration = Duration::from_millis(200);
/// Messages per Redis read when replaying a backlog or filling a gap.
const LOG_PAGE: u64 = 200;
/// Close code sent when the room's time is up.
pub const CLOSE_EXPIRED: u16 = 4001;
/// Close code sent to a member's sockets when it leaves (or is removed from) a private room.
pub const CLOSE_NOT_MEMBER: u16 = 4003;

/// Storage keys. `room_id` and `expires_at` exist for rooms that expire (the alarm needs
/// them; after a restart `State::id().name()` can be empty), `delivered` while anyone
/// listens.
const ROOM_ID: &str = "room_id";
const EXPIRES_AT: &str = "expires_at";
const DELIVERED: &str = "delivered";

/// A message rendered once, however many sockets receive it.
struct Frames {
    message: String,
    /// What observers of a private room get instead; `None` in public rooms.
    activity: Option<String>,
}

impl Frames {
    fn new(room_id: &str, private: bool, seq: u64, created_at: &str, message: &RawValue) -> Self {
        Frames {
            message: events::message(message),
            activity: private.then(|| events::activity(room_id, seq, created_at)),
        }
    }
}

/// What the hub keeps between events while it is awake.
#[derive(Default)]
struct Memory {
    /// Storage has been read and the alarm checked since this instance started.
    awake: bool,
    room_id: Option<String>,
    private: bool,
    /// Highest seq delivered to every live socket; `None` until known.
    delivered: Option<u64>,
    /// Messages that arrived before their predecessors, by seq.
    pending: BTreeMap<u64, Frames>,
    /// Sockets being prepared (backlog read, not accepted yet): they count as listeners.
    connecting: u32,
    /// The room has ended; events are ignored and connections refused.
    gone: bool,
}

#[durable_object]
pub struct RoomHub {
    state: State,
    env: Env,
    memory: RefCell<Memory>,
}

impl DurableObject for RoomHub {
    fn new(state: State, env: Env) -> Self {
        if let Ok(pair) = WebSocketRequestResponsePair::new(events::PING, events::PONG) {
            let _ = state.as_raw().set_websocket_auto_response(&pair);
        }
        RoomHub {
            state,
            env,
            memory: RefCell::new(Memory::default()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let result = match req.path().as_str() {
            // Parsed with serde_json, not `req.json()`: messages stay raw JSON text.
            "/event" => match serde_json::from_str::<HubEvent>(&req.text().await?) {
                Ok(event) => self
                    .on_event(event)
                    .await
                    .and_then(|_| Ok(Response::empty()?)),
                Err(err) => Err(ApiError::Internal(format!("bad hub event: {err}"))),
            },
            "/connect" => self.accept(&req).await,
            _ => Err(ApiError::NotFound("No such hub endpoint.".to_string())),
        };
        Ok(result.unwrap_or_else(|err| error_response(&err)))
    }

    async fn alarm(&self) -> worker::Result<Response> {
        // An error makes the runtime retry the alarm.
        self.expire()
            .await
            .map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
        Response::empty()
    }

    /// Any client frame but the exact ping (which never reaches here) is answered here:
    /// a ping spelled differently gets its pong, anything else the read-only error.
    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let reply = match message {
            WebSocketIncomingMessage::String(text) if events::is_ping(&text) => {
                events::PONG.to_string()
            }
            _ => events::read_only(&self.stored_room_id().await),
        };
        let _ = ws.send_with_str(reply);
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // 1005 and 1006 are reserved: they may be reported but never sent.
        let code = match code {
            1005 | 1006 => 1000,
            other => u16::try_from(other).unwrap_or(1000),
        };
        // Complete the closing handshake the client started; a socket the hub closed
        // itself (4001, 4003) is already CLOSED here.
        if ws.as_ref().ready_state() != web_sys::WebSocket::CLOSED {
            let _ = ws.close(Some(code), Some("closing"));
        }
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

/// The seq and creation time of a stored message.
fn routing_of(message: &RawValue) -> Option<(u64, String)> {
    #[derive(Deserialize)]
    struct Routing {
        seq: u64,
        created_at: String,
    }
    serde_json::from_str::<Routing>(message.get())
        .ok()
        .map(|r| (r.seq, r.created_at))
}

/// How long until `at` (epoch ms), as the alarm API wants it: an offset.
fn until(at: i64) -> Duration {
    Duration::from_millis((at - now_ms()).max(0) as u64)
}

fn bot_tag(bot_id: &str) -> String {
    format!("bot:{bot_id}")
}

#[wasm_bindgen]
extern "C" {
    /// A WebSocket seen only as something to send text to.
    type TextSink;

    /// `WebSocket.send` with a JS string: a frame is converted from UTF-8 once per
    /// message, not once per socket (`send_with_str` converts on every call).
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send(this: &TextSink, text: &JsString) -> Result<(), JsValue>;
}

fn js_error(err: JsValue) -> ApiError {
    ApiError::Internal(format!("{err:?}"))
}

impl RoomHub {
    async fn on_event(&self, event: HubEvent) -> ApiResult<()> {
        match event {
            HubEvent::Created {
                room_id,
                expires_at_ms,
            } => self.on_created(&room_id, expires_at_ms).await,
            HubEvent::Message {
                room_id,
                seq,
                private,
                created_at,
                message,
            } => {
                if self.wake(&room_id, private).await? {
                    let frames = Frames::new(&room_id, private, seq, &created_at, &message);
                    self.on_message(seq, frames).await?;
                }
                Ok(())
            }
            HubEvent::MemberJoined {
                room_id,
                private,
                bot,
            } => {
                if self.wake(&room_id, private).await? {
                    let frame = events::membership("member_joined", &room_id, &bot);
                    self.broadcast_membership(private, &frame);
                }
                Ok(())
            }
            HubEvent::MemberLeft {
                room_id,
                private,
                bot,
            } => {
                if self.wake(&room_id, private).await? {
                    let frame = events::membership("member_left", &room_id, &bot);
                    self.broadcast_membership(private, &frame);
                    // After `member_left`, which goes out first on the same sockets.
                    if private {
                        for ws in self.sockets(Some(&bot_tag(&bot.id))) {
                            let _ = ws
                                .close_with_code_and_reason(CLOSE_NOT_MEMBER, "no longer a member");
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// A new room: remember when it ends and arm the alarm.
    async fn on_created(&self, room_id: &str, expires_at: i64) -> ApiResult<()> {
        let storage = self.state.storage();
        storage.put(ROOM_ID, room_id).await?;
        storage.put(EXPIRES_AT, expires_at).await?;
        storage.set_alarm(until(expires_at)).await?;
        let mut memory = self.memory.borrow_mut();
        memory.room_id = Some(room_id.to_string());
        memory.awake = true;
        Ok(())
    }

    /// Restores what a fresh instance needs (it may have been evicted, or the runtime
    /// restarted) and makes sure a room that expires has its alarm armed, so it still
    /// ends on time. Runs once per instance. Returns false once the room has ended.
    async fn wake(&self, room_id: &str, private: bool) -> ApiResult<bool> {
        {
            let mut memory = self.memory.borrow_mut();
            memory.private = private;
            if memory.gone {
                return Ok(false);
            }
            if memory.awake {
                return Ok(true);
            }
        }
        let storage = self.state.storage();
        let delivered: Option<u64> = storage.get(DELIVERED).await?;
        {
            let mut memory = self.memory.borrow_mut();
            memory.room_id = Some(room_id.to_string());
            if memory.delivered.is_none() {
                memory.delivered = delivered;
            }
        }
        if room_id != GLOBAL_ROOM {
            self.check_alarm(room_id).await?;
        }
        let mut memory = self.memory.borrow_mut();
        memory.awake = true;
        Ok(!memory.gone)
    }

    /// Re-arms a lost alarm. Without a stored expiry (the `Created` event never
    /// arrived), asks Redis; a room Redis no longer has has ended.
    async fn check_alarm(&self, room_id: &str) -> ApiResult<()> {
        let storage = self.state.storage();
        let expires_at = match storage.get::<i64>(EXPIRES_AT).await? {
            Some(at) => at,
            None => match self.expiry_in_redis(room_id).await {
                Ok(Some(at)) => {
                    storage.put(ROOM_ID, room_id).await?;
                    storage.put(EXPIRES_AT, at).await?;
                    at
                }
                Ok(None) => return self.end_room(room_id).await,
                Err(err) => {
                    // Redis still expires the room's keys by itself; try again on the
                    // next wake-up.
                    worker::console_error!("hub of {room_id}: no expiry known: {err:?}");
                    return Ok(());
                }
            },
        };
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(until(expires_at)).await?;
        }
        Ok(())
    }

    /// When the room ends according to Redis; `None` when Redis no longer has it.
    async fn expiry_in_redis(&self, room_id: &str) -> ApiResult<Option<i64>> {
        let outcome = store_for(&self.env)?
            .run(&scripts::ROOM_GET, None, [room_id.to_string()])
            .await;
        match outcome {
            Ok(outcome) => {
                let [room, _, _, _] = outcome.fields()?;
                Ok(records::room(room)?.expires_at_ms)
            }
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The room of a socket's hub after hibernation: only rooms that expire store their
    /// id, so a hub without one is the global room's.
    async fn stored_room_id(&self) -> String {
        if let Some(id) = self.memory.borrow().room_id.clone() {
            return id;
        }
        let stored: Option<String> = self.state.storage().get(ROOM_ID).await.ok().flatten();
        stored.unwrap_or_else(|| GLOBAL_ROOM.to_string())
    }

    /// The hub's sockets, all or those with `tag`. Raw `web_sys` sockets: the hot path
    /// only sends, and an error here is an empty room rather than a panic.
    fn sockets(&self, tag: Option<&str>) -> Vec<web_sys::WebSocket> {
        let state = self.state.as_raw();
        match tag {
            Some(tag) => state.get_websockets_with_tag(tag),
            None => state.get_websockets(),
        }
        .unwrap_or_default()
    }

    /// Whether any socket is open or about to be.
    fn has_listeners(&self) -> bool {
        self.memory.borrow().connecting > 0 || !self.sockets(None).is_empty()
    }

    /// Queues a message and delivers whatever is now in order; when predecessors are
    /// missing, waits for them, then reads them from Redis.
    async fn on_message(&self, seq: u64, frames: Frames) -> ApiResult<()> {
        {
            let mut memory = self.memory.borrow_mut();
            let delivered = *memory.delivered.get_or_insert(seq.saturating_sub(1));
            if seq <= delivered {
                return Ok(());
            }
            memory.pending.insert(seq, frames);
        }
        self.drain().await?;
        if !self.memory.borrow().pending.contains_key(&seq) {
            return Ok(());
        }
        if !self.has_listeners() {
            // Nobody to keep in order for: remember how far the room got, and let the
            // next socket start from Redis.
            {
                let mut memory = self.memory.borrow_mut();
                memory.delivered = memory.delivered.max(Some(seq - 1));
            }
            return self.drain().await;
        }
        worker::Delay::from(GAP_WAIT).await;
        self.fill_to(seq - 1).await
    }

    /// Delivers pending messages while the next expected seq is there (and drops any
    /// that are no longer ahead), then persists how far delivery got.
    async fn drain(&self) -> ApiResult<()> {
        let batch = {
            let mut memory = self.memory.borrow_mut();
            let Some(mut delivered) = memory.delivered else {
                return Ok(());
            };
            memory.pending = memory.pending.split_off(&(delivered + 1));
            let mut batch = Vec::new();
            while let Some(frames) = memory.pending.remove(&(delivered + 1)) {
                delivered += 1;
                batch.push(frames);
            }
            memory.delivered = Some(delivered);
            batch
        };
        if batch.is_empty() {
            return Ok(());
        }
        let reached = self.deliver(&batch);
        if reached || self.memory.borrow().connecting > 0 {
            self.persist_delivered().await?;
        }
        Ok(())
    }

    async fn persist_delivered(&self) -> ApiResult<()> {
        let delivered = self.memory.borrow().delivered;
        if let Some(delivered) = delivered {
            self.state.storage().put(DELIVERED, delivered).await?;
        }
        Ok(())
    }

    /// Reads the messages up to `target` that the hub has not delivered from Redis and
    /// delivers them in order. Redis trims the oldest messages first, so whatever it no
    /// longer has below the first it returns is gone for good and is skipped.
    async fn fill_to(&self, target: u64) -> ApiResult<()> {
        loop {
            let (room_id, private, from) = {
                let memory = self.memory.borrow();
                match (&memory.room_id, memory.delivered) {
                    (Some(room_id), Some(delivered)) if delivered < target => {
                        (room_id.clone(), memory.private, delivered)
                    }
                    _ => return Ok(()),
                }
            };
            let page = self
                .read_log(&room_id, from, (target - from).min(LOG_PAGE))
                .await?;
            let skipped = {
                let mut memory = self.memory.borrow_mut();
                let delivered = memory.delivered.unwrap_or(from);
                let mut first_found = None;
                for message in &page {
                    let Some((seq, created_at)) = routing_of(message) else {
                        continue;
                    };
                    if seq > target {
                        break;
                    }
                    first_found.get_or_insert(seq);
                    if seq > delivered {
                        memory.pending.entry(seq).or_insert_with(|| {
                            Frames::new(&room_id, private, seq, &created_at, message)
                        });
                    }
                }
                let resume = first_found.unwrap_or(target + 1);
                let skipped = delivered == from && resume > from + 1;
                if skipped {
                    memory.delivered = Some(resume - 1);
                }
                skipped
            };
            self.drain().await?;
            if skipped {
                self.persist_delivered().await?;
            }
        }
    }

    async fn read_log(&self, room_id: &str, after: u64, limit: u64) -> ApiResult<Vec<Message>> {
        let outcome = store_for(&self.env)?
            .run(
                &scripts::LOG_RANGE,
                None,
                [room_id.to_string(), after.to_string(), limit.to_string()],
            )
            .await?;
        let [messages] = outcome.fields()?;
        Ok(records::messages(messages)?)
    }

    /// Sends in-order messages to every socket: the content to those who may read it,
    /// an `activity` frame to observers of a private room. One socket list per batch;
    /// no per-socket state is read. Returns whether any socket was there.
    fn deliver(&self, batch: &[Frames]) -> bool {
        let send = |sockets: Vec<web_sys::WebSocket>, frame: fn(&Frames) -> Option<&str>| {
            if sockets.is_empty() {
                return false;
            }
            let texts: Vec<JsString> = batch.iter().filter_map(frame).map(JsString::from).collect();
            for ws in sockets {
                for text in &texts {
                    let _ = ws.unchecked_ref::<TextSink>().send(text);
                }
            }
            true
        };
        if self.memory.borrow().private {
            let members = send(self.sockets(Some(Viewer::Member.tag())), |f| {
                Some(f.message.as_str())
            });
            let observers = send(self.sockets(Some(Viewer::Observer.tag())), |f| {
                f.activity.as_deref()
            });
            members || observers
        } else {
            send(self.sockets(None), |f| Some(f.message.as_str()))
        }
    }

    /// Membership changes of private rooms are for members' eyes only.
    fn broadcast_membership(&self, private: bool, frame: &str) {
        let tag = private.then(|| Viewer::Member.tag());
        for ws in self.sockets(tag) {
            let _ = ws.send_with_str(frame);
        }
    }

    /// Accepts a WebSocket the Worker has authorised: `ready`, then the backlog, then
    /// live frames.
    async fn accept(&self, req: &Request) -> ApiResult<Response> {
        let query = ConnectQuery::from_request(req)?;
        let gone = || ApiError::NotFound(format!("No live room has the id {}.", query.room_id));
        if !self.wake(&query.room_id, query.private).await? {
            return Err(gone());
        }
        let alone = self.memory.borrow().connecting == 0 && self.sockets(None).is_empty();
        self.memory.borrow_mut().connecting += 1;
        let backlog = self.backlog(&query, alone).await;
        self.memory.borrow_mut().connecting -= 1;
        let backlog = backlog?;
        if self.memory.borrow().gone {
            return Err(gone());
        }
        // No `.await` from here on: the backlog ends exactly where live delivery stands.
        let pair = WebSocketPair::new()?;
        let mut tags = vec![JsValue::from_str(query.viewer.tag())];
        if let Some(bot) = &query.bot {
            tags.push(JsValue::from_str(&bot_tag(bot)));
        }
        self.state
            .as_raw()
            .accept_websocket_with_tags(pair.server.as_ref(), tags)
            .map_err(js_error)?;
        pair.server.send_with_str(&query.ready)?;
        for frame in &backlog {
            pair.server.send_with_str(frame)?;
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    /// With nobody listening, live delivery restarts from a connecting client's view of
    /// Redis (`last_seq`). Seqs the hub handled since the Worker read it count only if
    /// Redis has them: a hub must never trust a memory of seqs Redis has lost.
    async fn restart_delivery(&self, room_id: &str, last_seq: u64) -> ApiResult<()> {
        let remembered = self.memory.borrow().delivered.unwrap_or(0);
        let mut delivered = last_seq;
        if remembered > last_seq {
            let limit = (remembered - last_seq).min(LOG_PAGE);
            let page = self.read_log(room_id, last_seq, limit).await?;
            for (seq, _) in page.iter().filter_map(|m| routing_of(m)) {
                if seq <= remembered {
                    delivered = delivered.max(seq);
                }
            }
            // Handled (for nobody) during the read: real, and in Redis too.
            let now = self.memory.borrow().delivered.unwrap_or(0);
            if now > remembered {
                delivered = delivered.max(now);
            }
        }
        self.memory.borrow_mut().delivered = Some(delivered);
        self.persist_delivered().await
    }

    /// Brings live delivery up to what the Worker saw in Redis, then reads what this
    /// client missed: messages after `?after=` (or after `ready`'s `last_seq`) up to
    /// what the hub has delivered live. Private rooms replay only to members.
    async fn backlog(&self, query: &ConnectQuery, alone: bool) -> ApiResult<Vec<String>> {
        if alone {
            self.restart_delivery(&query.room_id, query.last_seq)
                .await?;
        } else {
            self.memory
                .borrow_mut()
                .delivered
                .get_or_insert(query.last_seq);
            self.fill_to(query.last_seq).await?;
        }
        let mut backlog = Vec::new();
        if query.private && query.viewer != Viewer::Member {
            return Ok(backlog);
        }
        let delivered = || self.memory.borrow().delivered.unwrap_or(0);
        let mut after = query.after.unwrap_or(query.last_seq).min(query.last_seq);
        while after < delivered() {
            let page = self
                .read_log(&query.room_id, after, (delivered() - after).min(LOG_PAGE))
                .await?;
            let (start, upto) = (after, delivered());
            for message in &page {
                match routing_of(message) {
                    Some((seq, _)) if seq > after && seq <= upto => {
                        backlog.push(events::message(message));
                        after = seq;
                    }
                    _ => break,
                }
            }
            if after == start {
                // Redis has nothing more (the room is being purged): stop here.
                break;
            }
        }
        Ok(backlog)
    }

    /// The alarm: end the room, unless its expiry moved (then re-arm).
    async fn expire(&self) -> ApiResult<()> {
        let storage = self.state.storage();
        let stored: Option<String> = storage.get(ROOM_ID).await?;
        let Some(room_id) = stored else {
            return Ok(storage.delete_all().await?);
        };
        let expires_at: Option<i64> = storage.get(EXPIRES_AT).await?;
        if let Some(at) = expires_at.filter(|at| *at > now_ms()) {
            storage.set_alarm(until(at)).await?;
            return Ok(());
        }
        self.end_room(&room_id).await
    }

    /// Tells every socket, closes them, deletes the room from Redis, forgets it.
    async fn end_room(&self, room_id: &str) -> ApiResult<()> {
        self.memory.borrow_mut().gone = true;
        let frame = events::room_expired(room_id);
        for ws in self.sockets(None) {
            let _ = ws.send_with_str(&frame);
            let _ = ws.close_with_code_and_reason(CLOSE_EXPIRED, "room expired");
        }
        store_for(&self.env)?
            .run(&scripts::ROOM_PURGE, None, [room_id.to_string()])
            .await?;
        *self.memory.borrow_mut() = Memory {
            gone: true,
            awake: true,
            ..Memory::default()
        };
        self.state.storage().delete_all().await?;
        Ok(())
    }
}

/// What the Worker passes to `/connect` (see `RoomHubs::connect`): facts it has
/// already checked against Redis, and the `ready` frame it rendered from them.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConnectQuery {
    pub room_id: String,
    pub private: bool,
    pub last_seq: u64,
    pub viewer: Viewer,
    pub bot: Option<String>,
    pub after: Option<u64>,
    pub ready: String,
}

impl ConnectQuery {
    fn from_request(req: &Request) -> ApiResult<Self> {
        let url = req.url()?;
        let json = url
            .query_pairs()
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ApiError::Internal("hub connect without q".into()))?;
        serde_json::from_str(&json).map_err(|e| ApiError::Internal(format!("hub connect: {e}")))
    }
}
