//! Who may have, and keep, a socket in this room — enforced by the hub itself, because
//! the Worker's check happens before the socket exists and the world can change in
//! between.
//!
//! - **Revoked keys** (see `live::revocations`): the sockets opened with a key that
//!   stopped working close (4002), and a connection checked with it is refused.
//! - **Removed members.** Every removal from a room bumps its membership version
//!   (`mver`, in Redis). Events and connections carry the version they saw; a hub that
//!   meets a version newer than the last it knows has missed a removal, and asks Redis
//!   which of its members' bots are still members before anything else goes out
//!   (closing the rest with 4003). A removal that arrives while a member's connection
//!   is being prepared is caught by the ledger just before the accept.
//! - **Abuse.** Per client address: at most `STREAM_SOCKETS_PER_CLIENT` sockets and
//!   `STREAM_CONNECTS_PER_CLIENT` connections being prepared per room; at most
//!   [`MAX_CONNECTING`] connections being prepared in the whole room. (Flooding clients:
//!   `live::sockets`.)

use std::collections::HashMap;

use super::sockets::bot_of;
use super::RoomHub;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::live::protocol::{RoomConnect, Viewer, CLOSE_KEY_REVOKED, CLOSE_NOT_MEMBER};
use crate::live::revocations::{self, Revocations, CHECK_MS};
use crate::live::sockets::{client_tag, key_tag};
use crate::store::rooms;
use crate::time::now_ms;

/// Connections being prepared at once in one room, from everyone together.
const MAX_CONNECTING: u32 = 64;
/// Storage key of the last membership version the hub knows.
const MVER: &str = "mver";

/// What the hub remembers of recent revocations and removals.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    revoked: Revocations,
    /// Bots removed from the room, and the membership version of their removal.
    removed: Vec<(String, u64)>,
}

impl Ledger {
    /// Keeps the newest removals only: they matter for connections in flight.
    fn remove(&mut self, bot_id: &str, mver: u64) {
        if self.removed.len() >= 256 {
            self.removed.remove(0);
        }
        self.removed.push((bot_id.to_string(), mver));
    }

    /// Whether `bot_id` was removed after membership version `seen`.
    fn removed_since(&self, bot_id: &str, seen: u64) -> bool {
        self.removed
            .iter()
            .any(|(bot, mver)| bot == bot_id && *mver > seen)
    }
}

/// A connection being prepared: counted against the caps until dropped.
pub(super) struct Admission<'a> {
    hub: &'a RoomHub,
    client: String,
    /// The membership version the caller's membership was last confirmed at.
    pub confirmed_mver: u64,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.hub.memory.borrow_mut().preparing.finish(&self.client);
    }
}

/// Connections being prepared (backlog being read, not accepted yet): in all, and per
/// client address.
#[derive(Debug, Default)]
pub(super) struct Preparing {
    total: u32,
    by_client: HashMap<String, u32>,
}

impl Preparing {
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Starts one for `client`, unless the room or the client is at its cap.
    fn start(&mut self, client: &str, per_client: u64) -> ApiResult<()> {
        if self.total >= MAX_CONNECTING {
            return Err(too_many("connections to this room at once"));
        }
        let mine = self.by_client.entry(client.to_string()).or_default();
        if u64::from(*mine) >= per_client {
            return Err(too_many(
                "connections to this room at once from your address",
            ));
        }
        *mine += 1;
        self.total += 1;
        Ok(())
    }

    fn finish(&mut self, client: &str) {
        let Some(mine) = self.by_client.get_mut(client) else {
            return;
        };
        *mine -= 1;
        if *mine == 0 {
            self.by_client.remove(client);
        }
        self.total -= 1;
    }
}

fn too_many(what: &str) -> ApiError {
    ApiError::Capped(format!("Too many {what}; try again in a few seconds."))
}

impl RoomHub {
    /// Closes the sockets opened with a revoked key and remembers the revocation.
    pub(super) async fn on_key_revoked(&self, fingerprint: &str) -> ApiResult<()> {
        for ws in self.sockets(Some(&key_tag(fingerprint))) {
            let _ = ws.close_with_code_and_reason(CLOSE_KEY_REVOKED, "key no longer valid");
        }
        let revoked = {
            let mut memory = self.memory.borrow_mut();
            memory.ledger.revoked.revoke(fingerprint, now_ms());
            memory.ledger.revoked.clone()
        };
        self.state
            .storage()
            .put(revocations::STORAGE_KEY, revoked)
            .await?;
        Ok(())
    }

    /// Forgets a revocation: the key works again (its bot was unbanned).
    /// Memory and storage both: the hub may not have woken since it stored the
    /// revocation.
    pub(super) async fn on_key_restored(&self, fingerprint: &str) -> ApiResult<()> {
        let storage = self.state.storage();
        let stored: Option<Revocations> = storage.get(revocations::STORAGE_KEY).await?;
        let revoked = {
            let mut memory = self.memory.borrow_mut();
            let ledger = &mut memory.ledger.revoked;
            ledger.restore(stored.unwrap_or_default(), now_ms());
            ledger.forget(fingerprint);
            ledger.clone()
        };
        storage.put(revocations::STORAGE_KEY, revoked).await?;
        Ok(())
    }

    /// Restores the ledger and the known membership version after a wake-up.
    pub(super) async fn restore_access(&self) -> ApiResult<()> {
        let storage = self.state.storage();
        let revoked: Option<Revocations> = storage.get(revocations::STORAGE_KEY).await?;
        let mver: Option<u64> = storage.get(MVER).await?;
        let mut memory = self.memory.borrow_mut();
        memory
            .ledger
            .revoked
            .restore(revoked.unwrap_or_default(), now_ms());
        if memory.known_mver.is_none() {
            memory.known_mver = mver;
        }
        Ok(())
    }

    /// A private room's event seen at membership version `mver`: if the hub missed a
    /// removal, it first finds out from Redis who is still a member.
    pub(super) async fn check_membership_version(&self, mver: u64) -> ApiResult<()> {
        let behind = {
            let memory = self.memory.borrow();
            memory.private && memory.known_mver.is_some_and(|known| known < mver)
        };
        if behind {
            self.verify_members(None).await?;
        } else {
            self.know_mver(mver).await?;
        }
        Ok(())
    }

    /// A bot was removed at membership version `mver`: close its member sockets. A
    /// version that skips one means an earlier removal was missed: verify everyone.
    pub(super) async fn on_removed(&self, bot_id: &str, mver: u64) -> ApiResult<()> {
        for ws in self.sockets(Some(&super::sockets::bot_tag(bot_id))) {
            if self.viewer_of(&ws) == Some(Viewer::Member) {
                let _ = ws.close_with_code_and_reason(CLOSE_NOT_MEMBER, "no longer a member");
            }
        }
        let missed = {
            let mut memory = self.memory.borrow_mut();
            memory.ledger.remove(bot_id, mver);
            memory.known_mver.is_some_and(|known| mver > known + 1)
        };
        if missed {
            self.verify_members(None).await?;
        }
        self.know_mver(mver).await
    }

    /// Records a newer membership version (persisted: it outlives the instance).
    async fn know_mver(&self, mver: u64) -> ApiResult<()> {
        let newer = {
            let mut memory = self.memory.borrow_mut();
            let newer = memory.known_mver.is_none_or(|known| known < mver);
            if newer {
                memory.known_mver = Some(mver);
            }
            newer
        };
        if newer {
            self.state.storage().put(MVER, mver).await?;
        }
        Ok(())
    }

    /// Asks Redis which bots with member sockets here (and `also`, a bot connecting)
    /// are still members; closes the member sockets of those that are not. Returns the
    /// membership version of the answer and whether `also` is a member.
    async fn verify_members(&self, also: Option<&str>) -> ApiResult<(u64, bool)> {
        let room_id = self.memory.borrow().room_id.clone().unwrap_or_default();
        let sockets = self.sockets(Some(Viewer::Member.tag()));
        let mut bots: Vec<String> = sockets.iter().filter_map(|ws| bot_of(self, ws)).collect();
        bots.extend(also.map(str::to_string));
        bots.sort();
        bots.dedup();
        let (mver, members) = rooms::members_check(&self.store()?, &room_id, &bots).await?;
        for ws in &sockets {
            if bot_of(self, ws).is_some_and(|bot| !members.contains(&bot)) {
                let _ = ws.close_with_code_and_reason(CLOSE_NOT_MEMBER, "no longer a member");
            }
        }
        self.know_mver(mver).await?;
        Ok((
            mver,
            also.is_some_and(|bot| members.iter().any(|m| m == bot)),
        ))
    }

    /// Checks a connection before its backlog is read: the Worker's check is fresh, the
    /// key not revoked, the caps not reached. Counts it as being prepared.
    pub(super) fn admit(&self, query: &RoomConnect) -> ApiResult<Admission<'_>> {
        let config = Config::from_env(&self.env)?;
        if now_ms() - query.checked_at > CHECK_MS {
            return Err(ApiError::Unavailable(
                "This connection took too long to reach the room; connect again.".into(),
            ));
        }
        self.refuse_revoked(query)?;
        let open = self.sockets(Some(&client_tag(&query.client))).len() as u64;
        if open >= config.stream_sockets_per_client {
            return Err(too_many("streams of this room from your address"));
        }
        self.memory
            .borrow_mut()
            .preparing
            .start(&query.client, config.stream_connects_per_client)?;
        Ok(Admission {
            hub: self,
            client: query.client.clone(),
            confirmed_mver: query.mver,
        })
    }

    /// A member connecting to a private room whose membership version differs from the
    /// one the hub knows: confirms with Redis that it is still a member.
    pub(super) async fn confirm_member(
        &self,
        query: &RoomConnect,
        admission: &mut Admission<'_>,
    ) -> ApiResult<()> {
        let (Viewer::Member, true, Some(caller)) = (query.viewer, query.private(), &query.bot)
        else {
            return Ok(());
        };
        let known = self.memory.borrow().known_mver;
        match known {
            None => self.know_mver(query.mver).await,
            Some(known) if known == query.mver => Ok(()),
            Some(_) => {
                let (mver, member) = self.verify_members(Some(&caller.bot_id)).await?;
                if !member {
                    return Err(not_a_member());
                }
                admission.confirmed_mver = mver;
                Ok(())
            }
        }
    }

    /// The last check before the accept (no `.await` after it): nothing revoked the
    /// key or removed the member while the connection was being prepared.
    pub(super) fn final_check(
        &self,
        query: &RoomConnect,
        admission: &Admission<'_>,
    ) -> ApiResult<()> {
        self.refuse_revoked(query)?;
        if let (Viewer::Member, Some(caller)) = (query.viewer, &query.bot) {
            let removed = self
                .memory
                .borrow()
                .ledger
                .removed_since(&caller.bot_id, admission.confirmed_mver);
            if removed && query.private() {
                return Err(not_a_member());
            }
        }
        Ok(())
    }

    fn refuse_revoked(&self, query: &RoomConnect) -> ApiResult<()> {
        let revoked = query.bot.as_ref().is_some_and(|caller| {
            self.memory
                .borrow()
                .ledger
                .revoked
                .is_revoked(&caller.key, now_ms())
        });
        if revoked {
            return Err(ApiError::UnknownKey);
        }
        Ok(())
    }
}

fn not_a_member() -> ApiError {
    ApiError::Forbidden("You are no longer a member of this room.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removals_count_only_after_the_version_seen() {
        let mut ledger = Ledger::default();
        ledger.remove("b_1", 4);
        assert!(ledger.removed_since("b_1", 3));
        assert!(!ledger.removed_since("b_1", 4));
        assert!(!ledger.removed_since("b_2", 0));
        for n in 0..300 {
            ledger.remove("b_x", n);
        }
        assert_eq!(ledger.removed.len(), 256);
    }

    #[test]
    fn connections_being_prepared_are_capped_per_client_and_in_all() {
        let mut preparing = Preparing::default();
        for _ in 0..4 {
            preparing.start("a", 4).unwrap();
        }
        assert_eq!(preparing.start("a", 4).unwrap_err().code(), "rate_limited");
        preparing.start("b", 4).unwrap();
        preparing.finish("a");
        preparing.start("a", 4).unwrap();
        assert_eq!(preparing.total(), 5);
        for i in 0..(MAX_CONNECTING - 5) {
            preparing.start(&format!("c{i}"), 4).unwrap();
        }
        assert!(preparing.start("d", 4).is_err());
        for _ in 0..4 {
            preparing.finish("a");
        }
        preparing.finish("never");
        assert_eq!(preparing.total(), MAX_CONNECTING - 4);
        assert!(!preparing.by_client.contains_key("a"));
    }
}
