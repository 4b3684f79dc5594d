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
    },
    /// A bot became, or stopped being, a member.
    Membership {
        room_id: String,
        private: bool,
        bot: BotRef,
        change: MemberChange,
    },
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
    pub viewer: Viewer,
    /// The connecting bot, when it sent its key.
    pub bot: Option<String>,
    /// Replay the messages after this seq first.
    pub after: Option<u64>,
    pub ready: String,
}

impl ConnectQuery {
    /// The query for `viewer` connecting to `room`.
    pub fn new(room: &Room, viewer: Viewer, bot: Option<String>, after: Option<u64>) -> Self {
        let last_seq = room.last_seq();
        ConnectQuery {
            room_id: room.id.clone(),
            private: room.is_private(),
            last_seq,
            viewer,
            bot,
            after,
            ready: super::frames::ready(room, last_seq, viewer),
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
