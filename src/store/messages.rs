//! Messages in Redis: the one write path, paging, and the log reads of room hubs. One
//! typed function per script; each script's header in `lua/` gives its ARGV.

use super::{records, Made, Outcome, Store};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{BotRef, Message, MessagePage, Page, Visibility};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};
use crate::time::{now_ms, rfc3339};

script!(MESSAGE_POST, "message_post");
script!(MESSAGES_READ, "messages_read");
script!(LOG_RANGE, "log_range");

/// A message about to be posted, validated.
#[derive(Debug)]
pub struct NewMessage {
    pub room_id: String,
    pub id: String,
    pub content: String,
    pub reply_to: Option<u64>,
    /// Messages the room keeps.
    pub history_cap: u64,
    pub limit: RateLimit,
    /// Inbox items each bot keeps.
    pub inbox_cap: u64,
    /// The duplicate guard's window.
    pub duplicate_window_seconds: u64,
    /// Lowercase `@names` found in the content; the script resolves them.
    pub mention_candidates: Vec<String>,
}

impl NewMessage {
    /// The post script's arguments for a message posted at `now_ms`: its `created_at`
    /// and the script's clock are the same instant.
    fn args(&self, now_ms: i64) -> Vec<String> {
        let [limit, window] = self.limit.script_args();
        let mut args = vec![
            self.room_id.clone(),
            self.id.clone(),
            rfc3339(now_ms),
            serde_json::to_string(&self.content).unwrap_or_default(),
            self.reply_to.map(|r| r.to_string()).unwrap_or_default(),
            self.history_cap.to_string(),
            limit,
            window,
            self.inbox_cap.to_string(),
            (self.duplicate_window_seconds * 1000).to_string(),
        ];
        args.extend(self.mention_candidates.iter().cloned());
        args
    }
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
pub async fn post(store: &Store, caller: &KeyHash, new: &NewMessage) -> ApiResult<Rated<Posted>> {
    let now = now_ms();
    let outcome = store
        .run_at(&MESSAGE_POST, now, Some(caller), new.args(now))
        .await?;
    posted(outcome, now)
}

/// Appends several messages in one round trip, each exactly as [`post`] would (the
/// posts a room hub received over its sockets while its last round trip was out): in
/// the order given, each answering for itself.
pub async fn post_many(
    store: &Store,
    posts: &[(KeyHash, NewMessage)],
) -> Vec<ApiResult<Rated<Posted>>> {
    let now = now_ms();
    let calls = posts
        .iter()
        .map(|(caller, new)| (now, Some(caller), new.args(now)))
        .collect();
    store
        .run_many(&MESSAGE_POST, calls)
        .await
        .into_iter()
        .map(|outcome| posted(outcome?, now))
        .collect()
}

/// The post script's answer, for a message posted at `now_ms`.
fn posted(outcome: Outcome, now_ms: i64) -> ApiResult<Rated<Posted>> {
    let rate = outcome.rate;
    let [message, seq, author, joined, visibility, mver, room, made] = outcome.fields()?;
    let [room_name, room_expires_at] = records::fields(room)?;
    Ok(Rated {
        value: Posted {
            message: records::message(message)?,
            seq: records::count(&seq)?,
            created_at: rfc3339(now_ms),
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
