//! What the hub says around messages: reactions and edits (persisted by the Worker,
//! announced here), and typing and presence, which exist only here — never stored,
//! never replayed, answered from the hub's own sockets.
//!
//! Privacy is the sockets' viewers: in a private room only members' sockets hear any of
//! it (observers of a private room learn neither who types nor how many watch). The hub
//! vouches for a caller only through a stream it holds opened with the caller's key:
//! keys that stop working close their streams, and a removed member's streams close,
//! so an open socket is a check Redis already made. Otherwise the Worker checks.
//!
//! Presence goes out when sockets come or go, at most once per
//! [`PRESENCE_INTERVAL_MS`]: a change inside the interval is sent when it ends (the
//! last change always goes out).

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};
use worker::{web_sys, worker_sys::DurableObjectState};

use super::sockets::{NAME, PRIVATE, ROOM};
use super::{frames, RoomHub};
use crate::live::protocol::{Checked, Viewer, PRESENCE_INTERVAL_MS, TYPING_INTERVAL_MS};
use crate::live::sockets::{broadcast, key_tag};
use crate::model::{BotRef, Presence};
use crate::time::now_ms;

/// When each bot's last `typing` frame went out, and when presence last did.
#[derive(Debug, Default)]
pub(super) struct Chatter {
    typing: HashMap<String, i64>,
    presence: Rc<PresenceClock>,
}

/// When presence last went out, and whether a send is already waiting.
#[derive(Debug, Default)]
struct PresenceClock {
    sent_at: Cell<i64>,
    waiting: Cell<bool>,
}

/// What a socket's tags say of it.
struct Tagged {
    bot: Option<BotRef>,
    viewer: Option<Viewer>,
    room_id: Option<String>,
    private: bool,
}

fn tagged(state: &DurableObjectState, ws: &web_sys::WebSocket) -> Tagged {
    let tags = state.get_tags(ws).unwrap_or_default();
    let find = |prefix: &str| {
        tags.iter()
            .find_map(|tag| tag.strip_prefix(prefix).map(str::to_string))
    };
    let viewer = [Viewer::Member, Viewer::Observer]
        .into_iter()
        .find(|viewer| tags.iter().any(|tag| tag == viewer.tag()));
    Tagged {
        bot: find(super::sockets::BOT).map(|id| BotRef {
            id,
            name: find(NAME).unwrap_or_default(),
        }),
        viewer,
        room_id: find(ROOM),
        private: tags.iter().any(|tag| tag == PRIVATE),
    }
}

fn open(state: &DurableObjectState) -> Vec<web_sys::WebSocket> {
    state
        .get_websockets()
        .unwrap_or_default()
        .into_iter()
        .filter(|ws| ws.ready_state() == web_sys::WebSocket::OPEN)
        .collect()
}

/// Who holds an open stream: bots (once each, by name) and the other streams — the
/// anonymous ones, and in a private room those of bots outside it, which members see
/// only as a count.
fn presence_of(state: &DurableObjectState) -> Presence {
    let mut bots: Vec<BotRef> = Vec::new();
    let mut observers = 0;
    for ws in open(state) {
        let t = tagged(state, &ws);
        match t.bot {
            Some(bot) if !t.private || t.viewer == Some(Viewer::Member) => {
                if !bots.iter().any(|b| b.id == bot.id) {
                    bots.push(bot);
                }
            }
            _ => observers += 1,
        }
    }
    bots.sort_by_key(|bot| bot.name.to_lowercase());
    Presence { bots, observers }
}

/// Sends the room's presence to its readers now.
fn send_presence(state: &DurableObjectState, clock: &PresenceClock) {
    clock.sent_at.set(now_ms());
    let sockets = open(state);
    let Some(first) = sockets.first() else {
        return;
    };
    let about = tagged(state, first);
    let Some(room_id) = about.room_id else {
        return;
    };
    let frame = frames::presence(&room_id, &presence_of(state));
    let readers = about.private.then(|| Viewer::Member.tag());
    broadcast(state, readers, [frame.as_str()]);
}

impl RoomHub {
    /// The bot behind an open stream opened with the key of fingerprint `key` that may
    /// read the room, and whether the room is private.
    fn vouch(&self, key: &str) -> Option<(BotRef, bool)> {
        let state = self.state.as_raw();
        state
            .get_websockets_with_tag(&key_tag(key))
            .unwrap_or_default()
            .iter()
            .filter(|ws| ws.ready_state() == web_sys::WebSocket::OPEN)
            .map(|ws| tagged(state, ws))
            .find(|t| !t.private || t.viewer == Some(Viewer::Member))
            .and_then(|t| Some((t.bot?, t.private)))
            // A socket accepted before sockets carried names cannot name its bot.
            .filter(|(bot, _)| !bot.name.is_empty())
    }

    /// A bot is typing: a `typing` frame to the room's readers, unless its last one is
    /// too recent. `None`: the hub cannot vouch for the caller (see the module).
    pub(super) fn on_typing(
        &self,
        room_id: &str,
        key: &str,
        checked: Option<Checked>,
    ) -> Option<bool> {
        let (bot, private) = match checked {
            Some(Checked {
                private,
                bot: Some(bot),
            }) => (bot, private),
            Some(Checked { bot: None, .. }) => return Some(false),
            None => self.vouch(key)?,
        };
        let now = now_ms();
        {
            let mut memory = self.memory.borrow_mut();
            let typing = &mut memory.chatter.typing;
            if typing
                .get(&bot.id)
                .is_some_and(|at| now - at < TYPING_INTERVAL_MS as i64)
            {
                return Some(false);
            }
            typing.retain(|_, at| now - *at < TYPING_INTERVAL_MS as i64);
            typing.insert(bot.id.clone(), now);
        }
        let frame = frames::typing(room_id, &bot);
        self.announce(private, [frame.as_str()]);
        Some(true)
    }

    /// Who is here, for a caller the hub can vouch for (or the Worker checked).
    pub(super) fn on_presence(
        &self,
        room_id: &str,
        key: Option<&str>,
        checked: Option<Checked>,
    ) -> Option<Presence> {
        let state = self.state.as_raw();
        if checked.is_none() {
            let vouched = match key {
                Some(key) => self.vouch(key).is_some(),
                // Anonymous: the room is public and live when a public stream of it is
                // open (an ended room closes them all).
                None => open(state).iter().any(|ws| {
                    let t = tagged(state, ws);
                    !t.private && t.room_id.as_deref() == Some(room_id)
                }),
            };
            if !vouched {
                return None;
            }
        }
        Some(presence_of(state))
    }

    /// A socket came or went: presence goes out now, or when the interval ends.
    pub(super) fn presence_changed(&self) {
        let clock = Rc::clone(&self.memory.borrow().chatter.presence);
        if clock.waiting.get() {
            return;
        }
        let wait = clock.sent_at.get() + PRESENCE_INTERVAL_MS as i64 - now_ms();
        // A handle of its own (a JS object: cloning shares it) for the wait below.
        let state: DurableObjectState = AsRef::<JsValue>::as_ref(self.state.as_raw())
            .clone()
            .unchecked_into();
        if wait <= 0 {
            send_presence(&state, &clock);
            return;
        }
        clock.waiting.set(true);
        worker::wasm_bindgen_futures::spawn_local(async move {
            worker::Delay::from(Duration::from_millis(wait as u64)).await;
            clock.waiting.set(false);
            send_presence(&state, &clock);
        });
    }

    /// Announces a reaction to the room's readers.
    pub(super) fn announce_reaction(
        &self,
        room_id: &str,
        private: bool,
        seq: u64,
        emoji: &str,
        count: u64,
        bot: &BotRef,
    ) {
        let frame = frames::reaction(room_id, seq, emoji, count, bot);
        self.announce(private, [frame.as_str()]);
    }

    /// Announces an edited message to the room's readers.
    pub(super) fn announce_edit(&self, room_id: &str, private: bool, message: &str) {
        let frame = frames::message_edited(room_id, message);
        self.announce(private, [frame.as_str()]);
    }
}
