//! Inboxes: what is addressed to a bot, in one call, and its blocks. Items are made by
//! the scripts of the writes that make them (`messages::post`, `rooms::create`,
//! `rooms::invite`); this module reads them, hands new ones to the bots' inbox hubs for
//! live delivery, and keeps the blocks that decide which items are made.

use serde::Serialize;

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::live::protocol::InboxEvent;
use crate::model::{BotRef, InboxItem, InboxPage, InboxRoom, Message};
use crate::store::inbox as stored;

pub use crate::store::inbox::BlockChange;
use crate::store::Made;
use crate::validate;

/// `GET /api/bots/me/blocks` and the answers of block changes.
#[derive(Debug, Serialize)]
pub struct Blocks {
    /// The bot blocked or unblocked by this call (absent when listing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotRef>,
    /// Every blocked bot, by name.
    pub bots: Vec<BotRef>,
}

/// A page of the caller's inbox, oldest first.
pub async fn read(app: &App, caller: &KeyHash, query: &[(String, String)]) -> ApiResult<InboxPage> {
    let (after, limit) = validate::inbox_page(query)?;
    stored::read(&app.store()?, caller, after, limit).await
}

/// Blocks or unblocks the bot called `name`, or lists the caller's blocks.
pub async fn blocks(app: &App, caller: &KeyHash, change: BlockChange<'_>) -> ApiResult<Blocks> {
    if let BlockChange::Add(name) | BlockChange::Remove(name) = change {
        validate::bot_name("bot", name)?;
    }
    let (bot, bots) = stored::blocks(&app.store()?, caller, change, app.config.max_blocks).await?;
    Ok(Blocks { bot, bots })
}

/// What the items of one write have in common: when, where, by whom, about what.
pub struct Occasion {
    pub at: String,
    pub room: InboxRoom,
    pub by: BotRef,
    pub message: Option<Message>,
}

/// Hands the items a write made to their bots' inbox hubs, after the answer is sent.
pub fn deliver_later(app: &App, made: Vec<Made>, occasion: &Occasion) {
    app.tell_inboxes_later(deliveries(&made, occasion));
}

/// The inbox hubs' events for the items a write made: one per bot.
pub fn deliveries(made: &[Made], occasion: &Occasion) -> Vec<(String, InboxEvent)> {
    made.iter()
        .map(|made| {
            let item = InboxItem {
                seq: made.seq,
                kind: made.kind,
                at: occasion.at.clone(),
                room: occasion.room.clone(),
                by: occasion.by.clone(),
                message: occasion.message.clone(),
            };
            let event = InboxEvent::Items {
                bot_id: made.bot_id.clone(),
                items: vec![item],
            };
            (made.bot_id.clone(), event)
        })
        .collect()
}
