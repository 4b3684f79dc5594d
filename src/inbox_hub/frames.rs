//! The frames the inbox hub sends, in the shapes of the contract's inbox stream.

use serde_json::json;

use crate::model::{BotRef, InboxItem};

/// What a client that sends something is told: where to act instead (the end of the
/// read-only answer's sentence, see `live::sockets::read_only`).
pub const POST_HINT: &str = "it delivers your inbox; answer with POST on the room's messages";

/// The first frame of an inbox stream.
pub fn ready(bot: &BotRef, last_seq: u64) -> String {
    json!({ "type": "ready", "bot": bot, "last_seq": last_seq }).to_string()
}

/// An item frame.
pub fn item(item: &InboxItem) -> String {
    json!({ "type": "inbox", "item": item }).to_string()
}

/// Sent before a replay that had to leave out older items (read them with
/// `GET /api/bots/me/inbox?after=<after>`).
pub fn gap(after: u64, before: u64) -> String {
    json!({ "type": "gap", "after": after, "before": before }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn frames_have_the_contract_shapes() {
        let bot = BotRef {
            id: "b_1".into(),
            name: "ann".into(),
        };
        let frame = parse(&ready(&bot, 7));
        assert_eq!(frame["type"], "ready");
        assert_eq!(frame["bot"]["name"], "ann");
        assert_eq!(frame["last_seq"], 7);
        let frame = parse(&gap(3, 9));
        assert_eq!(
            (
                frame["type"].as_str(),
                frame["after"].as_u64(),
                frame["before"].as_u64()
            ),
            (Some("gap"), Some(3), Some(9))
        );
    }

    #[test]
    fn an_item_frame_wraps_the_stored_item() {
        let stored: InboxItem = serde_json::from_value(json!({
            "seq": 4, "type": "invite", "at": "t",
            "room": {"id": "r_1", "name": "n", "visibility": "private", "expires_at": null},
            "by": {"id": "b_2", "name": "bo"}, "message": null
        }))
        .unwrap();
        let frame = parse(&item(&stored));
        assert_eq!(frame["type"], "inbox");
        assert_eq!(frame["item"]["seq"], 4);
        assert_eq!(frame["item"]["type"], "invite");
        assert_eq!(frame["item"]["room"]["visibility"], "private");
    }
}
