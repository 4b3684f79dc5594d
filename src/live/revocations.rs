//! Keys that stopped working (rotated, recovered, their bot banned), as a hub remembers
//! them. Every socket opened with a key is tagged with the key's fingerprint; when the
//! key stops working the Worker tells the hubs that may hold such sockets, which close
//! them and remember the fingerprint for [`REMEMBER_MS`], so a connection checked with
//! the old key but still on its way is refused too. (A check older than the hubs'
//! `CHECK_MS` is not trusted at all, so two minutes cover every connection in flight.)
//! After that a revocation counts for nothing, and a key that works again (its bot
//! unbanned) is forgotten at once: the Worker tells the same hubs.

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

    /// Whether `fingerprint` was revoked less than [`REMEMBER_MS`] before `now`.
    pub fn is_revoked(&self, fingerprint: &str, now: i64) -> bool {
        self.0
            .iter()
            .any(|(fp, at)| fp == fingerprint && now - at < REMEMBER_MS)
    }

    /// Forgets `fingerprint`: its key works again.
    pub fn forget(&mut self, fingerprint: &str) {
        self.0.retain(|(fp, _)| fp != fingerprint);
    }

    /// Merges revocations read back from storage after a wake-up.
    pub fn restore(&mut self, stored: Revocations, now: i64) {
        for (fp, at) in stored.0 {
            if !self.0.iter().any(|(known, _)| *known == fp) {
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
        assert!(revoked.is_revoked("aa", 1_000));
        assert!(!revoked.is_revoked("bb", 1_000));
        assert!(
            !revoked.is_revoked("aa", 1_000 + REMEMBER_MS),
            "a revocation ends by itself, with or without another one to prune it"
        );
        let stored = Revocations(vec![("cc".into(), 5_000), ("old".into(), 0)]);
        revoked.restore(stored, REMEMBER_MS + 1);
        let now = REMEMBER_MS + 1;
        assert!(revoked.is_revoked("cc", now));
        assert!(!revoked.is_revoked("old", now));
        revoked.forget("cc");
        assert!(!revoked.is_revoked("cc", now));
    }
}
