//! The delivery position a hub keeps in Durable Object storage, written behind: at most
//! once per [`INTERVAL`] however many items go out, always the latest value, never the
//! same value twice. Writing it once per delivered item cost a storage row write per
//! message ($1 per million).
//!
//! Why a position written late still resumes exactly once and in order: the stored
//! position is read only by an instance that starts while the hub's sockets stay open,
//! and that happens only after hibernation. The runtime hibernates an object only when
//! nothing of it is pending — "no `setTimeout`/`setInterval` scheduled callbacks"
//! among the conditions (Durable Objects lifecycle) — so the write waiting here lands
//! first, and the woken instance continues exactly where delivery stood. An object that
//! stops any other way (a crash, a restart, a deploy) takes its sockets with it, and
//! the next socket restarts delivery from its own view of Redis (`feed::catch_up`),
//! which trusts a stored position only as far as Redis confirms it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};
use worker::worker_sys::DurableObjectState;
use worker::State;

use super::feed::DELIVERED;

/// The longest the stored position lags behind delivery.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// What storage should get, and when (pure: the timer and the write are
/// [`StoredPosition`]'s).
#[derive(Debug, Default)]
struct Behind {
    /// The newest position delivered.
    latest: Option<u64>,
    /// The position storage has (as far as this instance wrote it).
    written: Option<u64>,
    /// A write is waiting for its interval to end.
    scheduled: bool,
    /// The object's storage is being deleted (the room ended): nothing more is written.
    stopped: bool,
}

impl Behind {
    /// Records `delivered`; true when a write must be scheduled (none is waiting).
    fn remember(&mut self, delivered: u64) -> bool {
        self.latest = Some(delivered);
        if self.scheduled || self.stopped {
            return false;
        }
        self.scheduled = true;
        true
    }

    /// The interval ended: the value to write, unless storage has it already.
    fn due(&mut self) -> Option<u64> {
        self.scheduled = false;
        let due = self
            .latest
            .filter(|latest| !self.stopped && self.written != Some(*latest))?;
        self.written = Some(due);
        Some(due)
    }
}

/// The hub's delivery position as storage will have it, written behind.
#[derive(Debug, Default)]
pub struct StoredPosition {
    /// Shared with the waiting write.
    behind: Rc<RefCell<Behind>>,
}

impl StoredPosition {
    /// Records `delivered`; it reaches storage when the current interval ends (a write
    /// is scheduled if none is waiting).
    pub fn remember(&self, state: &State, delivered: u64) {
        if !self.behind.borrow_mut().remember(delivered) {
            return;
        }
        let behind = Rc::clone(&self.behind);
        // A handle of its own (a JS object: cloning shares it) for the write below.
        let raw: DurableObjectState = AsRef::<JsValue>::as_ref(state.as_raw())
            .clone()
            .unchecked_into();
        worker::wasm_bindgen_futures::spawn_local(async move {
            worker::Delay::from(INTERVAL).await;
            let Some(delivered) = behind.borrow_mut().due() else {
                return;
            };
            if let Err(err) = State::from(raw).storage().put(DELIVERED, delivered).await {
                // Storage did not take it: the next delivered item schedules another try.
                behind.borrow_mut().written = None;
                crate::log::hub_call_failed("store the delivery position", "", &err);
            }
        });
    }

    /// No more writes: the object's storage is about to be deleted.
    pub fn stop(&self) {
        self.behind.borrow_mut().stopped = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_one_write_of_its_last_position() {
        let mut behind = Behind::default();
        assert!(behind.remember(1), "the first item schedules a write");
        for seq in 2..=1000 {
            assert!(!behind.remember(seq), "one write is waiting already");
        }
        assert_eq!(behind.due(), Some(1000));
        assert!(behind.remember(1001), "the next interval schedules its own");
        assert_eq!(behind.due(), Some(1001));
    }

    #[test]
    fn a_position_storage_has_is_not_written_again() {
        let mut behind = Behind::default();
        behind.remember(7);
        assert_eq!(behind.due(), Some(7));
        assert!(behind.remember(7));
        assert_eq!(behind.due(), None);
    }

    #[test]
    fn nothing_is_written_once_stopped() {
        let mut behind = Behind::default();
        behind.remember(3);
        behind.stopped = true;
        assert_eq!(behind.due(), None);
        assert!(!behind.remember(4));
    }
}
