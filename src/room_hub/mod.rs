//! `RoomHub`: one Durable Object per room (global included), holding that room's
//! WebSockets and fanning out what the Worker has already persisted.
//!
//! The split: the stateless Worker authenticates, validates and writes to Redis; the hub
//! never decides anything about a request. It only (1) orders and delivers events,
//! (2) replays history to a resuming socket, and (3) ends the room when its alarm fires.
//! Each concern has its file:
//!
//! - `access`: who may have and keep a socket — revoked keys, removed members,
//!   per-address caps.
//! - `delivery`: live delivery — events in, the sequencer (`live::sequencer`), gap
//!   reads from Redis.
//! - `sockets`: the sockets themselves — tags, fan-out, closing.
//! - `resume`: connecting — `ready`, the backlog of a resuming socket, the accept.
//! - `expiry`: the room's lifetime — waking up after eviction, the alarm, the end.
//! - `posting`: posts over a socket (the Worker's write path, run here; posts that
//!   arrive together share a round trip).
//! - `conversation`: reactions and edits announced, typing and presence (the hub's own:
//!   never stored).
//! - `frames`: what the hub tells sockets, rendered from the facts it is given.
//!
//! What the Worker tells it (events, connect queries) is `live::protocol`; what it
//! shares with the inbox hub (ordered delivery and replay, revocations, sockets, the
//! Durable Object plumbing) is the rest of [`crate::live`].
//!
//! Sockets use the hibernation API (`acceptWebSocket` with tags), so an idle room costs
//! nothing: the object may be evicted while sockets stay open, and `new()` runs again on
//! the next event. Every fact needed after a wake-up therefore lives in tags or storage,
//! never only in fields. `{"type":"ping"}` is answered by the runtime's auto-response
//! without waking the object.

mod access;
mod conversation;
mod delivery;
mod expiry;
mod frames;
mod posting;
mod resume;
mod sockets;

use std::cell::RefCell;

use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage,
};

use crate::error::ApiResult;
use crate::live::feed;
use crate::live::hub::{self, Hub};
use crate::live::position::StoredPosition;
use crate::live::protocol::{MemberChange, RoomEvent, RoomUpgrade, Vouched, CHECK_IT_YOURSELF};
use crate::live::sequencer::Sequencer;
use crate::live::sockets::{answer_client_frame, finish_close};
use crate::store::Store;
use delivery::Frames;

/// What the hub keeps between events while it is awake.
#[derive(Default)]
struct Memory {
    /// Storage has been read and the alarm checked since this instance started.
    awake: bool,
    room_id: Option<String>,
    private: bool,
    /// The live delivery position and the messages waiting for their predecessors.
    sequencer: Sequencer<Frames>,
    /// The delivery position as storage has it (written behind).
    position: StoredPosition,
    /// Sockets being prepared (backlog read, not accepted yet): they count as listeners.
    preparing: access::Preparing,
    /// The room's membership version as far as the hub knows (private rooms).
    known_mver: Option<u64>,
    /// Recent revocations and removals (see `access`).
    ledger: access::Ledger,
    /// The room has ended; events are ignored and connections refused.
    gone: bool,
    /// The room as the last checked connection saw it in Redis: what anonymous
    /// observers are admitted on (see `resume::observer_query`).
    room: Option<crate::model::Room>,
    /// Typing and presence timing (see `conversation`).
    chatter: conversation::Chatter,
    /// Posts over sockets waiting for their round trip (see `posting`).
    outbox: posting::Outbox<posting::Waiting>,
}

#[durable_object]
pub struct RoomHub {
    state: State,
    env: Env,
    memory: RefCell<Memory>,
}

impl DurableObject for RoomHub {
    fn new(state: State, env: Env) -> Self {
        hub::answer_pings(&state);
        RoomHub {
            state,
            env,
            memory: RefCell::new(Memory::default()),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        hub::serve(self, req).await
    }

    async fn alarm(&self) -> worker::Result<Response> {
        // An error makes the runtime retry the alarm.
        self.expire()
            .await
            .map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
        Response::empty()
    }

    /// Any client frame but the exact ping (which never reaches here): a post (see
    /// `posting`), or anything else (see `live::sockets`).
    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        if let WebSocketIncomingMessage::String(text) = &message {
            if let Some(frame) = posting::PostFrame::parse(text) {
                self.post_from_socket(&ws, frame).await;
                return Ok(());
            }
        }
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
        self.presence_changed();
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

impl Hub for RoomHub {
    type Event = RoomEvent;
    type Connect = RoomUpgrade;

    /// Typing and presence answer a [`Vouched`]; other room events answer nothing.
    async fn on_event(&self, event: RoomEvent) -> ApiResult<Option<String>> {
        let answer = match event {
            RoomEvent::Typing {
                room_id,
                key,
                checked,
            } => vouched(self.on_typing(&room_id, &key, checked)),
            RoomEvent::Presence {
                room_id,
                key,
                checked,
            } => vouched(self.on_presence(&room_id, key.as_deref(), checked)),
            event => return self.on_room_event(event).await.map(|()| None),
        };
        Ok(Some(answer))
    }

    async fn on_connect(&self, upgrade: RoomUpgrade) -> ApiResult<Response> {
        match upgrade {
            RoomUpgrade::Checked(query) => {
                self.memory.borrow_mut().room = Some(query.room.clone());
                self.open_socket(*query).await
            }
            RoomUpgrade::Observer(observer) => match self.observer_query(observer) {
                Some(query) => self.open_socket(query).await,
                None => Ok(Response::empty()?.with_status(CHECK_IT_YOURSELF)),
            },
        }
    }
}

impl RoomHub {
    async fn on_room_event(&self, event: RoomEvent) -> ApiResult<()> {
        match event {
            RoomEvent::Created {
                room_id,
                expires_at_ms,
            } => self.on_created(&room_id, expires_at_ms).await,
            RoomEvent::Message {
                room_id,
                seq,
                private,
                created_at,
                message,
                mver,
            } => {
                if self.wake(&room_id, private).await? {
                    self.check_membership_version(mver).await?;
                    let frames = Frames::new(&room_id, private, seq, &created_at, &message);
                    feed::offer(self, seq, frames).await?;
                }
                Ok(())
            }
            RoomEvent::Membership {
                room_id,
                private,
                bot,
                change,
                mver,
            } => {
                if self.wake(&room_id, private).await? {
                    if private && change == MemberChange::Left {
                        // `member_left` first, on the sockets that are about to close.
                        self.announce_membership(&room_id, private, &bot, change);
                        self.on_removed(&bot.id, mver).await?;
                    } else {
                        self.check_membership_version(mver).await?;
                        self.announce_membership(&room_id, private, &bot, change);
                    }
                }
                Ok(())
            }
            RoomEvent::KeyRevoked { fingerprint } => self.on_key_revoked(&fingerprint).await,
            RoomEvent::KeyRestored { fingerprint } => self.on_key_restored(&fingerprint).await,
            RoomEvent::Deleted {
                room_id,
                private,
                seqs,
            } => {
                if self.wake(&room_id, private).await? {
                    self.announce_deleted(&room_id, private, &seqs);
                }
                Ok(())
            }
            RoomEvent::Ended { room_id } => self.end_room(&room_id).await,
            RoomEvent::Reaction {
                room_id,
                private,
                seq,
                emoji,
                count,
                bot,
            } => {
                self.announce_reaction(&room_id, private, seq, &emoji, count, &bot);
                Ok(())
            }
            RoomEvent::Edited {
                room_id,
                private,
                message,
            } => {
                self.announce_edit(&room_id, private, message.get());
                Ok(())
            }
            // Answered in `on_event`.
            RoomEvent::Typing { .. } | RoomEvent::Presence { .. } => Ok(()),
        }
    }

    /// The database; hubs have no request, only their environment.
    fn store(&self) -> ApiResult<Store> {
        Store::from_env(&self.env)
    }
}

/// A [`Vouched`] answer as JSON.
fn vouched<T: serde::Serialize>(value: Option<T>) -> String {
    serde_json::to_string(&Vouched { value }).unwrap_or_default()
}
