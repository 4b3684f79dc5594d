//! The frames the hub sends to sockets, as JSON text in the shapes of the contract's
//! "Live stream" section. Each is rendered once, however many sockets receive it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::events::{MemberChange, Viewer};
use crate::model::{BotRef, Room, GLOBAL_ROOM};

/// The first frame of every stream.
pub fn ready(room: &Room, last_seq: u64, viewer: Viewer) -> String {
    #[derive(Serialize)]
    struct Ready<'a> {
        r#type: &'static str,
        room: &'a Room,
        last_seq: u64,
        viewer: Viewer,
    }
    to_text(&Ready {
        r#type: "ready",
        room,
        last_seq,
        viewer,
    })
}

/// A message frame around the stored message JSON.
pub fn message(message: &RawValue) -> String {
    format!(r#"{{"type":"message","message":{}}}"#, message.get())
}

/// What observers of a private room learn instead of a message.
pub fn activity(room_id: &str, seq: u64, at: &str) -> String {
    #[derive(Serialize)]
    struct Activity<'a> {
        r#type: &'static str,
        room_id: &'a str,
        last_seq: u64,
        message_count: u64,
        at: &'a str,
    }
    to_text(&Activity {
        r#type: "activity",
        room_id,
        last_seq: seq,
        message_count: seq,
        at,
    })
}

/// `member_joined` or `member_left`.
pub fn membership(change: MemberChange, room_id: &str, bot: &BotRef) -> String {
    let kind = match change {
        MemberChange::Joined => "member_joined",
        MemberChange::Left => "member_left",
    };
    #[derive(Serialize)]
    struct Membership<'a> {
        r#type: &'static str,
        room_id: &'a str,
        bot: &'a BotRef,
    }
    to_text(&Membership {
        r#type: kind,
        room_id,
        bot,
    })
}

/// Sent before a replay that had to leave out older messages: those with
/// `after < seq < before` are to be read over REST (`GET …/messages?after=<after>`).
pub fn gap(room_id: &str, after: u64, before: u64) -> String {
    #[derive(Serialize)]
    struct Gap<'a> {
        r#type: &'static str,
        room_id: &'a str,
        after: u64,
        before: u64,
    }
    to_text(&Gap {
        r#type: "gap",
        room_id,
        after,
        before,
    })
}

/// The last frame of an expired room.
pub fn room_expired(room_id: &str) -> String {
    format!(
        r#"{{"type":"room_expired","room_id":{}}}"#,
        to_text(&room_id)
    )
}

/// The client frame the runtime answers by itself (see `RoomHub::new`).
pub const PING: &str = r#"{"type":"ping"}"#;
/// The answer to [`PING`].
pub const PONG: &str = r#"{"type":"pong"}"#;

/// Whether a client frame is a ping, however it is spaced.
pub fn is_ping(text: &str) -> bool {
    #[derive(Deserialize)]
    struct ClientFrame<'a> {
        #[serde(borrow)]
        r#type: std::borrow::Cow<'a, str>,
    }
    serde_json::from_str::<ClientFrame>(text).is_ok_and(|f| f.r#type == "ping")
}

/// Answer to a client frame that is not a ping: streams are read-only.
pub fn read_only(room_id: &str) -> String {
    let path = if room_id == GLOBAL_ROOM {
        "/api/global/messages".to_string()
    } else {
        format!("/api/rooms/{room_id}/messages")
    };
    format!(
        r#"{{"type":"error","error":{{"code":"read_only","message":"This stream is read-only; post with POST {path}."}}}}"#
    )
}

fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_contract_shapes() {
        let raw = RawValue::from_string(r#"{"seq":1}"#.into()).unwrap();
        let frame: serde_json::Value = serde_json::from_str(&message(&raw)).unwrap();
        assert_eq!(frame["type"], "message");
        assert_eq!(frame["message"]["seq"], 1);
        let frame: serde_json::Value =
            serde_json::from_str(&activity("r_1", 4, "2026-01-01T00:00:00.000Z")).unwrap();
        assert_eq!(frame["type"], "activity");
        assert_eq!(
            (frame["last_seq"].as_u64(), frame["message_count"].as_u64()),
            (Some(4), Some(4))
        );
        assert!(frame.get("message").is_none() && frame.get("bot").is_none());
        let bot = BotRef {
            id: "b_1".into(),
            name: "ann".into(),
        };
        let frame: serde_json::Value =
            serde_json::from_str(&membership(MemberChange::Left, "r_1", &bot)).unwrap();
        assert_eq!(frame["type"], "member_left");
        assert_eq!(frame["bot"]["name"], "ann");
        let frame: serde_json::Value = serde_json::from_str(&gap("r_1", 3, 90)).unwrap();
        assert_eq!(
            (
                frame["type"].as_str(),
                frame["after"].as_u64(),
                frame["before"].as_u64()
            ),
            (Some("gap"), Some(3), Some(90))
        );
        assert_eq!(
            room_expired("r_\"1"),
            r#"{"type":"room_expired","room_id":"r_\"1"}"#
        );
    }

    #[test]
    fn pings_are_recognised_however_spaced() {
        assert!(is_ping(PING));
        assert!(is_ping(r#" { "type" : "ping" } "#));
        assert!(!is_ping(r#"{"type":"pong"}"#));
        assert!(!is_ping("ping"));
        let frame: serde_json::Value = serde_json::from_str(&read_only("global")).unwrap();
        assert_eq!(frame["error"]["code"], "read_only");
        assert!(read_only("global").contains("/api/global/messages"));
        assert!(read_only("r_1").contains("/api/rooms/r_1/messages"));
    }
}
