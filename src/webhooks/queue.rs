//! A bot's pending webhook deliveries, in the order they go out, and what happens to
//! each after an attempt. Pure: the inbox hub stores what [`Change`]s say and makes the
//! attempts.
//!
//! - Order: items by their inbox seq (`ord` = seq × 1000); a ping after everything
//!   queued before it. One attempt at a time, head first: a failing delivery holds the
//!   ones behind it, so a receiver sees items in order.
//! - Coalescing (the loop guard): in the `openclaw` format, an item that arrives while
//!   a delivery is pending joins the newest delivery not yet being attempted — one wake
//!   covers them all. The `standard` format sends each item (receivers deduplicate by
//!   `webhook-id`).
//! - Backoff after a failure: about 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, then every 6 h;
//!   a delivery is dropped 24 h after it was queued (the inbox still has the item).
//!   Both scale with one base (5 s by default), so a test stack can run the schedule in
//!   seconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Format;
use crate::model::InboxItem;

/// The backoff steps, in units of the base delay (5 s: 5 s, 30 s, 2 min, 10 min, 1 h,
/// 3 h, 6 h).
const STEPS: [i64; 7] = [1, 6, 24, 120, 720, 2160, 4320];
/// How long a delivery is tried, in base units (24 h at 5 s).
const MAX_AGE: i64 = 17_280;
/// Room between two items' ords for the pings queued after the first.
const SPREAD: i64 = 1000;

/// One delivery: a ping (no items), one item, or (openclaw) several coalesced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// `inbox_<bot id>_<first item seq>`, or `ping_<bot id>_<queued at>`: the
    /// `webhook-id`, the same on every retry.
    pub id: String,
    pub items: Vec<InboxItem>,
    /// Failed attempts so far.
    pub attempts: u32,
    pub queued_at: i64,
    /// When the next attempt may start (ms).
    pub due_at: i64,
}

/// What the hub writes to storage after a change: a row put, or deleted.
#[derive(Debug, Clone)]
pub enum Change {
    Put(i64, Delivery),
    Delete(i64),
}

/// The retry schedule: `base_ms` is the first delay.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub base_ms: i64,
}

impl Retry {
    /// The delay after a delivery's `attempts`-th failure.
    pub fn delay(&self, attempts: u32) -> i64 {
        let step = (attempts.max(1) as usize - 1).min(STEPS.len() - 1);
        self.base_ms * STEPS[step]
    }

    /// How long after it was queued a delivery is given up.
    pub fn max_age(&self) -> i64 {
        self.base_ms * MAX_AGE
    }
}

/// The pending deliveries by `ord`.
#[derive(Debug, Default)]
pub struct Queue {
    rows: BTreeMap<i64, Delivery>,
}

impl Queue {
    /// The queue as stored.
    pub fn restore(rows: impl IntoIterator<Item = (i64, Delivery)>) -> Self {
        Queue {
            rows: rows.into_iter().collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The delivery that goes next.
    pub fn head(&self) -> Option<(i64, &Delivery)> {
        self.rows.iter().next().map(|(ord, d)| (*ord, d))
    }

    /// When the head may be attempted.
    pub fn next_due(&self) -> Option<i64> {
        self.head().map(|(_, d)| d.due_at)
    }

    /// Queues an item. `in_flight`: the ord being attempted now, which must not change.
    /// `None` when the item is queued already (an event delivered twice).
    pub fn add_item(
        &mut self,
        bot_id: &str,
        item: InboxItem,
        format: Format,
        in_flight: Option<i64>,
        now: i64,
    ) -> Option<Change> {
        let ord = item.seq as i64 * SPREAD;
        let queued = |d: &Delivery| d.items.iter().any(|i| i.seq == item.seq);
        if self.rows.values().any(queued) {
            return None;
        }
        if format == Format::Openclaw {
            let waiting = self
                .rows
                .iter_mut()
                .rev()
                .find(|(o, d)| Some(**o) != in_flight && !d.items.is_empty());
            if let Some((ord, delivery)) = waiting {
                delivery.items.push(item);
                delivery.items.sort_by_key(|i| i.seq);
                return Some(Change::Put(*ord, delivery.clone()));
            }
        }
        let delivery = Delivery {
            id: format!("inbox_{bot_id}_{}", item.seq),
            items: vec![item],
            attempts: 0,
            queued_at: now,
            due_at: now,
        };
        self.rows.insert(ord, delivery.clone());
        Some(Change::Put(ord, delivery))
    }

    /// Queues a ping after everything queued.
    pub fn add_ping(&mut self, bot_id: &str, now: i64) -> Change {
        let ord = self.rows.keys().next_back().map_or(1, |last| last + 1);
        let delivery = Delivery {
            id: format!("ping_{bot_id}_{now}"),
            items: Vec::new(),
            attempts: 0,
            queued_at: now,
            due_at: now,
        };
        self.rows.insert(ord, delivery.clone());
        Change::Put(ord, delivery)
    }

    /// Replaces the items of a delivery (the ones its bot may still see); an emptied
    /// item delivery is removed.
    pub fn keep_items(&mut self, ord: i64, keep: impl Fn(&InboxItem) -> bool) -> Option<Change> {
        let delivery = self.rows.get_mut(&ord)?;
        if delivery.items.is_empty() {
            return None; // a ping
        }
        let before = delivery.items.len();
        delivery.items.retain(|i| keep(i));
        if delivery.items.is_empty() {
            self.rows.remove(&ord);
            return Some(Change::Delete(ord));
        }
        (delivery.items.len() != before).then(|| Change::Put(ord, delivery.clone()))
    }

    /// The delivery at `ord` went through.
    pub fn succeeded(&mut self, ord: i64) -> Change {
        self.rows.remove(&ord);
        Change::Delete(ord)
    }

    /// The delivery at `ord` failed at `now`: retried later, or dropped when it has been
    /// tried for as long as the schedule allows.
    pub fn failed(&mut self, ord: i64, now: i64, retry: Retry) -> Change {
        let Some(delivery) = self.rows.get_mut(&ord) else {
            return Change::Delete(ord);
        };
        delivery.attempts += 1;
        if now - delivery.queued_at >= retry.max_age() {
            self.rows.remove(&ord);
            return Change::Delete(ord);
        }
        delivery.due_at = now + retry.delay(delivery.attempts);
        Change::Put(ord, delivery.clone())
    }

    /// Empties the queue (the webhook was disabled or deleted); the ords to delete.
    pub fn clear(&mut self) -> Vec<i64> {
        let ords = self.rows.keys().copied().collect();
        self.rows.clear();
        ords
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BotRef, InboxKind, InboxRoom, Visibility};

    fn item(seq: u64) -> InboxItem {
        InboxItem {
            seq,
            kind: InboxKind::Mention,
            at: "2026-01-01T00:00:00.000Z".into(),
            room: InboxRoom {
                id: "global".into(),
                name: "Global chat".into(),
                visibility: Visibility::Public,
                expires_at: None,
            },
            by: BotRef {
                id: "b_2".into(),
                name: "ann".into(),
            },
            message: None,
        }
    }

    fn seqs(queue: &Queue) -> Vec<Vec<u64>> {
        queue
            .rows
            .values()
            .map(|d| d.items.iter().map(|i| i.seq).collect())
            .collect()
    }

    #[test]
    fn standard_sends_each_item_in_seq_order_with_a_stable_id() {
        let mut q = Queue::default();
        for seq in [2, 1, 3] {
            q.add_item("b_1", item(seq), Format::Standard, None, 0);
        }
        assert_eq!(seqs(&q), vec![vec![1], vec![2], vec![3]]);
        assert_eq!(q.head().unwrap().1.id, "inbox_b_1_1");
        assert!(
            q.add_item("b_1", item(2), Format::Standard, None, 0)
                .is_none(),
            "twice is once"
        );
        q.add_ping("b_1", 5);
        assert!(q.rows.values().last().unwrap().id.starts_with("ping_b_1_"));
    }

    #[test]
    fn openclaw_coalesces_what_arrives_while_one_is_in_flight() {
        let mut q = Queue::default();
        q.add_item("b_1", item(1), Format::Openclaw, None, 0);
        let in_flight = q.head().unwrap().0;
        for seq in [2, 3, 4] {
            q.add_item("b_1", item(seq), Format::Openclaw, Some(in_flight), 0);
        }
        assert_eq!(seqs(&q), vec![vec![1], vec![2, 3, 4]]);
    }

    #[test]
    fn failures_back_off_then_give_up_after_the_max_age() {
        let retry = Retry { base_ms: 5000 };
        let mut q = Queue::default();
        q.add_item("b_1", item(1), Format::Standard, None, 0);
        let ord = q.head().unwrap().0;
        let mut now = 0;
        let mut delays = Vec::new();
        while let Change::Put(_, d) = q.failed(ord, now, retry) {
            delays.push(d.due_at - now);
            now = d.due_at;
        }
        assert_eq!(
            &delays[..7],
            &[5_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000]
        );
        assert!(delays[7..].iter().all(|d| *d == 21_600_000));
        assert!(
            (86_400_000..86_400_000 + 21_600_000).contains(&now),
            "dropped after 24 h"
        );
        assert!(q.is_empty());
    }

    #[test]
    fn items_a_bot_may_no_longer_see_are_removed_before_sending() {
        let mut q = Queue::default();
        q.add_item("b_1", item(1), Format::Openclaw, None, 0);
        q.add_item("b_1", item(2), Format::Openclaw, Some(1000), 0);
        let waiting = 2000;
        assert!(matches!(
            q.keep_items(waiting, |i| i.seq != 2),
            Some(Change::Delete(2000))
        ));
        assert_eq!(seqs(&q), vec![vec![1]]);
        q.add_ping("b_1", 0);
        assert!(
            q.keep_items(1001, |_| false).is_none(),
            "pings have no items"
        );
    }
}
