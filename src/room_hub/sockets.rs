//! The hub's sockets: how they are tagged, how frames fan out to them, and how they
//! close.
//!
//! Every socket is accepted with tags the runtime keeps across hibernation: its viewer
//! (`observer` or `member`), its client's address bucket, `room:<id>` and, in a private
//! room, `private` (what the hub needs to know of its room after a wake-up), and, for a
//! bot that sent its key, `bot:<id>`, `name:<name>` and the key's fingerprint (see
//! `live::sockets`). Live delivery never
//! looks at individual sockets: a message is rendered once, converted to a JS string
//! once, and sent to the list of sockets (one per tag) the runtime keeps, in one call
//! into JavaScript (`live::sockets::broadcast`).

use wasm_bindgen::JsValue;
use worker::web_sys;

use super::delivery::Frames;
use super::{frames, RoomHub};
use crate::live::protocol::{MemberChange, RoomConnect, Viewer};
use crate::live::sockets::{broadcast, client_tag, key_tag};
use crate::model::BotRef;

pub(super) const BOT: &str = "bot:";
pub(super) const NAME: &str = "name:";
pub(super) const ROOM: &str = "room:";
pub(super) const PRIVATE: &str = "private";

/// The tag of a bot's own sockets.
pub(super) fn bot_tag(bot_id: &str) -> String {
    format!("{BOT}{bot_id}")
}

/// The tags a socket is accepted with.
pub(super) fn tags(query: &RoomConnect) -> Vec<JsValue> {
    let mut tags = vec![
        query.viewer.tag().to_string(),
        client_tag(&query.client),
        format!("{ROOM}{}", query.room.id),
    ];
    if query.private() {
        tags.push(PRIVATE.to_string());
    }
    if let Some(caller) = &query.bot {
        tags.push(bot_tag(&caller.bot_id));
        tags.push(format!("{NAME}{}", caller.name));
        tags.push(key_tag(&caller.key));
    }
    tags.iter().map(|tag| JsValue::from_str(tag)).collect()
}

/// The bot a socket belongs to, from its tags.
pub(super) fn bot_of(hub: &RoomHub, ws: &web_sys::WebSocket) -> Option<String> {
    hub.tags_of(ws)
        .into_iter()
        .find_map(|tag| tag.strip_prefix(BOT).map(str::to_string))
}

impl RoomHub {
    /// The hub's sockets, all or those with `tag`. Raw `web_sys` sockets: the hot path
    /// only sends, and an error here is an empty room rather than a panic.
    pub(super) fn sockets(&self, tag: Option<&str>) -> Vec<web_sys::WebSocket> {
        let state = self.state.as_raw();
        match tag {
            Some(tag) => state.get_websockets_with_tag(tag),
            None => state.get_websockets(),
        }
        .unwrap_or_default()
    }

    /// A socket's tags (none if the runtime cannot say).
    fn tags_of(&self, ws: &web_sys::WebSocket) -> Vec<String> {
        self.state.as_raw().get_tags(ws).unwrap_or_default()
    }

    /// Whether a socket was accepted as a member's or an observer's.
    pub(super) fn viewer_of(&self, ws: &web_sys::WebSocket) -> Option<Viewer> {
        let tags = self.tags_of(ws);
        [Viewer::Member, Viewer::Observer]
            .into_iter()
            .find(|viewer| tags.iter().any(|tag| tag == viewer.tag()))
    }

    /// Sends in-order messages to every socket: the content to those who may read it,
    /// an `activity` frame to observers of a private room. No per-socket state is read.
    /// Returns whether any socket was there.
    pub(super) fn deliver(&self, private: bool, batch: &[Frames]) -> bool {
        let state = self.state.as_raw();
        if private {
            let members = broadcast(
                state,
                Some(Viewer::Member.tag()),
                batch.iter().map(|f| f.message.as_str()),
            );
            let observers = broadcast(
                state,
                Some(Viewer::Observer.tag()),
                batch.iter().filter_map(|f| f.activity.as_deref()),
            );
            members || observers
        } else {
            broadcast(state, None, batch.iter().map(|f| f.message.as_str()))
        }
    }

    /// Tells everyone who could see them that messages were deleted: members only in a
    /// private room (observers never saw them), everyone in a public one.
    pub(super) fn announce_deleted(&self, room_id: &str, private: bool, seqs: &[u64]) {
        let frames: Vec<String> = seqs
            .iter()
            .map(|seq| frames::message_deleted(room_id, *seq))
            .collect();
        self.announce(private, frames.iter().map(String::as_str));
    }

    /// Announces a membership change: to members only in a private room, to everyone in
    /// a public one.
    pub(super) fn announce_membership(
        &self,
        room_id: &str,
        private: bool,
        bot: &BotRef,
        change: MemberChange,
    ) {
        let frame = frames::membership(change, room_id, bot);
        self.announce(private, [frame.as_str()]);
    }

    /// Sends frames about the room's content to those who may read it: members only in
    /// a private room, everyone in a public one.
    pub(super) fn announce<'a>(&self, private: bool, frames: impl IntoIterator<Item = &'a str>) {
        let tag = private.then(|| Viewer::Member.tag());
        broadcast(self.state.as_raw(), tag, frames);
    }
}
