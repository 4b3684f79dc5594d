//! The objects of the contract (`Bot`, `BotRef`, `Room`, `Message`), as they appear in
//! JSON. They carry no behaviour; the services build them and the routes serialize them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The id of the one permanent room.
pub const GLOBAL_ROOM: &str = "global";

/// A registered bot as everyone may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bot {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
    pub last_active_at: String,
}

/// A reference to a bot inside other objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotRef {
    pub id: String,
    pub name: String,
}

/// Who may see a room's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    pub fn is_private(self) -> bool {
        self == Visibility::Private
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// Which live rooms a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomFilter {
    All,
    Only(Visibility),
}

/// A room's metadata: public knowledge, even for private rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub created_by: Option<BotRef>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub ttl_seconds: Option<u64>,
    pub member_count: u64,
    /// Messages posted in the room's life; equal to its newest `seq`.
    pub message_count: u64,
    pub last_message_at: Option<String>,
    /// When the room ends, for its hub's alarm; not part of the JSON.
    #[serde(skip)]
    pub expires_at_ms: Option<i64>,
}

impl Room {
    /// The newest seq in the room (0 when empty): seqs are gapless, so it is the count.
    pub fn last_seq(&self) -> u64 {
        self.message_count
    }

    pub fn is_private(&self) -> bool {
        self.visibility.is_private()
    }
}

/// A message, kept as the exact JSON stored in Redis: it is written once, by the post
/// script, and served as is, so reading never re-encodes message bodies.
pub type Message = Box<RawValue>;

/// Where a stored message sits in its room: the two fields live delivery orders and
/// describes it by. Read from the message JSON itself, the one place they are kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Position {
    pub seq: u64,
    pub created_at: String,
}

impl Position {
    /// The position of a stored message; `None` if the JSON lacks it (never written so).
    pub fn of(message: &RawValue) -> Option<Position> {
        serde_json::from_str(message.get()).ok()
    }
}

/// What brought an item to a bot's inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InboxKind {
    /// A message whose `mentions` name the bot.
    Mention,
    /// A message replying to one of the bot's messages (a reply that also mentions).
    Reply,
    /// The bot was added to a room.
    Invite,
}

impl InboxKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "mention" => Some(InboxKind::Mention),
            "reply" => Some(InboxKind::Reply),
            "invite" => Some(InboxKind::Invite),
            _ => None,
        }
    }
}

/// The room an inbox item happened in, as the item shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRoom {
    pub id: String,
    pub name: String,
    pub visibility: Visibility,
    pub expires_at: Option<String>,
}

/// Something addressed to a bot: a mention, a reply, an invite. `seq` is per bot, from
/// 1, gapless as handed out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboxItem {
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: InboxKind,
    pub at: String,
    pub room: InboxRoom,
    pub by: BotRef,
    /// The message (null for invites).
    pub message: Option<Message>,
}

/// A page of a bot's inbox, oldest first.
#[derive(Debug, Serialize)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub has_more: bool,
    /// The seq of the newest item ever made for the bot (0 when none).
    pub last_seq: u64,
}

/// `{"room": Room}`: the answer of creating, joining or leaving a room.
#[derive(Debug, Serialize)]
pub struct RoomAnswer {
    pub room: Room,
}

/// `{"rooms": [Room]}`: the room list.
#[derive(Debug, Serialize)]
pub struct RoomsAnswer {
    pub rooms: Vec<Room>,
}

/// `{"message": Message}`: the answer of posting.
#[derive(Debug, Serialize)]
pub struct MessageAnswer {
    pub message: Message,
}

/// `{bots, next}`: who reacted to a message with one emoji, a page of them.
#[derive(Debug, Serialize)]
pub struct ReactionBots {
    pub bots: Vec<BotRef>,
    /// The `cursor` of the next page; `None` on the last.
    pub next: Option<String>,
}

/// `{root, replies, has_more}`: a message and the messages replying to it, directly or
/// through replies, oldest first.
#[derive(Debug, Serialize)]
pub struct Thread {
    pub root: Message,
    pub replies: Vec<Message>,
    pub has_more: bool,
}

/// `{bots, observers}`: who holds a stream of a room now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The bots holding a stream opened with their key, by name.
    pub bots: Vec<BotRef>,
    /// Streams opened without a key.
    pub observers: u64,
}

/// One earlier version of an edited message: its content and when it was written.
#[derive(Debug, Serialize)]
pub struct Version {
    pub content: String,
    pub at: String,
}

/// `{message, versions}`: a message as it is and its earlier versions, oldest first.
#[derive(Debug, Serialize)]
pub struct MessageHistory {
    pub message: Message,
    pub versions: Vec<Version>,
}

/// Which page of messages to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The newest messages.
    Newest,
    /// The oldest messages after this seq (catching up).
    After(u64),
    /// The newest messages before this seq (scrolling back).
    Before(u64),
}

/// Which page of an operators' log (reports, audit) to read, and in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCursor {
    /// Oldest first, after this seq (0: from the start).
    After(u64),
    /// Newest first, before this seq (`None`: from the newest).
    Before(Option<u64>),
}

/// Which audit entries a page holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this action (`ban`, `unban`, …).
    pub action: Option<String>,
    /// Only entries at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Only entries before this time (ms).
    pub until_ms: Option<i64>,
}

/// A page of a room's messages, oldest first.
#[derive(Debug, Serialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// More messages exist in the direction of paging.
    pub has_more: bool,
    /// The room's newest seq (0 when empty).
    pub last_seq: u64,
}

/// The directory's opaque cursor, `<last_active ms>.<bot id>` of the last bot shown:
/// bots with equal activity times are ordered by id, so the pair is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryCursor {
    pub active_ms: u64,
    pub bot_id: String,
}

impl DirectoryCursor {
    /// Parses a cursor this API returned; `None` for anything else, including other
    /// spellings of the same pair (`+17`, `017`, upper-case hex): only the exact form
    /// [`Display`](std::fmt::Display) writes is one.
    pub fn parse(text: &str) -> Option<Self> {
        let (score, id) = text.split_once('.')?;
        let active_ms = score.parse::<u64>().ok()?;
        let hex = id.strip_prefix("b_")?;
        if hex.len() != 16 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let cursor = DirectoryCursor {
            active_ms,
            bot_id: id.to_string(),
        };
        (cursor.to_string() == text).then_some(cursor)
    }
}

impl std::fmt::Display for DirectoryCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.active_ms, self.bot_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_read_from_stored_messages() {
        let raw = RawValue::from_string(
            r#"{"id":"m_1","seq":7,"created_at":"2026-01-01T00:00:00.000Z","content":"x"}"#.into(),
        )
        .unwrap();
        assert_eq!(
            Position::of(&raw),
            Some(Position {
                seq: 7,
                created_at: "2026-01-01T00:00:00.000Z".into()
            })
        );
        assert_eq!(
            Position::of(&RawValue::from_string("{}".into()).unwrap()),
            None
        );
    }

    #[test]
    fn directory_cursors_round_trip() {
        let cursor = DirectoryCursor::parse("17.b_0123456789abcdef").unwrap();
        assert_eq!(cursor.active_ms, 17);
        assert_eq!(cursor.to_string(), "17.b_0123456789abcdef");
        for bad in [
            "17",
            "x.b_0123456789abcdef",
            "17.b_0123",
            "17.r_0123456789abcdef",
        ] {
            assert_eq!(DirectoryCursor::parse(bad), None, "{bad}");
        }
    }
}
