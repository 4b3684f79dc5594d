//! Live delivery of the bot's inbox: the inbox hub as a `live::feed::Feed`. An item is
//! rendered once as its frame; every socket is the bot's own, so every socket gets it.

use super::{frames, InboxHub};
use crate::error::ApiResult;
use crate::live::feed::Feed;
use crate::live::sequencer::Sequencer;
use crate::live::sockets::broadcast;
use crate::store::{inbox, Store};

impl Feed for InboxHub {
    type Entry = String;

    fn sequencer<R>(&self, f: impl FnOnce(&mut Sequencer<String>) -> R) -> R {
        f(&mut self.memory.borrow_mut().sequencer)
    }

    /// The bot's oldest `limit` items after `after` in Redis.
    async fn read(&self, after: u64, limit: u64) -> ApiResult<Vec<(u64, String)>> {
        let bot_id = self.memory.borrow().bot_id.clone().unwrap_or_default();
        let page = inbox::range(&Store::from_env(&self.env)?, &bot_id, after, limit).await?;
        Ok(page
            .items
            .iter()
            .map(|item| (item.seq, frames::item(item)))
            .collect())
    }

    fn replay_frame(entry: String) -> Option<String> {
        Some(entry)
    }

    fn send(&self, ready: &[String]) -> bool {
        broadcast(self.state.as_raw(), None, ready.iter().map(String::as_str))
    }

    fn preparing(&self) -> bool {
        self.memory.borrow().preparing > 0
    }

    fn has_listeners(&self) -> bool {
        self.preparing() || !self.sockets().is_empty()
    }

    fn persist(&self) {
        let memory = self.memory.borrow();
        if let Some(delivered) = memory.sequencer.delivered() {
            memory.position.remember(&self.state, delivered);
        }
    }
}
