//! Live ordering, as a pure type: which messages may go out now, so that every socket
//! sees a room's messages in `seq` order, each once, with no gap.
//!
//! Posts race, so the hub can be told about seq 8 before seq 7. The sequencer keeps the
//! highest seq delivered and holds anything beyond the next one until its predecessors
//! arrive — or until the hub reads them from Redis and hands them in with
//! [`Sequencer::fill`]. That read always finds them unless the history cap trimmed them
//! away: the post script commits seq n before the event for n leaves the Worker, and
//! seqs are handed out in commit order, so when event n arrives every seq below n is
//! in Redis already. What Redis no longer has below the first message it returns is
//! therefore gone for good, and is skipped.
//!
//! The type knows nothing of sockets, storage or time; the hub does the waiting and the
//! reading. `F` is whatever the hub delivers per message (its rendered frames).

use std::collections::BTreeMap;

/// The delivery position of one room and the messages waiting for their predecessors.
#[derive(Debug)]
pub struct Sequencer<F> {
    /// Highest seq delivered; `None` until known (a fresh hub learns it from storage,
    /// from the first message, or from a connecting client's view of Redis).
    delivered: Option<u64>,
    /// Messages that arrived before their predecessors, by seq.
    pending: BTreeMap<u64, F>,
}

impl<F> Default for Sequencer<F> {
    fn default() -> Self {
        Sequencer {
            delivered: None,
            pending: BTreeMap::new(),
        }
    }
}

impl<F> Sequencer<F> {
    /// Highest seq delivered, if known.
    pub fn delivered(&self) -> Option<u64> {
        self.delivered
    }

    /// Restores the position a previous instance persisted (after an eviction), unless
    /// this instance already knows a position of its own.
    pub fn restore(&mut self, delivered: Option<u64>) {
        if self.delivered.is_none() {
            self.delivered = delivered;
        }
    }

    /// Sets the position outright: live delivery restarts from here (see
    /// [`restart_point`]). Pending messages at or below it are dropped.
    pub fn restart_at(&mut self, delivered: u64) {
        self.delivered = Some(delivered);
        self.pending = self.pending.split_off(&(delivered + 1));
    }

    /// Takes a live message. Returns what may be delivered now, in order: this message
    /// and any that waited for it, or nothing while a predecessor is missing. A message
    /// at or below the position is a duplicate and is dropped. The first message a hub
    /// ever sees sets the position just below itself.
    pub fn offer(&mut self, seq: u64, frame: F) -> Vec<F> {
        let delivered = *self.delivered.get_or_insert(seq.saturating_sub(1));
        if seq > delivered {
            self.pending.entry(seq).or_insert(frame);
        }
        self.drain()
    }

    /// Whether `seq` is still waiting for a predecessor.
    pub fn is_waiting(&self, seq: u64) -> bool {
        self.pending.contains_key(&seq)
    }

    /// Gives up waiting below `seq` (nobody listens, so nobody needs the order): the
    /// position jumps to `seq - 1` and whatever is now in order comes out.
    pub fn skip_to(&mut self, seq: u64) -> Vec<F> {
        self.delivered = self.delivered.max(Some(seq.saturating_sub(1)));
        self.drain()
    }

    /// Hands in messages read from Redis after `from` (the position when the read began)
    /// up to `target`, oldest first. Seqs below the first message found were trimmed
    /// from history and are skipped — but only if delivery did not move while the read
    /// was in flight (then the next read decides). Returns what may be delivered now.
    pub fn fill(
        &mut self,
        from: u64,
        target: u64,
        found: impl IntoIterator<Item = (u64, F)>,
    ) -> Vec<F> {
        let delivered = self.delivered.unwrap_or(from);
        let mut first_found = None;
        for (seq, frame) in found {
            if seq > target {
                break;
            }
            first_found.get_or_insert(seq);
            if seq > delivered {
                self.pending.entry(seq).or_insert(frame);
            }
        }
        let resume = first_found.unwrap_or(target + 1);
        if delivered == from && resume > from + 1 {
            self.delivered = Some(resume - 1);
        }
        self.drain()
    }

    /// Takes out the run of pending messages that continues the position, and drops any
    /// that are no longer ahead of it.
    fn drain(&mut self) -> Vec<F> {
        let Some(mut delivered) = self.delivered else {
            return Vec::new();
        };
        self.pending = self.pending.split_off(&(delivered + 1));
        let mut ready = Vec::new();
        while let Some(frame) = self.pending.remove(&(delivered + 1)) {
            delivered += 1;
            ready.push(frame);
        }
        self.delivered = Some(delivered);
        ready
    }
}

/// Where live delivery restarts when a client connects to a hub nobody was listening
/// to: the client's view of Redis (`last_seq`), raised to the highest seq the hub
/// remembers delivering (`remembered`) that Redis confirms (`stored`: the seqs Redis
/// holds after `last_seq`). A remembered seq Redis does not have (its write was lost,
/// say, in a failover) is not believed, so it is handed out again without a skip.
pub fn restart_point(last_seq: u64, remembered: u64, stored: impl IntoIterator<Item = u64>) -> u64 {
    stored
        .into_iter()
        .filter(|&seq| seq <= remembered)
        .fold(last_seq, u64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(delivered: u64) -> Sequencer<u64> {
        let mut s = Sequencer::default();
        s.restore(Some(delivered));
        s
    }

    #[test]
    fn in_order_messages_go_out_at_once() {
        let mut s = at(0);
        assert_eq!(s.offer(1, 1), vec![1]);
        assert_eq!(s.offer(2, 2), vec![2]);
        assert_eq!(s.delivered(), Some(2));
    }

    #[test]
    fn eight_before_seven_waits_then_both_go_in_order() {
        let mut s = at(6);
        assert_eq!(s.offer(8, 8), Vec::<u64>::new());
        assert!(s.is_waiting(8));
        assert_eq!(s.offer(7, 7), vec![7, 8]);
        assert!(!s.is_waiting(8));
        assert_eq!(s.delivered(), Some(8));
    }

    #[test]
    fn a_gap_is_filled_from_storage() {
        let mut s = at(4);
        assert!(s.offer(8, 8).is_empty());
        // The hub reads seqs 5..=7 from Redis; 6 also arrives live meanwhile.
        assert!(s.offer(6, 6).is_empty());
        assert_eq!(s.fill(4, 7, [(5, 5), (6, 60), (7, 7)]), vec![5, 6, 7, 8]);
        assert_eq!(s.delivered(), Some(8));
    }

    #[test]
    fn a_gap_trimmed_by_the_history_cap_is_skipped() {
        let mut s = at(10);
        assert!(s.offer(20, 20).is_empty());
        // Redis kept only 15 and later: 11..=14 are gone for good.
        assert_eq!(
            s.fill(10, 19, (15..=19).map(|n| (n, n))),
            vec![15, 16, 17, 18, 19, 20]
        );
        // Nothing at all left below 30: everything up to it is skipped.
        assert!(s.offer(30, 30).is_empty());
        assert_eq!(s.fill(20, 29, []), vec![30]);
    }

    #[test]
    fn a_fill_that_raced_live_delivery_skips_nothing() {
        let mut s = at(4);
        assert!(s.offer(9, 9).is_empty());
        // While the read for 5..=8 was in flight, 5 arrived live.
        assert_eq!(s.offer(5, 5), vec![5]);
        // The read (begun at 4) found only 7 and 8: 6 must not be skipped on its word.
        assert!(s.fill(4, 8, [(7, 7), (8, 8)]).is_empty());
        assert_eq!(s.delivered(), Some(5));
        // The next read, begun at 5, finds 6.
        assert_eq!(s.fill(5, 8, [(6, 6), (7, 7), (8, 8)]), vec![6, 7, 8, 9]);
    }

    #[test]
    fn restart_after_eviction_continues_from_the_persisted_position() {
        let mut s = Sequencer::default();
        s.restore(Some(41));
        assert_eq!(s.offer(42, 42), vec![42]);
        // A later restore (the storage read finishing late) does not move it back.
        s.restore(Some(3));
        assert_eq!(s.delivered(), Some(42));
    }

    #[test]
    fn a_fresh_hub_starts_below_the_first_message_it_sees() {
        let mut s = Sequencer::default();
        assert_eq!(s.offer(17, 17), vec![17]);
        assert_eq!(s.delivered(), Some(17));
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut s = at(5);
        assert!(s.offer(5, 5).is_empty());
        assert!(s.offer(3, 3).is_empty());
        assert!(s.offer(7, 7).is_empty());
        assert!(s.offer(7, 70).is_empty());
        assert_eq!(s.offer(6, 6), vec![6, 7]);
        assert!(s.fill(5, 7, [(6, 6), (7, 7)]).is_empty());
        assert_eq!(s.delivered(), Some(7));
    }

    #[test]
    fn skipping_when_nobody_listens() {
        let mut s = at(2);
        assert!(s.offer(5, 5).is_empty());
        assert_eq!(s.skip_to(5), vec![5]);
        assert_eq!(s.delivered(), Some(5));
    }

    #[test]
    fn restart_drops_what_it_passes() {
        let mut s = at(2);
        assert!(s.offer(5, 5).is_empty());
        assert!(s.offer(9, 9).is_empty());
        s.restart_at(6);
        assert!(!s.is_waiting(5));
        assert!(s.is_waiting(9));
        assert_eq!(s.offer(7, 7), vec![7]);
    }

    #[test]
    fn a_restart_believes_only_what_redis_confirms() {
        // Remembers 9 delivered; the client saw Redis at 5; Redis holds 6, 7 and 11.
        assert_eq!(
            restart_point(5, 9, [6, 7, 11]),
            7,
            "8 and 9 are not in Redis: not believed"
        );
        assert_eq!(
            restart_point(5, 9, []),
            5,
            "nothing confirmed: the client's view"
        );
        assert_eq!(
            restart_point(12, 9, [13]),
            12,
            "the client saw further than the hub"
        );
        assert_eq!(
            restart_point(3, 0, [4, 5]),
            3,
            "a fresh hub remembers nothing"
        );
    }
}
