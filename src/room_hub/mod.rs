//! `RoomHub`: one Durable Object per room (global included), holding that room's
//! WebSockets and fanning out what the Worker has already persisted.
//!
//! The split: the stateless Worker authenticates, validates and writes to Redis; the hub
//! never decides anything about a request. It only (1) orders and delivers events,
//! (2) replays history to a resuming socket, and (3) ends the room when its alarm fires.
//!
//! Sockets use the hibernation API (`accept_websocket_with_tags`), so an idle room costs
//! nothing: the object may be evicted while sockets stay open, and `new()` runs again on
//! the next event. That is why every fact needed after a wake-up lives in tags, socket
//! attachments or storage, never only in fields. `{"type":"ping"}` is answered by the
//! runtime's auto-response without waking the object at all.
//!
//! Ordering: posts race, so events can arrive as seq 8 before seq 7. The hub keeps the
//! highest seq it delivered (`delivered`, persisted) and buffers anything beyond the next
//! one; if the gap does not close within [`GAP_WAIT`], it reads the missing messages from
//! Redis. Each socket thus sees seqs strictly increasing with no gap.

pub mod client;
pub mod events;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, WebSocketRequestResponsePair,
};

use crate::app::store_for;
use crate::error::{ApiError, ApiResult};
use crate::http::error_response;
use crate::model::Message;
use crate::store::{records, scripts};
use crate::time::now_ms;
use events::{HubEvent, Viewer};

/// How long an out-of-order message waits for its predecessors before the hub fetches
/// them from Redis. Posts normally land within a few ms of each other.
const GAP_WAIT: Duration = Duration::from_millis(200);
/// Messages per Redis read when replaying or filling a gap.
const REPLAY_PAGE: u64 = 200;
/// Close code sent when the room's time is up.
pub const CLOSE_EXPIRED: u16 = 4001;
/// Close code sent to a member's sockets when it leaves (or is removed from) a private room.
pub const CLOSE_NOT_MEMBER: u16 = 4003;

/// Per-socket facts that must survive hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SocketInfo {
    id: String,
}

/// A message waiting for its turn.
struct Pending {
    private: bool,
    message_frame: String,
    activity_frame: String,
}

#[derive(Default)]
struct Memory {
    room_id: Option<String>,
    /// Highest seq delivered to every live socket; `None` until read from storage.
    delivered: Option<u64>,
    pending: BTreeMap<u64, Pending>,
    /// Sockets still receiving their replay: live delivery skips them.
    replaying: HashSet<String>,
    /// Sockets that asked to resume after a seq the hub has not delivered yet.
    floors: HashMap<String, u64>,
}

#[durable_object]
pub struct RoomHub {
    state: State,
    env: Env,
    memory: RefCell<Memory>,
}

impl DurableObject for RoomHub {
    fn new(state: State, env: Env) -> Self {
        if let Ok(pair) =
            WebSocketRequestResponsePair::new(r#"{"type":"ping"}"#, r#"{"type":"pong"}"#)
        {
            state.set_websocket_auto_response(&pair);
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
            "/connect" => self.accept_socket(&req).await,
            _ => Err(ApiError::NotFound("No such hub endpoint.".to_string())),
        };
        Ok(result.unwrap_or_else(|err| error_response(&err)))
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.expire()
            .await
            .map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
        Response::empty()
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        _message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let room_id = self.room_id().await.unwrap_or_default();
        let _ = ws.send_with_str(events::read_only(&room_id));
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        if let Some(info) = socket_info(&ws) {
            let mut memory = self.memory.borrow_mut();
            memory.replaying.remove(&info.id);
            memory.floors.remove(&info.id);
        }
        // 1005 and 1006 are reserved: they may be reported but never sent.
        let code = match code {
            1005 | 1006 => 1000,
            other => other as u16,
        };
        let _ = ws.close(Some(code), Some("closing"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

fn socket_info(ws: &WebSocket) -> Option<SocketInfo> {
    ws.deserialize_attachment::<SocketInfo>().ok().flatten()
}

/// The seq of a stored message.
fn seq_of(message: &RawValue) -> Option<u64> {
    #[derive(Deserialize)]
    struct Seq {
        seq: u64,
    }
    serde_json::from_str::<Seq>(message.get())
        .ok()
        .map(|s| s.seq)
}

fn created_at_of(message: &RawValue) -> String {
    #[derive(Deserialize)]
    struct At {
        created_at: String,
    }
    serde_json::from_str::<At>(message.get())
        .map(|a| a.created_at)
        .unwrap_or_default()
}

impl RoomHub {
    async fn on_event(&self, event: HubEvent) -> ApiResult<()> {
        match event {
            HubEvent::Message {
                room_id,
                seq,
                private,
                created_at,
                message,
            } => {
                self.remember_room(&room_id).await?;
                let pending = Pending {
                    private,
                    message_frame: events::message(&message),
                    activity_frame: events::activity(&room_id, seq, &created_at),
                };
                self.accept_message(seq, pending).await
            }
            HubEvent::MemberJoined {
                room_id,
                private,
                bot,
            } => {
                self.broadcast_membership(
                    private,
                    &events::membership("member_joined", &room_id, &bot),
                );
                Ok(())
            }
            HubEvent::MemberLeft {
                room_id,
                private,
                bot,
            } => {
                self.broadcast_membership(
                    private,
                    &events::membership("member_left", &room_id, &bot),
                );
                if private {
                    for ws in self.state.get_websockets_with_tag(&bot_tag(&bot.id)) {
                        let _ = ws.close(Some(CLOSE_NOT_MEMBER), Some("no longer a member"));
                    }
                }
                Ok(())
            }
            HubEvent::Created {
                room_id,
                expires_at_ms,
            } => {
                self.remember_room(&room_id).await?;
                let storage = self.state.storage();
                storage.put("expires_at", expires_at_ms).await?;
                self.set_delivered(0).await?;
                let wait = (expires_at_ms - now_ms()).max(0) as u64;
                storage.set_alarm(Duration::from_millis(wait)).await?;
                Ok(())
            }
        }
    }

    /// Stores the room id once: after an eviction `State::id().name()` may be empty.
    async fn remember_room(&self, room_id: &str) -> ApiResult<()> {
        if self.memory.borrow().room_id.is_some() {
            return Ok(());
        }
        let stored: Option<String> = self.state.storage().get("room_id").await?;
        if stored.is_none() {
            self.state.storage().put("room_id", room_id).await?;
        }
        self.memory.borrow_mut().room_id = Some(room_id.to_string());
        Ok(())
    }

    async fn room_id(&self) -> Option<String> {
        if let Some(id) = self.memory.borrow().room_id.clone() {
            return Some(id);
        }
        let stored: Option<String> = self.state.storage().get("room_id").await.ok().flatten();
        self.memory.borrow_mut().room_id = stored.clone();
        stored
    }

    /// The highest delivered seq, from memory or storage; `fallback` for a new hub.
    async fn delivered(&self, fallback: u64) -> ApiResult<u64> {
        if let Some(d) = self.memory.borrow().delivered {
            return Ok(d);
        }
        let stored: Option<u64> = self.state.storage().get("delivered").await?;
        let mut memory = self.memory.borrow_mut();
        Ok(*memory.delivered.get_or_insert(stored.unwrap_or(fallback)))
    }

    async fn set_delivered(&self, seq: u64) -> ApiResult<()> {
        self.memory.borrow_mut().delivered = Some(seq);
        self.state.storage().put("delivered", seq).await?;
        Ok(())
    }

    /// Queues a message and delivers whatever is now in order; waits for (or fetches)
    /// missing predecessors.
    async fn accept_message(&self, seq: u64, pending: Pending) -> ApiResult<()> {
        let delivered = self.delivered(seq.saturating_sub(1)).await?;
        if seq <= delivered {
            return Ok(());
        }
        let private = pending.private;
        self.memory.borrow_mut().pending.insert(seq, pending);
        self.drain().await?;
        if self.memory.borrow().pending.contains_key(&seq) {
            worker::Delay::from(GAP_WAIT).await;
            self.fill_gap(private).await?;
        }
        Ok(())
    }

    /// Delivers pending messages while the next expected seq is there.
    async fn drain(&self) -> ApiResult<()> {
        let mut delivered = self.memory.borrow().delivered.unwrap_or(0);
        let start = delivered;
        loop {
            let next = self.memory.borrow_mut().pending.remove(&(delivered + 1));
            match next {
                Some(pending) => {
                    delivered += 1;
                    self.memory.borrow_mut().delivered = Some(delivered);
                    self.deliver(delivered, &pending);
                }
                None => break,
            }
        }
        if delivered != start {
            self.set_delivered(delivered).await?;
        }
        Ok(())
    }

    /// Reads the messages missing before the oldest pending one from Redis, then
    /// delivers. Messages Redis no longer has (trimmed) are skipped.
    async fn fill_gap(&self, private: bool) -> ApiResult<()> {
        let (delivered, first_pending) = {
            let memory = self.memory.borrow();
            match memory.pending.keys().next() {
                Some(first) => (memory.delivered.unwrap_or(0), *first),
                None => return Ok(()),
            }
        };
        if first_pending == delivered + 1 {
            return self.drain().await;
        }
        let room_id = self.room_id().await.unwrap_or_default();
        let missing = self
            .read_log(
                &room_id,
                delivered,
                (first_pending - delivered - 1).min(REPLAY_PAGE),
            )
            .await?;
        {
            let mut memory = self.memory.borrow_mut();
            for message in missing {
                if let Some(seq) = seq_of(&message).filter(|s| *s < first_pending) {
                    let at = created_at_of(&message);
                    memory.pending.entry(seq).or_insert(Pending {
                        private,
                        message_frame: events::message(&message),
                        activity_frame: events::activity(&room_id, seq, &at),
                    });
                }
            }
            // Whatever is still missing is gone from Redis: skip past it.
            let current = memory.delivered.unwrap_or(0);
            if !memory.pending.contains_key(&(current + 1)) {
                if let Some(first) = memory.pending.keys().next().copied() {
                    memory.delivered = Some(first - 1);
                }
            }
        }
        self.drain().await
    }

    async fn read_log(&self, room_id: &str, after: u64, limit: u64) -> ApiResult<Vec<Message>> {
        let store = store_for(&self.env)?;
        let outcome = store
            .run(
                &scripts::LOG_RANGE,
                None,
                [room_id.to_string(), after.to_string(), limit.to_string()],
            )
            .await?;
        let [messages] = outcome.fields()?;
        Ok(records::messages(messages)?)
    }

    /// Sends one in-order message to every live socket: the content to those who may
    /// read it, an `activity` frame to observers of a private room.
    fn deliver(&self, seq: u64, pending: &Pending) {
        let memory = self.memory.borrow();
        let skip = |ws: &WebSocket| -> bool {
            if memory.replaying.is_empty() && memory.floors.is_empty() {
                return false;
            }
            socket_info(ws).is_some_and(|info| {
                memory.replaying.contains(&info.id)
                    || memory
                        .floors
                        .get(&info.id)
                        .is_some_and(|floor| seq <= *floor)
            })
        };
        let send = |tag: Option<&str>, frame: &str| {
            let sockets = match tag {
                Some(tag) => self.state.get_websockets_with_tag(tag),
                None => self.state.get_websockets(),
            };
            for ws in sockets.iter().filter(|ws| !skip(ws)) {
                let _ = ws.send_with_str(frame);
            }
        };
        if pending.private {
            send(Some(Viewer::Member.tag()), &pending.message_frame);
            send(Some(Viewer::Observer.tag()), &pending.activity_frame);
        } else {
            send(None, &pending.message_frame);
        }
    }

    /// Membership changes of private rooms are for members' eyes only.
    fn broadcast_membership(&self, private: bool, frame: &str) {
        let sockets = if private {
            self.state.get_websockets_with_tag(Viewer::Member.tag())
        } else {
            self.state.get_websockets()
        };
        for ws in sockets {
            let _ = ws.send_with_str(frame);
        }
    }

    /// Accepts a WebSocket the Worker has authorised, sends `ready`, replays what the
    /// client missed, then lets it join the live stream.
    async fn accept_socket(&self, req: &Request) -> ApiResult<Response> {
        let query = ConnectQuery::from_request(req)?;
        self.remember_room(&query.room_id).await?;
        let pair = WebSocketPair::new()?;
        let server = pair.server;
        let mut tags = vec![query.viewer.tag().to_string()];
        if let Some(bot) = &query.bot {
            tags.push(bot_tag(bot));
        }
        let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.state.accept_websocket_with_tags(&server, &tag_refs);
        let info = SocketInfo {
            id: crate::ids::random_hex(8)?,
        };
        server.serialize_attachment(&info)?;
        server.send_with_str(&query.ready)?;

        let can_read = !query.private || query.viewer == Viewer::Member;
        let delivered = self.delivered(query.last_seq).await?;
        if let Some(after) = query.after.filter(|after| can_read && *after < delivered) {
            self.memory.borrow_mut().replaying.insert(info.id.clone());
            let replayed = self.replay(&server, &query.room_id, after).await;
            self.memory.borrow_mut().replaying.remove(&info.id);
            replayed?;
        } else if let Some(after) = query.after.filter(|after| *after > delivered) {
            self.memory
                .borrow_mut()
                .floors
                .insert(info.id.clone(), after);
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    /// Sends stored messages after `after` up to what the hub has delivered live; once
    /// it returns (with no await in between) the socket is live and gets the next seq.
    async fn replay(&self, ws: &WebSocket, room_id: &str, mut after: u64) -> ApiResult<()> {
        loop {
            let delivered = self.memory.borrow().delivered.unwrap_or(0);
            if after >= delivered {
                return Ok(());
            }
            let page = self.read_log(room_id, after, REPLAY_PAGE).await?;
            if page.is_empty() {
                return Ok(());
            }
            let delivered = self.memory.borrow().delivered.unwrap_or(0);
            for message in &page {
                match seq_of(message) {
                    Some(seq) if seq <= delivered => {
                        ws.send_with_str(events::message(message))?;
                        after = seq;
                    }
                    _ => return Ok(()),
                }
            }
        }
    }

    /// The alarm: tell every socket, close them, delete the room from Redis, forget.
    async fn expire(&self) -> ApiResult<()> {
        let storage = self.state.storage();
        let Some(room_id) = self.room_id().await else {
            return Ok(storage.delete_all().await?);
        };
        let expires_at: Option<i64> = storage.get("expires_at").await?;
        if let Some(at) = expires_at.filter(|at| *at > now_ms()) {
            storage
                .set_alarm(Duration::from_millis((at - now_ms()).max(0) as u64))
                .await?;
            return Ok(());
        }
        let frame = events::room_expired(&room_id);
        for ws in self.state.get_websockets() {
            let _ = ws.send_with_str(&frame);
            let _ = ws.close(Some(CLOSE_EXPIRED), Some("room expired"));
        }
        store_for(&self.env)?
            .run(&scripts::ROOM_PURGE, None, [room_id])
            .await?;
        *self.memory.borrow_mut() = Memory::default();
        storage.delete_all().await?;
        Ok(())
    }
}

fn bot_tag(bot_id: &str) -> String {
    format!("bot:{bot_id}")
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
