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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A room's metadata: public knowledge, even for private rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
        self.visibility == Visibility::Private
    }
}

/// A message, kept as the exact JSON stored in Redis: it is written once, by the post
/// script, and served as is, so reading never re-encodes message bodies.
pub type Message = Box<RawValue>;
