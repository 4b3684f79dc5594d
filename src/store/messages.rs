//! Messages in Redis: the one write path, paging, and the log reads of room hubs. One
//! typed function per script; each script's header in `lua/` gives its ARGV.

use super::{records, Made, Store};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{BotRef, Message, MessagePage, Page, Visibility};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};
use crate::time::rfc3339;

script!(MESSAGE_POST, "message_post");
script!(MESSAGES_READ, "messages_read");
script!(LOG_RANGE, "log_range");

/// A message about to be posted, validated.
pub struct NewMessage<'a> {
    pub room_id: &'a str,
    pub id: &'a str,
    /// The script's clock and the message's `created_at`, so both agree.
    pub now_ms: i64,
    pub content: &'a str,
    pub reply_to: Option<u64>,
    /// Messages the room keeps.
    pub history_cap: u64,
    pub limit: RateLimit,
    /// Inbox items each bot keeps.
    pub inbox_cap: u64,
    /// The duplicate guard's window.
    pub duplicate_window_seconds: u64,
    /// Lowercase `@names` found in the content; the script resolves them.
    pub mention_candidates: &'a [String],
}

/// A stored message and what live delivery needs to know of it.
#[derive(Debug)]
pub struct Posted {
    pub message: Message,
    pub seq: u64,
    pub created_at: String,
    pub author: BotRef,
    pub visibility: Visibility,
    /// Posting made the author a member (public rooms only).
    pub joined: bool,
    /// The room's membership version (see `lua/keys.lua`).
    pub mver: u64,
    /// The room's name and end, for the inbox items the post made.
    pub room_name: String,
    pub room_expires_at: Option<String>,
    /// The inbox items the post made (mentions and replies).
    pub made: Vec<Made>,
}

/// Appends a message: auth, access, rate limit, seq, append, trim and counters in one
/// atomic step.
pub async fn post(
    store: &Store,
    caller: &KeyHash,
    new: &NewMessage<'_>,
) -> ApiResult<Rated<Posted>> {
    let created_at = rfc3339(new.now_ms);
    let [limit, window] = new.limit.script_args();
    let mut args = vec![
        new.room_id.to_string(),
        new.id.to_string(),
        created_at.clone(),
        serde_json::to_string(new.content).unwrap_or_default(),
        new.reply_to.map(|r| r.to_string()).unwrap_or_default(),
        new.history_cap.to_string(),
        limit,
        window,
        new.inbox_cap.to_string(),
        (new.duplicate_window_seconds * 1000).to_string(),
    ];
    args.extend(new.mention_candidates.iter().cloned());
    let outcome = store
        .run_at(&MESSAGE_POST, new.now_ms, Some(caller), args)
        .await?;
    let rate = outcome.rate;
    let [message, seq, author, joined, visibility, mver, room, made] = outcome.fields()?;
    let [room_name, room_expires_at] = records::fields(room)?;
    Ok(Rated {
        value: Posted {
            message: records::message(message)?,
            seq: records::count(&seq)?,
            created_at,
            author: records::bot_ref(author)?,
            visibility: records::visibility(visibility)?,
            joined: records::flag(&joined)?,
            mver: records::count(&mver)?,
            room_name: records::string(room_name)?,
            room_expires_at: records::opt_ms(room_expires_at)?.map(rfc3339),
            made: records::made(made)?,
        },
        rate,
    })
}

/// A page of a room's messages; private rooms only for members. An anonymous caller's
/// read counts against its address.
pub async fn read(
    store: &Store,
    caller: Option<&KeyHash>,
    room_id: &str,
    page: Page,
    limit: u64,
    reads: &ClientLimit,
) -> ApiResult<Rated<MessagePage>> {
    let (mode, cursor) = match page {
        Page::Newest => ("newest", 0),
        Page::After(seq) => ("after", seq),
        Page::Before(seq) => ("before", seq),
    };
    let mut args = vec![
        room_id.to_string(),
        mode.to_string(),
        cursor.to_string(),
        limit.to_string(),
    ];
    args.extend(reads.script_args());
    let outcome = store.run(&MESSAGES_READ, caller, args).await?;
    let rate = outcome.rate;
    let [messages, has_more, last_seq] = outcome.fields()?;
    Ok(Rated {
        value: MessagePage {
            messages: records::messages(messages)?,
            has_more: records::flag(&has_more)?,
            last_seq: records::count(&last_seq)?,
        },
        rate,
    })
}

/// For room hubs: the oldest `limit` messages with seq > `after`, without any access
/// check (a hub decides itself who receives them). Empty once the room is gone.
pub async fn log_range(
    store: &Store,
    room_id: &str,
    after: u64,
    limit: u64,
) -> ApiResult<Vec<Message>> {
    let [messages] = store
        .run(
            &LOG_RANGE,
            None,
            [room_id.to_string(), after.to_string(), limit.to_string()],
        )
        .await?
        .fields()?;
    Ok(records::messages(messages)?)
}
