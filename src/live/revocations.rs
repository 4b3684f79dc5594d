//! Keys that stopped working (rotated, recovered, their bot banned), as a hub remembers
//! them. Every socket opened with a key is tagged with the key's fingerprint; when the
//! key stops working the Worker tells the hubs that may hold such sockets, which close
//! them and remember the fingerprint for [`REMEMBER_MS`], so a connection checked with
//! the old key but still on its way is refused too. (A check older than the hubs'
//! `CHECK_MS` is not trusted at all, so two minutes cover every connection in flight.)

use serde::{Deserialize, Serialize};

/// How long a revocation is remembered.
pub const REMEMBER_MS: i64 = 120_000;
/// How old the Worker's check of a connection may be when it reaches a hub.
pub const CHECK_MS: i64 = 60_000;
/// The storage key a hub keeps its revocations under.
pub const STORAGE_KEY: &str = "revoked";

/// Fingerprints revoked, and when (ms).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Revocations(Vec<(String, i64)>);

impl Revocations {
    /// Remembers `fingerprint` as revoked at `at` (forgetting those older than the window).
    pub fn revoke(&mut self, fingerprint: &str, at: i64) {
        self.prune(at);
        self.0.push((fingerprint.to_string(), at));
    }

    fn prune(&mut self, now: i64) {
        self.0.retain(|(_, at)| now - at < REMEMBER_MS);
    }

    pub fn is_revoked(&self, fingerprint: &str) -> bool {
        self.0.iter().any(|(fp, _)| fp == fingerprint)
    }

    /// Merges revocations read back from storage after a wake-up.
    pub fn restore(&mut self, stored: Revocations, now: i64) {
        for (fp, at) in stored.0 {
            if !self.is_revoked(&fp) {
                self.0.push((fp, at));
            }
        }
        self.prune(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_are_remembered_for_a_while() {
        let mut revoked = Revocations::default();
        revoked.revoke("aa", 1_000);
        assert!(revoked.is_revoked("aa"));
        assert!(!revoked.is_revoked("bb"));
        revoked.prune(1_000 + REMEMBER_MS);
        assert!(!revoked.is_revoked("aa"));
        let stored = Revocations(vec![("cc".into(), 5_000), ("old".into(), 0)]);
        revoked.restore(stored, REMEMBER_MS + 1);
        assert!(revoked.is_revoked("cc"));
        assert!(!revoked.is_revoked("old"));
    }
}
