//! Live delivery: messages arrive as events, go through the [`Sequencer`], and what
//! comes out in order is sent to every socket. When a predecessor is missing, the hub
//! waits [`GAP_WAIT`] for it, then reads it from Redis.
//!
//! The position (`delivered`) is persisted while anyone listens, so a hub restarted by
//! the runtime continues where it stopped. A room nobody watches skips all of this (no
//! waits, no storage writes): the first socket to connect restarts delivery from its
//! own view of Redis (see `resume`).
//!
//! [`Sequencer`]: super::sequencer::Sequencer

use std::time::Duration;

use serde_json::value::RawValue;

use super::{frames, RoomHub};
use crate::error::ApiResult;
use crate::model::{Message, Position};
use crate::store::messages;

/// How long an out-of-order message waits for its predecessors before the hub reads
/// them from Redis. Racing posts normally land within a few ms of each other.
const GAP_WAIT: Duration = Duration::from_millis(200);
/// Messages per Redis read when replaying a backlog or filling a gap.
pub(super) const LOG_PAGE: u64 = 200;
/// Storage key of the persisted delivery position.
pub(super) const DELIVERED: &str = "delivered";

/// A message rendered once, however many sockets receive it.
pub(super) struct Frames {
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

impl RoomHub {
    /// Queues a message and delivers whatever is now in order; when predecessors are
    /// missing, waits for them, then reads them from Redis.
    pub(super) async fn on_message(&self, seq: u64, frames: Frames) -> ApiResult<()> {
        let ready = self.memory.borrow_mut().sequencer.offer(seq, frames);
        self.send_in_order(ready).await?;
        if !self.memory.borrow().sequencer.is_waiting(seq) {
            return Ok(());
        }
        if !self.has_listeners() {
            // Nobody to keep in order for: remember how far the room got, and let the
            // next socket start from Redis.
            let ready = self.memory.borrow_mut().sequencer.skip_to(seq);
            return self.send_in_order(ready).await;
        }
        worker::Delay::from(GAP_WAIT).await;
        self.fill_to(seq - 1).await
    }

    /// Sends in-order messages and persists how far delivery got, if anyone listens.
    async fn send_in_order(&self, ready: Vec<Frames>) -> ApiResult<()> {
        if ready.is_empty() {
            return Ok(());
        }
        let private = self.memory.borrow().private;
        let reached = self.deliver(private, &ready);
        if reached || self.memory.borrow().preparing.total() > 0 {
            self.persist_delivered().await?;
        }
        Ok(())
    }

    pub(super) async fn persist_delivered(&self) -> ApiResult<()> {
        let delivered = self.memory.borrow().sequencer.delivered();
        if let Some(delivered) = delivered {
            self.state.storage().put(DELIVERED, delivered).await?;
        }
        Ok(())
    }

    /// Reads the messages up to `target` that the hub has not delivered from Redis and
    /// delivers them in order (seqs Redis no longer has are skipped; see the sequencer).
    pub(super) async fn fill_to(&self, target: u64) -> ApiResult<()> {
        loop {
            let (room_id, private, from) = {
                let memory = self.memory.borrow();
                match (&memory.room_id, memory.sequencer.delivered()) {
                    (Some(room_id), Some(delivered)) if delivered < target => {
                        (room_id.clone(), memory.private, delivered)
                    }
                    _ => return Ok(()),
                }
            };
            let page = self
                .read_log(&room_id, from, (target - from).min(LOG_PAGE))
                .await?;
            let found = page.iter().filter_map(|message| {
                let position = Position::of(message)?;
                let frames = Frames::new(
                    &room_id,
                    private,
                    position.seq,
                    &position.created_at,
                    message,
                );
                Some((position.seq, frames))
            });
            let ready = self.memory.borrow_mut().sequencer.fill(from, target, found);
            self.send_in_order(ready).await?;
            self.persist_delivered().await?;
        }
    }

    /// The oldest `limit` messages after `after` in Redis.
    pub(super) async fn read_log(
        &self,
        room_id: &str,
        after: u64,
        limit: u64,
    ) -> ApiResult<Vec<Message>> {
        messages::log_range(&self.store()?, room_id, after, limit).await
    }
}
