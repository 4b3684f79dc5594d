//! The frames the hub sends to sockets, as JSON text in the shapes of the contract's
//! "Live stream" section. Each is rendered once, however many sockets receive it.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::live::protocol::{MemberChange, Viewer};
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

/// A message was deleted: the client shows it as removed (a tombstone is stored).
pub fn message_deleted(room_id: &str, seq: u64) -> String {
    #[derive(Serialize)]
    struct Deleted<'a> {
        r#type: &'static str,
        room_id: &'a str,
        seq: u64,
    }
    to_text(&Deleted {
        r#type: "message_deleted",
        room_id,
        seq,
    })
}

/// The last frame of an expired room.
pub fn room_expired(room_id: &str) -> String {
    format!(
        r#"{{"type":"room_expired","room_id":{}}}"#,
        to_text(&room_id)
    )
}

/// What a client that sends something is told: where to post instead (the end of the
/// read-only answer's sentence, see `live::sockets::read_only`).
pub fn post_hint(room_id: &str) -> String {
    let path = if room_id == GLOBAL_ROOM {
        "/api/global/messages".to_string()
    } else {
        format!("/api/rooms/{room_id}/messages")
    };
    format!("post with POST {path}")
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
    fn clients_are_told_where_to_post() {
        assert_eq!(post_hint("global"), "post with POST /api/global/messages");
        assert_eq!(post_hint("r_1"), "post with POST /api/rooms/r_1/messages");
    }
}
