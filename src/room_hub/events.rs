//! What the Worker tells a room's hub: events (things already persisted in Redis) and
//! connection requests (a WebSocket upgrade with the facts the Worker checked). Both
//! travel Worker → hub as JSON in an internal request.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::model::{BotRef, Room};

/// Something that happened in a room, already persisted in Redis.
#[derive(Debug, Serialize, Deserialize)]
pub enum HubEvent {
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
    /// Messages were deleted (tombstones replaced them).
    Deleted {
        room_id: String,
        private: bool,
        seqs: Vec<u64>,
    },
    /// An operator ended the room: it ends now, exactly as at its expiry.
    Ended { room_id: String },
}

/// Which way membership changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberChange {
    Joined,
    Left,
}

/// Who a socket belongs to, fixed when it connects (and kept as its hibernation tags).
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

/// What the Worker passes with an upgrade it has authorised: facts it has already
/// checked against Redis, and the `ready` frame rendered from them.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConnectQuery {
    pub room_id: String,
    pub private: bool,
    /// The room's newest seq when the Worker read it.
    pub last_seq: u64,
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
    pub ready: String,
}

/// A bot on the other end of a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub bot_id: String,
    /// See `KeyHash::fingerprint`.
    pub key: String,
}

/// The facts a query is built from (see `service::live::connect`).
pub struct Checked {
    pub room: Room,
    pub mver: u64,
    pub viewer: Viewer,
    pub bot: Option<Caller>,
    pub client: String,
    pub checked_at: i64,
}

impl ConnectQuery {
    /// The query for what the Worker checked, resuming after `after`.
    pub fn new(checked: Checked, after: Option<u64>) -> Self {
        let last_seq = checked.room.last_seq();
        ConnectQuery {
            ready: super::frames::ready(&checked.room, last_seq, checked.viewer),
            room_id: checked.room.id,
            private: checked.room.visibility.is_private(),
            last_seq,
            mver: checked.mver,
            viewer: checked.viewer,
            bot: checked.bot,
            client: checked.client,
            checked_at: checked.checked_at,
            after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_with_raw_messages() {
        let raw = RawValue::from_string(r#"{"seq":3,"content":"hi"}"#.into()).unwrap();
        let event = HubEvent::Message {
            room_id: "global".into(),
            seq: 3,
            private: false,
            created_at: "t".into(),
            message: raw,
            mver: 0,
        };
        let text = serde_json::to_string(&event).unwrap();
        match serde_json::from_str::<HubEvent>(&text).unwrap() {
            HubEvent::Message { message, seq, .. } => {
                assert_eq!(seq, 3);
                assert_eq!(message.get(), r#"{"seq":3,"content":"hi"}"#);
            }
            other => panic!("{other:?}"),
        }
    }
}
