//! Inboxes and blocks in Redis. Inbox items are written by the scripts of the writes that
//! make them (a post, a room's creation, an invite: see `messages` and `rooms`), so no
//! write costs an extra round trip; these are the reads, and the blocks that decide
//! which items are made. One typed function per script; each script's header in `lua/`
//! gives its ARGV.

use super::{records, Store};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{BotRef, InboxPage};

script!(INBOX_READ, "inbox_read");
script!(INBOX_RANGE, "inbox_range");
script!(BLOCKS, "blocks");
script!(INBOX_OPEN, "inbox_open");
script!(WEBHOOK_CHECK, "webhook_check");

/// Checks an inbox stream upgrade: the caller, and its inbox's last seq.
pub async fn open(store: &Store, caller: &KeyHash) -> ApiResult<(BotRef, u64)> {
    let [id, name, last_seq] = store.run(&INBOX_OPEN, Some(caller), []).await?.fields()?;
    Ok((
        BotRef {
            id: records::string(id)?,
            name: records::string(name)?,
        },
        records::count(&last_seq)?,
    ))
}

/// For inbox hubs, before a webhook delivery: the rooms among `room_ids` the bot may
/// still hear about (none when it is banned; a private room only while a member).
pub async fn webhook_rooms(
    store: &Store,
    bot_id: &str,
    room_ids: &[String],
) -> ApiResult<Vec<String>> {
    let mut args = vec![bot_id.to_string()];
    args.extend(room_ids.iter().cloned());
    let [_banned, visible] = store.run(&WEBHOOK_CHECK, None, args).await?.fields()?;
    let visible = visible.into_array()?.into_iter().map(records::string);
    Ok(visible.collect::<Result<_, _>>()?)
}

/// The oldest `limit` readable items of the caller's inbox after `after`.
pub async fn read(store: &Store, caller: &KeyHash, after: u64, limit: u64) -> ApiResult<InboxPage> {
    let outcome = store
        .run(
            &INBOX_READ,
            Some(caller),
            [after.to_string(), limit.to_string()],
        )
        .await?;
    page(outcome.fields()?)
}

/// For inbox hubs: the same page for a bot, without a key (the hub decides who gets it).
pub async fn range(store: &Store, bot_id: &str, after: u64, limit: u64) -> ApiResult<InboxPage> {
    let outcome = store
        .run(
            &INBOX_RANGE,
            None,
            [bot_id.to_string(), after.to_string(), limit.to_string()],
        )
        .await?;
    page(outcome.fields()?)
}

fn page([items, has_more, last_seq]: [super::upstash::Reply; 3]) -> ApiResult<InboxPage> {
    Ok(InboxPage {
        items: records::inbox_items(items)?,
        has_more: records::flag(&has_more)?,
        last_seq: records::count(&last_seq)?,
    })
}

/// What to do with the caller's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockChange<'a> {
    Add(&'a str),
    Remove(&'a str),
    List,
}

/// Changes (or lists) the caller's blocks. Returns the bot blocked or unblocked (for a
/// change) and every blocked bot afterwards.
pub async fn blocks(
    store: &Store,
    caller: &KeyHash,
    change: BlockChange<'_>,
    max: u64,
) -> ApiResult<(Option<BotRef>, Vec<BotRef>)> {
    let (action, name) = match change {
        BlockChange::Add(name) => ("add", name),
        BlockChange::Remove(name) => ("remove", name),
        BlockChange::List => ("list", ""),
    };
    let [target, blocked] = store
        .run(
            &BLOCKS,
            Some(caller),
            [action.to_string(), name.to_string(), max.to_string()],
        )
        .await?
        .fields()?;
    let target = match change {
        BlockChange::List => None,
        _ => Some(records::bot_ref(target)?),
    };
    Ok((target, records::opt_bot_refs(blocked)?.unwrap_or_default()))
}
