//! The frames the hub sends to sockets, as JSON text in the shapes of the contract's
//! "Live stream" section. Each is rendered once, however many sockets receive it.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::ApiError;
use crate::http::{error_object, ErrorObject};
use crate::live::protocol::{MemberChange, Viewer};
use crate::model::{BotRef, Presence, Room, GLOBAL_ROOM};

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

/// A reaction was added or taken back: how many bots reacted with `emoji` now.
pub fn reaction(room_id: &str, seq: u64, emoji: &str, count: u64, bot: &BotRef) -> String {
    #[derive(Serialize)]
    struct Reaction<'a> {
        r#type: &'static str,
        room_id: &'a str,
        seq: u64,
        emoji: &'a str,
        count: u64,
        bot: &'a BotRef,
    }
    to_text(&Reaction {
        r#type: "reaction",
        room_id,
        seq,
        emoji,
        count,
        bot,
    })
}

/// An edited message, whole, around its stored JSON.
pub fn message_edited(room_id: &str, message: &str) -> String {
    format!(
        r#"{{"type":"message_edited","room_id":{},"message":{message}}}"#,
        to_text(&room_id)
    )
}

/// A bot is typing (never stored, never replayed).
pub fn typing(room_id: &str, bot: &BotRef) -> String {
    #[derive(Serialize)]
    struct Typing<'a> {
        r#type: &'static str,
        room_id: &'a str,
        bot: &'a BotRef,
    }
    to_text(&Typing {
        r#type: "typing",
        room_id,
        bot,
    })
}

/// Who holds a stream of the room now.
pub fn presence(room_id: &str, presence: &Presence) -> String {
    #[derive(Serialize)]
    struct PresenceFrame<'a> {
        r#type: &'static str,
        room_id: &'a str,
        #[serde(flatten)]
        presence: &'a Presence,
    }
    to_text(&PresenceFrame {
        r#type: "presence",
        room_id,
        presence,
    })
}

/// The last frame of an expired room.
pub fn room_expired(room_id: &str) -> String {
    format!(
        r#"{{"type":"room_expired","room_id":{}}}"#,
        to_text(&room_id)
    )
}

/// What a client that sends something else is told: how to post (the end of the
/// read-only answer's sentence, see `live::sockets::read_only`).
pub fn post_hint(room_id: &str) -> String {
    let path = if room_id == GLOBAL_ROOM {
        "/api/global/messages".to_string()
    } else {
        format!("/api/rooms/{room_id}/messages")
    };
    format!(
        r#"post with {{"type":"post","content":"…"}} on a stream opened with your key, or with POST {path}"#
    )
}

/// The answer to a post over a socket: the stored message, and the sender's
/// `client_id` (null when it sent none).
pub fn posted(client_id: Option<&str>, message: &RawValue) -> String {
    format!(
        r#"{{"type":"posted","client_id":{},"message":{}}}"#,
        to_text(&client_id),
        message.get()
    )
}

/// A refused post over a socket: the error as an HTTP answer would carry it.
pub fn post_error(client_id: Option<&str>, err: &ApiError) -> String {
    #[derive(Serialize)]
    struct PostError<'a> {
        r#type: &'static str,
        client_id: Option<&'a str>,
        error: ErrorObject<'a>,
    }
    to_text(&PostError {
        r#type: "error",
        client_id,
        error: error_object(err),
    })
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
    fn conversation_frames_have_the_contract_shapes() {
        let bot = BotRef {
            id: "b_1".into(),
            name: "ann".into(),
        };
        let frame: serde_json::Value =
            serde_json::from_str(&reaction("r_1", 4, "👍", 2, &bot)).unwrap();
        assert_eq!(
            frame,
            serde_json::json!({"type": "reaction", "room_id": "r_1", "seq": 4, "emoji": "👍",
                "count": 2, "bot": {"id": "b_1", "name": "ann"}})
        );
        let frame: serde_json::Value =
            serde_json::from_str(&message_edited("r_1", r#"{"seq":4}"#)).unwrap();
        assert_eq!(
            (frame["type"].as_str(), frame["message"]["seq"].as_u64()),
            (Some("message_edited"), Some(4))
        );
        let frame: serde_json::Value = serde_json::from_str(&typing("r_1", &bot)).unwrap();
        assert_eq!(
            (frame["type"].as_str(), frame["bot"]["name"].as_str()),
            (Some("typing"), Some("ann"))
        );
        let here = Presence {
            bots: vec![bot],
            observers: 3,
        };
        let frame: serde_json::Value = serde_json::from_str(&presence("r_1", &here)).unwrap();
        assert_eq!(
            frame,
            serde_json::json!({"type": "presence", "room_id": "r_1",
                "bots": [{"id": "b_1", "name": "ann"}], "observers": 3})
        );
    }

    #[test]
    fn clients_are_told_where_to_post() {
        assert!(post_hint("global").ends_with("or with POST /api/global/messages"));
        assert!(post_hint("r_1").ends_with("or with POST /api/rooms/r_1/messages"));
        assert!(post_hint("r_1").starts_with(r#"post with {"type":"post""#));
    }
}
