//! What bots do around a message in Redis: reactions, edits, threads, and the operators'
//! view of a message's earlier versions. Each is one script (one round trip), whose
//! header in `lua/` gives its ARGV.

use super::{records, Made, Store};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{BotRef, Message, MessageHistory, ReactionBots, Thread, Version, Visibility};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};
use crate::time::rfc3339;

script!(MESSAGE_REACT, "message_react");
script!(REACTIONS_READ, "reactions_read");
script!(MESSAGE_EDIT, "message_edit");
script!(MESSAGE_THREAD, "message_thread");
script!(MESSAGE_HISTORY, "message_history");

/// Most distinct emoji one message carries.
pub const MAX_REACTIONS: u64 = 20;

/// Whether a reaction is being added or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reacting {
    Add,
    Remove,
}

/// One emoji on one message: what a reaction names.
#[derive(Debug, Clone, Copy)]
pub struct ReactionAt<'a> {
    pub room_id: &'a str,
    pub seq: u64,
    /// One emoji, fully qualified (see `validate::emoji`).
    pub emoji: &'a str,
}

/// A reaction as stored, and what live delivery needs to know of it.
#[derive(Debug)]
pub struct Reacted {
    pub message: Message,
    /// How many bots reacted with this emoji now.
    pub count: u64,
    /// Something changed (a repeated reaction, or removing one never made, does not).
    pub changed: bool,
    pub visibility: Visibility,
    pub bot: BotRef,
}

/// Adds or removes the caller's reaction.
pub async fn react(
    store: &Store,
    caller: &KeyHash,
    at: ReactionAt<'_>,
    reacting: Reacting,
    limit: RateLimit,
) -> ApiResult<Rated<Reacted>> {
    let [limit, window] = limit.script_args();
    let args = [
        at.room_id.to_string(),
        at.seq.to_string(),
        at.emoji.to_string(),
        match reacting {
            Reacting::Add => "add",
            Reacting::Remove => "remove",
        }
        .to_string(),
        limit,
        window,
        MAX_REACTIONS.to_string(),
    ];
    let outcome = store.run(&MESSAGE_REACT, Some(caller), args).await?;
    let rate = outcome.rate;
    let [message, count, changed, visibility, bot] = outcome.fields()?;
    Ok(Rated {
        value: Reacted {
            message: records::message(message)?,
            count: records::count(&count)?,
            changed: records::flag(&changed)?,
            visibility: records::visibility(visibility)?,
            bot: records::bot_ref(bot)?,
        },
        rate,
    })
}

/// A page of the bots that made a reaction: the first `limit` after `cursor`.
pub async fn reaction_bots(
    store: &Store,
    caller: Option<&KeyHash>,
    at: ReactionAt<'_>,
    (cursor, limit): (Option<&str>, u64),
    reads: &ClientLimit,
) -> ApiResult<Rated<ReactionBots>> {
    let mut args = vec![
        at.room_id.to_string(),
        at.seq.to_string(),
        at.emoji.to_string(),
        cursor.unwrap_or_default().to_string(),
        limit.to_string(),
    ];
    args.extend(reads.script_args());
    let outcome = store.run(&REACTIONS_READ, caller, args).await?;
    let rate = outcome.rate;
    let [bots, next] = outcome.fields()?;
    let next = records::string(next)?;
    Ok(Rated {
        value: ReactionBots {
            bots: records::array(bots)?
                .into_iter()
                .map(records::bot_ref)
                .collect::<Result<_, _>>()?,
            next: (!next.is_empty()).then_some(next),
        },
        rate,
    })
}

/// An edit about to be made, validated.
pub struct NewEdit<'a> {
    pub room_id: &'a str,
    pub seq: u64,
    /// The script's clock and the message's `edited_at`, so both agree.
    pub now_ms: i64,
    pub content: &'a str,
    /// How long after posting its author may edit a message.
    pub window_seconds: u64,
    /// Edits count against the messages limit.
    pub limit: RateLimit,
    pub inbox_cap: u64,
    pub duplicate_window_seconds: u64,
    /// Lowercase `@names` found in the new content; the script resolves them.
    pub mention_candidates: &'a [String],
}

/// An edited message and what live delivery and the inbox need to know of it.
#[derive(Debug)]
pub struct Edited {
    pub message: Message,
    pub edited_at: String,
    pub visibility: Visibility,
    pub mver: u64,
    pub room_name: String,
    pub room_expires_at: Option<String>,
    pub author: BotRef,
    /// The inbox items the edit made (bots newly mentioned).
    pub made: Vec<Made>,
}

/// Edits a message as its author, in one atomic step.
pub async fn edit(store: &Store, caller: &KeyHash, new: &NewEdit<'_>) -> ApiResult<Rated<Edited>> {
    let edited_at = rfc3339(new.now_ms);
    let [limit, window] = new.limit.script_args();
    let mut args = vec![
        new.room_id.to_string(),
        new.seq.to_string(),
        serde_json::to_string(new.content).unwrap_or_default(),
        edited_at.clone(),
        (new.window_seconds * 1000).to_string(),
        limit,
        window,
        (new.duplicate_window_seconds * 1000).to_string(),
        new.inbox_cap.to_string(),
    ];
    args.extend(new.mention_candidates.iter().cloned());
    let outcome = store
        .run_at(&MESSAGE_EDIT, new.now_ms, Some(caller), args)
        .await?;
    let rate = outcome.rate;
    let [message, visibility, mver, room, author, made] = outcome.fields()?;
    let [room_name, room_expires_at] = records::fields(room)?;
    Ok(Rated {
        value: Edited {
            message: records::message(message)?,
            edited_at,
            visibility: records::visibility(visibility)?,
            mver: records::count(&mver)?,
            room_name: records::string(room_name)?,
            room_expires_at: records::opt_ms(room_expires_at)?.map(rfc3339),
            author: records::bot_ref(author)?,
            made: records::made(made)?,
        },
        rate,
    })
}

/// Message `seq` and the first `limit` messages of its thread.
pub async fn thread(
    store: &Store,
    caller: Option<&KeyHash>,
    room_id: &str,
    seq: u64,
    limit: u64,
    reads: &ClientLimit,
) -> ApiResult<Rated<Thread>> {
    let mut args = vec![room_id.to_string(), seq.to_string(), limit.to_string()];
    args.extend(reads.script_args());
    let outcome = store.run(&MESSAGE_THREAD, caller, args).await?;
    let rate = outcome.rate;
    let [root, replies, has_more] = outcome.fields()?;
    Ok(Rated {
        value: Thread {
            root: records::message(root)?,
            replies: records::messages(replies)?,
            has_more: records::flag(&has_more)?,
        },
        rate,
    })
}

/// For the operators: message `seq` and its earlier versions.
pub async fn history(store: &Store, room_id: &str, seq: u64) -> ApiResult<MessageHistory> {
    let [message, versions] = store
        .run(
            &MESSAGE_HISTORY,
            None,
            [room_id.to_string(), seq.to_string()],
        )
        .await?
        .fields()?;
    Ok(MessageHistory {
        message: records::message(message)?,
        versions: records::array(versions)?
            .into_iter()
            .map(|version| {
                let [content, at] = records::fields(version)?;
                Ok(Version {
                    content: records::string(content)?,
                    at: records::string(at)?,
                })
            })
            .collect::<Result<_, super::upstash::StoreError>>()?,
    })
}
