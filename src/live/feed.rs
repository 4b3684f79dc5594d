//! One live sequence as both kinds of hub deliver it: a room's messages, a bot's inbox
//! items. A hub says how its feed is read, sent and remembered by implementing [`Feed`];
//! the rules that keep it in order, gapless and without duplicates are written once,
//! here:
//!
//! - [`offer`]: an item arrives as an event; whatever is now in order goes out. A
//!   missing predecessor is waited for ([`GAP_WAIT`]), then read from Redis
//!   ([`fill_to`]). With nobody listening there is nothing to keep in order for.
//! - [`catch_up`]: a socket connects. Live delivery is brought to what the Worker saw
//!   in Redis — restarted from the client's view when nobody was listening, since a hub
//!   must never trust a memory of seqs Redis has lost (`sequencer::restart_point`).
//! - [`replay`]: what a resuming socket missed, up to where live delivery stands, at
//!   most `limit` items and `backlog::REPLAY_BYTES`.

use std::time::Duration;

use super::backlog::Backlog;
use super::sequencer::{restart_point, Sequencer};
use crate::error::ApiResult;

/// How long an out-of-order item waits for its predecessors before the hub reads them
/// from Redis. Racing writes normally land within a few ms of each other.
pub const GAP_WAIT: Duration = Duration::from_millis(200);
/// Items per Redis read when filling a gap or finding where to restart.
pub const FILL_PAGE: u64 = 200;
/// Items per Redis read while replaying.
pub const REPLAY_PAGE: u64 = 100;
/// Storage key of the persisted delivery position.
pub const DELIVERED: &str = "delivered";

/// A hub's live sequence.
pub trait Feed {
    /// What is delivered per item (its frames, rendered once).
    type Entry;

    /// Runs `f` on the hub's sequencer (it lives in the hub's memory).
    fn sequencer<R>(&self, f: impl FnOnce(&mut Sequencer<Self::Entry>) -> R) -> R;

    /// The oldest `limit` items after `after` in Redis, with their seqs, oldest first.
    async fn read(&self, after: u64, limit: u64) -> ApiResult<Vec<(u64, Self::Entry)>>;

    /// What a replay sends for an entry (`None`: nothing, the replay stops there).
    fn replay_frame(entry: Self::Entry) -> Option<String>;

    /// Sends in-order entries to every socket that may see them; returns whether any
    /// socket was there.
    fn send(&self, ready: &[Self::Entry]) -> bool;

    /// Sockets being prepared (backlog read, not yet accepted).
    fn preparing(&self) -> bool;

    /// Whether any socket is open or about to be.
    fn has_listeners(&self) -> bool;

    /// Stores the delivery position (written behind: `live::position`), so a hub woken
    /// from hibernation continues there.
    fn persist(&self);
}

/// Queues an item and delivers whatever is now in order; when predecessors are
/// missing, waits for them, then reads them from Redis.
pub async fn offer<F: Feed>(feed: &F, seq: u64, entry: F::Entry) -> ApiResult<()> {
    let ready = feed.sequencer(|s| s.offer(seq, entry));
    deliver(feed, ready).await?;
    if !feed.sequencer(|s| s.is_waiting(seq)) {
        return Ok(());
    }
    if !feed.has_listeners() {
        // Nobody to keep in order for: remember how far the sequence got, and let the
        // next socket start from Redis.
        let ready = feed.sequencer(|s| s.skip_to(seq));
        return deliver(feed, ready).await;
    }
    worker::Delay::from(GAP_WAIT).await;
    fill_to(feed, seq - 1).await
}

/// Sends in-order entries and persists how far delivery got, if anyone listens.
async fn deliver<F: Feed>(feed: &F, ready: Vec<F::Entry>) -> ApiResult<()> {
    if ready.is_empty() {
        return Ok(());
    }
    if feed.send(&ready) || feed.preparing() {
        feed.persist();
    }
    Ok(())
}

/// Reads the items up to `target` the hub has not delivered and delivers them in
/// order (seqs Redis no longer has are skipped: see the sequencer).
pub async fn fill_to<F: Feed>(feed: &F, target: u64) -> ApiResult<()> {
    loop {
        let Some(from) = feed.sequencer(|s| s.delivered()) else {
            return Ok(());
        };
        if from >= target {
            return Ok(());
        }
        let found = feed.read(from, (target - from).min(FILL_PAGE)).await?;
        let ready = feed.sequencer(|s| s.fill(from, target, found));
        deliver(feed, ready).await?;
        feed.persist();
    }
}

/// Brings live delivery up to `last_seq`, what the Worker saw in Redis for a connecting
/// socket. `alone`: nobody was listening when it arrived, so delivery restarts from
/// the client's view; seqs the hub handled since count only if Redis has them.
pub async fn catch_up<F: Feed>(feed: &F, last_seq: u64, alone: bool) -> ApiResult<()> {
    if !alone {
        feed.sequencer(|s| s.restore(Some(last_seq)));
        return fill_to(feed, last_seq).await;
    }
    let remembered = feed.sequencer(|s| s.delivered()).unwrap_or(0);
    let mut delivered = last_seq;
    if remembered > last_seq {
        let limit = (remembered - last_seq).min(FILL_PAGE);
        let stored = feed.read(last_seq, limit).await?;
        delivered = restart_point(last_seq, remembered, stored.iter().map(|(seq, _)| *seq));
        // Handled (for nobody) during the read: real, and in Redis too.
        let now = feed.sequencer(|s| s.delivered()).unwrap_or(0);
        if now > remembered {
            delivered = delivered.max(now);
        }
    }
    feed.sequencer(|s| s.restart_at(delivered));
    feed.persist();
    Ok(())
}

/// What a client resuming after `requested` missed, up to where live delivery stands:
/// at most the newest `limit` items (older ones are named by the backlog's gap).
pub async fn replay<F: Feed>(feed: &F, requested: u64, limit: Option<u64>) -> ApiResult<Backlog> {
    let mut backlog = Backlog::new(requested);
    let delivered = || feed.sequencer(|s| s.delivered()).unwrap_or(0);
    let mut after = requested;
    if let Some(limit) = limit {
        if delivered() > after + limit {
            after = delivered() - limit;
            backlog.starts_at(after + 1);
        }
    }
    while after < delivered() {
        let page = feed
            .read(after, (delivered() - after).min(REPLAY_PAGE))
            .await?;
        let (start, upto) = (after, delivered());
        for (seq, entry) in page {
            if seq <= after || seq > upto {
                break;
            }
            let Some(frame) = F::replay_frame(entry) else {
                break;
            };
            backlog.push(seq, frame);
            after = seq;
        }
        if after == start {
            // Redis has nothing more up to where delivery stands (trimmed, or purged).
            break;
        }
    }
    Ok(backlog)
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use futures_executor::block_on;

    use super::*;

    /// A feed over a list standing in for Redis, recording what it sends.
    #[derive(Default)]
    struct ListFeed {
        stored: Vec<u64>,
        sequencer: RefCell<Sequencer<String>>,
        sent: RefCell<Vec<String>>,
        listeners: Cell<bool>,
        persisted: Cell<Option<u64>>,
        reads: Cell<u32>,
    }

    impl ListFeed {
        fn storing(seqs: impl IntoIterator<Item = u64>) -> Self {
            ListFeed {
                stored: seqs.into_iter().collect(),
                ..ListFeed::default()
            }
        }

        fn sent(&self) -> Vec<String> {
            self.sent.borrow().clone()
        }
    }

    impl Feed for ListFeed {
        type Entry = String;

        fn sequencer<R>(&self, f: impl FnOnce(&mut Sequencer<String>) -> R) -> R {
            f(&mut self.sequencer.borrow_mut())
        }

        async fn read(&self, after: u64, limit: u64) -> ApiResult<Vec<(u64, String)>> {
            self.reads.set(self.reads.get() + 1);
            Ok(self
                .stored
                .iter()
                .filter(|seq| **seq > after)
                .take(limit as usize)
                .map(|seq| (*seq, format!("m{seq}")))
                .collect())
        }

        fn replay_frame(entry: String) -> Option<String> {
            Some(entry)
        }

        fn send(&self, ready: &[String]) -> bool {
            if self.listeners.get() {
                self.sent.borrow_mut().extend(ready.iter().cloned());
            }
            self.listeners.get()
        }

        fn preparing(&self) -> bool {
            false
        }

        fn has_listeners(&self) -> bool {
            self.listeners.get()
        }

        fn persist(&self) {
            self.persisted.set(self.sequencer(|s| s.delivered()));
        }
    }

    #[test]
    fn items_in_order_go_out_at_once_and_are_remembered() {
        let feed = ListFeed::storing(1..=2);
        feed.listeners.set(true);
        block_on(catch_up(&feed, 0, true)).unwrap();
        block_on(offer(&feed, 1, "m1".into())).unwrap();
        block_on(offer(&feed, 2, "m2".into())).unwrap();
        assert_eq!(feed.sent(), ["m1", "m2"]);
        assert_eq!(feed.persisted.get(), Some(2));
    }

    #[test]
    fn with_nobody_listening_a_gap_is_skipped_without_reading() {
        let feed = ListFeed::storing(1..=5);
        block_on(catch_up(&feed, 1, true)).unwrap();
        block_on(offer(&feed, 5, "m5".into())).unwrap();
        assert_eq!(feed.sequencer(|s| s.delivered()), Some(5));
        assert_eq!(feed.reads.get(), 0);
    }

    #[test]
    fn a_socket_joining_listeners_gets_the_missing_items_from_redis_in_order() {
        let feed = ListFeed::storing(1..=4);
        feed.listeners.set(true);
        block_on(catch_up(&feed, 1, true)).unwrap();
        // The Worker saw 4 in Redis; events for 2..4 have not arrived.
        block_on(catch_up(&feed, 4, false)).unwrap();
        assert_eq!(feed.sent(), ["m2", "m3", "m4"]);
        block_on(offer(&feed, 3, "late".into())).unwrap();
        assert_eq!(feed.sent().len(), 3, "a late event is not sent twice");
    }

    #[test]
    fn a_restart_trusts_only_what_redis_has() {
        // The hub handled up to 9 for nobody, but Redis kept only up to 6.
        let feed = ListFeed::storing(1..=6);
        feed.sequencer(|s| s.restart_at(9));
        block_on(catch_up(&feed, 5, true)).unwrap();
        assert_eq!(feed.sequencer(|s| s.delivered()), Some(6));
        assert_eq!(feed.persisted.get(), Some(6));
    }

    #[test]
    fn a_replay_stops_where_live_delivery_stands_and_names_what_it_left_out() {
        let feed = ListFeed::storing(1..=300);
        feed.sequencer(|s| s.restart_at(250));
        let backlog = block_on(replay(&feed, 10, None)).unwrap();
        let seqs: Vec<u64> = backlog.frames.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs, (11..=250).collect::<Vec<_>>());
        assert_eq!(backlog.gap, None);
        assert_eq!(feed.reads.get(), 3, "pages of {REPLAY_PAGE}");

        let limited = block_on(replay(&feed, 10, Some(5))).unwrap();
        let seqs: Vec<u64> = limited.frames.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs, [246, 247, 248, 249, 250]);
        assert_eq!(limited.gap, Some((10, 246)));
    }

    #[test]
    fn a_replay_ends_when_redis_has_nothing_more() {
        let feed = ListFeed::storing(1..=3);
        feed.sequencer(|s| s.restart_at(8));
        let backlog = block_on(replay(&feed, 0, None)).unwrap();
        assert_eq!(backlog.frames.len(), 3);
    }
}
