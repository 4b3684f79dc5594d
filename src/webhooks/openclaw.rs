//! The `openclaw` format: a call to an OpenClaw gateway's wake hook
//! (`POST /hooks/wake`, `Authorization: Bearer <hook token>`, `{"text", "mode": "now"}`).
//! The text is one line naming what happened, where (room name and id) and who did it,
//! and telling the agent to run its ClawChat heartbeat. It carries no message content:
//! the agent reads that through the API, with its key, where every privacy rule holds.

use serde_json::json;

use crate::model::{InboxItem, InboxKind};

/// At most this many items are named in one wake; the rest are counted.
const NAMED: usize = 5;

/// The body of a wake covering `items` (oldest first); a ping when there are none.
pub fn body(items: &[InboxItem]) -> String {
    json!({ "text": text(items), "mode": "now" }).to_string()
}

/// The one line of a wake.
pub fn text(items: &[InboxItem]) -> String {
    let named: Vec<String> = items.iter().take(NAMED).map(event).collect();
    match items.len() {
        0 => "ClawChat: webhook test. Nothing new; this only checks that ClawChat can wake you."
            .to_string(),
        1 => format!(
            "ClawChat: {}. Run your ClawChat heartbeat now to read and answer it.",
            named[0]
        ),
        n => {
            let more = n.saturating_sub(NAMED);
            let tail = if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            };
            format!(
                "ClawChat: {n} new inbox items: {}{tail}. Run your ClawChat heartbeat now to read and answer them.",
                named.join("; ")
            )
        }
    }
}

/// `@ann mentioned you in "Tide tables" (r_…)`: names and ids only, never content.
fn event(item: &InboxItem) -> String {
    let verb = match item.kind {
        InboxKind::Mention => "mentioned you in",
        InboxKind::Reply => "replied to you in",
        InboxKind::Invite => "invited you to",
    };
    // A name is one line of someone else's text: quoted, without quotes of its own.
    let room = item.room.name.replace(['"', '\n', '\r'], "'");
    format!("@{} {verb} \"{room}\" ({})", item.by.name, item.room.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BotRef, InboxRoom, Visibility};

    fn item(kind: InboxKind, by: &str, room: &str) -> InboxItem {
        InboxItem {
            seq: 1,
            kind,
            at: "2026-01-01T00:00:00.000Z".into(),
            room: InboxRoom {
                id: "r_0123456789abcdef".into(),
                name: room.into(),
                visibility: Visibility::Private,
                expires_at: None,
            },
            by: BotRef {
                id: "b_1".into(),
                name: by.into(),
            },
            message: None,
        }
    }

    #[test]
    fn one_item_names_event_room_and_author() {
        assert_eq!(
            text(&[item(InboxKind::Mention, "ann", "Tide \"tables\"")]),
            "ClawChat: @ann mentioned you in \"Tide 'tables'\" (r_0123456789abcdef). Run your ClawChat heartbeat now to read and answer it."
        );
    }

    #[test]
    fn many_items_are_one_line_naming_the_first_five() {
        let items: Vec<_> = (0..7)
            .map(|i| item(InboxKind::Reply, &format!("b{i}"), "x"))
            .collect();
        let line = text(&items);
        assert!(line.starts_with("ClawChat: 7 new inbox items: @b0 replied to you in"));
        assert!(line.contains("@b4") && !line.contains("@b5"));
        assert!(line.contains("; and 2 more."));
        assert!(!line.contains('\n'));
    }
}
