//! Live delivery of the room's messages: the room hub as a [`Feed`]. Messages arrive as
//! events and go through the sequencer; `live::feed` keeps them in order, fills gaps
//! from Redis and replays backlogs. What is particular to a room lives here: a message
//! is rendered once as its frames (and, in a private room, as the `activity` frame its
//! observers get instead), and read back from the room's log in Redis.
//!
//! The position (`delivered`) is persisted while anyone listens, written behind (at
//! most once a second: `live::position`), so a hub woken from hibernation continues
//! where it stopped. A room nobody watches skips all of this (no waits, no storage
//! writes): the first socket to connect restarts delivery from its own view of Redis
//! (see `resume`).
//!
//! [`Feed`]: crate::live::feed::Feed

use serde_json::value::RawValue;

use super::{frames, RoomHub};
use crate::error::ApiResult;
use crate::live::feed::Feed;
use crate::live::sequencer::Sequencer;
use crate::model::Position;
use crate::store::messages;

/// A message rendered once, however many sockets receive it.
pub struct Frames {
    pub message: String,
    /// What observers of a private room get instead; `None` in public rooms.
    pub activity: Option<String>,
}

impl Frames {
    pub fn new(
        room_id: &str,
        private: bool,
        seq: u64,
        created_at: &str,
        message: &RawValue,
    ) -> Self {
        Frames {
            message: frames::message(message),
            activity: private.then(|| frames::activity(room_id, seq, created_at)),
        }
    }
}

impl Feed for RoomHub {
    type Entry = Frames;

    fn sequencer<R>(&self, f: impl FnOnce(&mut Sequencer<Frames>) -> R) -> R {
        f(&mut self.memory.borrow_mut().sequencer)
    }

    /// The oldest `limit` messages after `after` in the room's log.
    async fn read(&self, after: u64, limit: u64) -> ApiResult<Vec<(u64, Frames)>> {
        let (room_id, private) = {
            let memory = self.memory.borrow();
            (memory.room_id.clone(), memory.private)
        };
        let Some(room_id) = room_id else {
            return Ok(Vec::new());
        };
        let page = messages::log_range(&self.store()?, &room_id, after, limit).await?;
        Ok(page
            .iter()
            .map_while(|message| {
                let position = Position::of(message)?;
                let frames = Frames::new(
                    &room_id,
                    private,
                    position.seq,
                    &position.created_at,
                    message,
                );
                Some((position.seq, frames))
            })
            .collect())
    }

    /// A replay goes only to those who may read content (see `resume`).
    fn replay_frame(entry: Frames) -> Option<String> {
        Some(entry.message)
    }

    fn send(&self, ready: &[Frames]) -> bool {
        let private = self.memory.borrow().private;
        self.deliver(private, ready)
    }

    fn preparing(&self) -> bool {
        self.memory.borrow().preparing.total() > 0
    }

    fn has_listeners(&self) -> bool {
        self.preparing() || !self.sockets(None).is_empty()
    }

    fn persist(&self) {
        let memory = self.memory.borrow();
        if let Some(delivered) = memory.sequencer.delivered() {
            memory.position.remember(&self.state, delivered);
        }
    }
}
