//! Counters of what clients asked for, served at `GET /_gateway/stats`.
//!
//! End-to-end tests read them before and after calling a Worker endpoint to assert
//! how many Redis round trips and commands it costs, so they are exact: each is
//! bumped before the answer it belongs to is sent.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

#[derive(Debug)]
pub struct Stats {
    /// Authenticated command requests: `/`, `/pipeline` and `/multi-exec`.
    requests: AtomicU64,
    /// Client commands sent to Redis; the MULTI/EXEC that wrap a transaction are
    /// the gateway's own and not counted.
    commands: AtomicU64,
    started_at: SystemTime,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            requests: AtomicU64::new(0),
            commands: AtomicU64::new(0),
            started_at: SystemTime::now(),
        }
    }

    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }

    pub fn count_commands(&self, count: usize) {
        self.commands.fetch_add(count as u64, Ordering::SeqCst);
    }

    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests.load(Ordering::SeqCst),
            "commands": self.commands.load(Ordering::SeqCst),
            "started_at": humantime::format_rfc3339_seconds(self.started_at).to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_and_commands() {
        let stats = Stats::new();
        stats.count_request();
        stats.count_request();
        stats.count_commands(3);
        let json = stats.to_json();
        assert_eq!(json["requests"], 2);
        assert_eq!(json["commands"], 3);
        let started_at = json["started_at"].as_str().unwrap();
        assert!(humantime::parse_rfc3339(started_at).is_ok(), "{started_at}");
    }
}
