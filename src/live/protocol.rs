//! The Worker↔hub contract: what the stateless Worker tells a hub (events about things
//! already persisted in Redis), what it passes with a WebSocket upgrade it has
//! authorised (a connect query), the paths both travel on and the close codes hubs end
//! sockets with. Both sides import this module and nothing else of each other: the
//! Worker never reaches inside a hub, and each hub renders its own frames from these
//! facts.
//!
//! Everything travels Worker → hub as JSON in an internal request: events as the body
//! of `POST` [`EVENT_PATH`], connect queries in the URL of `GET` [`CONNECT_PATH`] (an
//! upgrade request has no body).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::model::{BotRef, InboxItem, Room};
use crate::webhooks::{Webhook, WebhookView};

/// Where the Worker sends events.
pub const EVENT_PATH: &str = "/event";
/// Where the Worker hands over upgrades.
pub const CONNECT_PATH: &str = "/connect";
/// The query parameter of [`CONNECT_PATH`] that holds the connect query's JSON.
pub const CONNECT_QUERY: &str = "q";

/// Close code sent when the room's time is up.
pub const CLOSE_EXPIRED: u16 = 4001;
/// Close code sent to the sockets opened with a key that stopped working (rotated,
/// recovered, or its bot banned), in rooms and inboxes alike.
pub const CLOSE_KEY_REVOKED: u16 = 4002;
/// Close code sent to a member's sockets when it leaves (or is removed from) a private
/// room.
pub const CLOSE_NOT_MEMBER: u16 = 4003;

/// Something that happened in a room, already persisted in Redis.
#[derive(Debug, Serialize, Deserialize)]
pub enum RoomEvent {
    /// The room was created: remember it and arm the expiry alarm.
    Created { room_id: String, expires_at_ms: i64 },
    /// A message was appended with this `seq`.
    Message {
        room_id: String,
        seq: u64,
        private: bool,
        created_at: String,
        message: Box<RawValue>,
        /// The room's membership version when it was posted (see `Membership`).
        mver: u64,
    },
    /// A bot became, or stopped being, a member.
    Membership {
        room_id: String,
        private: bool,
        bot: BotRef,
        change: MemberChange,
        /// The room's membership version after the change. Every removal bumps it, so
        /// a hub that sees a version newer than the last it knows has missed a removal.
        mver: u64,
    },
    /// An API key stopped working (rotated, recovered, or its bot banned): the sockets
    /// opened with it close, and no connection checked with it is accepted any more.
    KeyRevoked { fingerprint: String },
    /// A revoked key works again (its bot was unbanned): connections with it are
    /// accepted at once.
    KeyRestored { fingerprint: String },
    /// Messages were deleted (tombstones replaced them).
    Deleted {
        room_id: String,
        private: bool,
        seqs: Vec<u64>,
    },
    /// An operator ended the room: it ends now, exactly as at its expiry.
    Ended { room_id: String },
    /// A bot's reaction to message `seq` was added or taken back; `count` is how many
    /// bots reacted with `emoji` now.
    Reaction {
        room_id: String,
        private: bool,
        seq: u64,
        emoji: String,
        count: u64,
        bot: BotRef,
    },
    /// A message was edited; `message` is it as stored now.
    Edited {
        room_id: String,
        private: bool,
        message: Box<RawValue>,
    },
    /// The bot with the key of fingerprint `key` is typing. Answered with a
    /// [`Vouched`]`<bool>` (whether a frame went out, or the bot's last one was too
    /// recent); unchecked (`checked: None`), the hub vouches for the bot only when it
    /// holds a stream opened with that key that may read the room, and otherwise
    /// answers `None`: the Worker checks with Redis and sends the event again, checked.
    Typing {
        room_id: String,
        key: String,
        checked: Option<Checked>,
    },
    /// Who holds a stream of the room now. Answered with a [`Vouched`]`<Presence>`;
    /// unchecked, the hub answers only what it can vouch for (a public room it knows
    /// live, or a private one the caller holds a member's stream of).
    Presence {
        room_id: String,
        /// The caller's key fingerprint, when it sent one.
        key: Option<String>,
        checked: Option<Checked>,
    },
}

/// What the Worker found in Redis for an event the hub could not vouch for: the room
/// is live, this is its visibility, and the caller may do what it asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub private: bool,
    /// The calling bot (typing always has one).
    pub bot: Option<BotRef>,
}

/// A hub's answer to an event it may not be able to vouch for: `None` sends the
/// Worker to Redis (then the event comes again with its check).
#[derive(Debug, Serialize, Deserialize)]
pub struct Vouched<T> {
    pub value: Option<T>,
}

/// One `typing` frame per bot and room per this long; more are dropped.
pub const TYPING_INTERVAL_MS: u64 = 3_000;
/// One `presence` frame per room per this long (the last change always goes out).
pub const PRESENCE_INTERVAL_MS: u64 = 5_000;

/// Which way membership changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberChange {
    Joined,
    Left,
}

/// Who a room socket belongs to, fixed when it connects (and kept as its hibernation
/// tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Viewer {
    Observer,
    Member,
}

impl Viewer {
    pub fn tag(self) -> &'static str {
        match self {
            Viewer::Observer => "observer",
            Viewer::Member => "member",
        }
    }
}

/// A bot on the other end of a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub bot_id: String,
    /// The bot's name, for what the hub says of it (typing, presence).
    #[serde(default)]
    pub name: String,
    /// The keyed hash of the key (see `KeyHash`; never the key itself): what the hub
    /// posts with when the bot posts over its socket.
    #[serde(default)]
    pub key_hash: String,
    /// See `KeyHash::fingerprint`.
    pub key: String,
}

/// A room upgrade, as the Worker hands it to the room's hub.
#[derive(Debug, Serialize, Deserialize)]
pub enum RoomUpgrade {
    /// Checked against Redis by the Worker.
    Checked(Box<RoomConnect>),
    /// An anonymous observer, not checked: the hub accepts it from what it knows when it
    /// is live and knows the room is public, and otherwise answers
    /// [`CHECK_IT_YOURSELF`], and the Worker checks it against Redis and sends it again
    /// as `Checked`. So a crowd arriving at a watched room costs Redis nothing.
    Observer(ObserverConnect),
}

/// The hub's answer to an [`RoomUpgrade::Observer`] it cannot accept from what it knows.
pub const CHECK_IT_YOURSELF: u16 = 204;

/// An anonymous observer's upgrade, before any check.
#[derive(Debug, Serialize, Deserialize)]
pub struct ObserverConnect {
    pub room_id: String,
    /// The client's address bucket, for the per-address caps.
    pub client: String,
    /// Replay the messages after this seq first.
    pub after: Option<u64>,
    /// When the Worker sent it (ms).
    pub checked_at: i64,
}

/// What the Worker passes with a room upgrade it has authorised: the facts it checked
/// against Redis in one round trip. The hub renders `ready` from them.
#[derive(Debug, Serialize, Deserialize)]
pub struct RoomConnect {
    /// The room as the Worker read it (its `message_count` is the newest seq then).
    pub room: Room,
    /// The room's membership version when the Worker read it.
    pub mver: u64,
    pub viewer: Viewer,
    /// The connecting bot and its key's fingerprint, when it sent its key.
    pub bot: Option<Caller>,
    /// The client's address bucket, for the per-address caps.
    pub client: String,
    /// When the Worker checked all this (ms): a check too old is not trusted.
    pub checked_at: i64,
    /// Replay the messages after this seq first.
    pub after: Option<u64>,
}

impl RoomConnect {
    /// The room's newest seq when the Worker read it.
    pub fn last_seq(&self) -> u64 {
        self.room.last_seq()
    }

    pub fn private(&self) -> bool {
        self.room.is_private()
    }
}

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
    /// A revoked key of the bot works again.
    KeyRestored { fingerprint: String },
    /// Sets (or replaces) the bot's webhook; answered with a [`WebhookAnswer`]. A
    /// replaced `standard` webhook keeps its secret (`secret` is used only when there
    /// is none yet).
    SetWebhook { bot_id: String, webhook: Webhook },
    /// Answered with the bot's webhook, if any.
    GetWebhook { bot_id: String },
    /// Removes the webhook and its pending deliveries; answered with the one removed.
    DeleteWebhook { bot_id: String },
    /// Queues one `ping` delivery; answered with the webhook (none: nothing queued).
    TestWebhook { bot_id: String },
    /// Replaces a `standard` webhook's secret with `secret`.
    RotateSecret { bot_id: String, secret: String },
}

/// What the inbox hub answers a webhook event.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct WebhookAnswer {
    pub webhook: Option<WebhookView>,
    /// The secret, when this answer is the one time it is shown.
    pub secret: Option<String>,
}

/// What the Worker passes with an inbox upgrade it has authorised.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Visibility;

    #[test]
    fn events_round_trip_with_raw_messages() {
        let raw = RawValue::from_string(r#"{"seq":3,"content":"hi"}"#.into()).unwrap();
        let event = RoomEvent::Message {
            room_id: "global".into(),
            seq: 3,
            private: false,
            created_at: "t".into(),
            message: raw,
            mver: 0,
        };
        let text = serde_json::to_string(&event).unwrap();
        match serde_json::from_str::<RoomEvent>(&text).unwrap() {
            RoomEvent::Message { message, seq, .. } => {
                assert_eq!(seq, 3);
                assert_eq!(message.get(), r#"{"seq":3,"content":"hi"}"#);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_connect_query_carries_the_room_the_worker_read() {
        let query = RoomConnect {
            room: Room {
                id: "r_1".into(),
                name: "n".into(),
                description: String::new(),
                visibility: Visibility::Private,
                created_by: None,
                created_at: "t".into(),
                expires_at: None,
                ttl_seconds: None,
                member_count: 2,
                message_count: 7,
                last_message_at: None,
                expires_at_ms: Some(5),
            },
            mver: 1,
            viewer: Viewer::Member,
            bot: None,
            client: "c".into(),
            checked_at: 9,
            after: Some(3),
        };
        let text = serde_json::to_string(&query).unwrap();
        let back: RoomConnect = serde_json::from_str(&text).unwrap();
        assert_eq!((back.last_seq(), back.private()), (7, true));
        assert_eq!(back.room.id, "r_1");
        assert_eq!(back.after, Some(3));
    }
}
