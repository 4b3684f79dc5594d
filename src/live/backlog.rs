//! A replay for a connecting socket: the items it missed, at most [`REPLAY_BYTES`] of
//! frames held in memory (the newest ones), and the gap in front of them when older
//! items had to be left out — the client reads those over REST.

use std::collections::VecDeque;

/// Most bytes of frames a backlog holds in memory.
pub const REPLAY_BYTES: usize = 1 << 20;

/// What a connecting socket is sent before live frames.
#[derive(Debug)]
pub struct Backlog {
    /// Items the replay left out, as `(after, before)`: those with `after < seq < before`.
    pub gap: Option<(u64, u64)>,
    /// Frames by seq, oldest first.
    pub frames: VecDeque<(u64, String)>,
    bytes: usize,
    /// The seq the client asked to resume after.
    requested: u64,
}

impl Backlog {
    /// An empty backlog for a client resuming after `requested`.
    pub fn new(requested: u64) -> Self {
        Backlog {
            gap: None,
            frames: VecDeque::new(),
            bytes: 0,
            requested,
        }
    }

    /// Notes that the replay starts later than asked: everything up to `first - 1` is
    /// left out.
    pub fn starts_at(&mut self, first: u64) {
        if first > self.requested + 1 {
            self.gap = Some((self.requested, first));
        }
    }

    /// Adds a frame, dropping the oldest ones while over the byte budget.
    pub fn push(&mut self, seq: u64, frame: String) {
        self.bytes += frame.len();
        self.frames.push_back((seq, frame));
        while self.bytes > REPLAY_BYTES && self.frames.len() > 1 {
            if let Some((dropped, frame)) = self.frames.pop_front() {
                self.bytes -= frame.len();
                self.gap = Some((self.requested, dropped + 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_its_byte_budget_a_backlog_keeps_the_newest_and_names_the_gap() {
        let mut backlog = Backlog::new(10);
        let big = "x".repeat(REPLAY_BYTES / 3);
        for seq in 11..=15 {
            backlog.push(seq, big.clone());
        }
        let kept: Vec<u64> = backlog.frames.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(kept, vec![13, 14, 15]);
        assert_eq!(backlog.gap, Some((10, 13)));
        assert!(backlog.bytes <= REPLAY_BYTES);
    }

    #[test]
    fn a_late_start_is_a_gap_and_an_exact_one_is_not() {
        let mut backlog = Backlog::new(3);
        backlog.starts_at(4);
        assert_eq!(backlog.gap, None);
        backlog.starts_at(90);
        assert_eq!(backlog.gap, Some((3, 90)));
    }
}
