//! A room's lifetime as its hub sees it: waking up after an eviction, the expiry alarm,
//! and the end.
//!
//! `Created` arms an alarm at the room's end. Each fresh instance re-checks the alarm
//! (and, lacking a stored expiry, asks Redis), so a room still ends on time after the
//! runtime restarted or an event was lost. The alarm sends `room_expired`, closes every
//! socket with 4001, purges the room from Redis and clears the object's storage.

use std::time::Duration;

use super::{frames, Memory, RoomHub};
use crate::error::ApiResult;
use crate::live::feed::DELIVERED;
use crate::live::protocol::CLOSE_EXPIRED;
use crate::model::GLOBAL_ROOM;
use crate::store::rooms;
use crate::time::now_ms;

/// Storage keys. `room_id` and `expires_at` exist for rooms that expire (the alarm needs
/// them; after a restart `State::id().name()` can be empty).
const ROOM_ID: &str = "room_id";
const EXPIRES_AT: &str = "expires_at";

/// How long until `at` (epoch ms), as the alarm API wants it: an offset, not a time.
fn until(at: i64) -> Duration {
    Duration::from_millis((at - now_ms()).max(0) as u64)
}

impl RoomHub {
    /// A new room: remember when it ends and arm the alarm.
    pub(super) async fn on_created(&self, room_id: &str, expires_at: i64) -> ApiResult<()> {
        let storage = self.state.storage();
        storage.put(ROOM_ID, room_id).await?;
        storage.put(EXPIRES_AT, expires_at).await?;
        storage.set_alarm(until(expires_at)).await?;
        let mut memory = self.memory.borrow_mut();
        memory.room_id = Some(room_id.to_string());
        memory.awake = true;
        Ok(())
    }

    /// Restores what a fresh instance needs (it may have been evicted, or the runtime
    /// restarted) and makes sure a room that expires has its alarm armed, so it still
    /// ends on time. Runs once per instance. Returns false once the room has ended.
    pub(super) async fn wake(&self, room_id: &str, private: bool) -> ApiResult<bool> {
        {
            let mut memory = self.memory.borrow_mut();
            memory.private = private;
            if memory.gone {
                return Ok(false);
            }
            if memory.awake {
                return Ok(true);
            }
        }
        let delivered: Option<u64> = self.state.storage().get(DELIVERED).await?;
        {
            let mut memory = self.memory.borrow_mut();
            memory.room_id = Some(room_id.to_string());
            memory.sequencer.restore(delivered);
        }
        self.restore_access().await?;
        if room_id != GLOBAL_ROOM {
            self.check_alarm(room_id).await?;
        }
        let mut memory = self.memory.borrow_mut();
        memory.awake = true;
        Ok(!memory.gone)
    }

    /// Re-arms a lost alarm. Without a stored expiry (the `Created` event never
    /// arrived), asks Redis; a room Redis no longer has has ended.
    async fn check_alarm(&self, room_id: &str) -> ApiResult<()> {
        let storage = self.state.storage();
        let expires_at = match storage.get::<i64>(EXPIRES_AT).await? {
            Some(at) => at,
            None => match rooms::expiry(&self.store()?, room_id).await {
                Ok(Some(at)) => {
                    storage.put(ROOM_ID, room_id).await?;
                    storage.put(EXPIRES_AT, at).await?;
                    at
                }
                Ok(None) => return self.end_room(room_id).await,
                Err(err) => {
                    // Redis still expires the room's keys by itself; try again on the
                    // next wake-up.
                    crate::log::hub_call_failed("read expiry", room_id, &err);
                    return Ok(());
                }
            },
        };
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(until(expires_at)).await?;
        }
        Ok(())
    }

    /// The alarm: end the room, unless its expiry moved (then re-arm).
    pub(super) async fn expire(&self) -> ApiResult<()> {
        let storage = self.state.storage();
        let stored: Option<String> = storage.get(ROOM_ID).await?;
        let Some(room_id) = stored else {
            return Ok(storage.delete_all().await?);
        };
        let expires_at: Option<i64> = storage.get(EXPIRES_AT).await?;
        if let Some(at) = expires_at.filter(|at| *at > now_ms()) {
            storage.set_alarm(until(at)).await?;
            return Ok(());
        }
        self.end_room(&room_id).await
    }

    /// Tells every socket, closes them, deletes the room from Redis, forgets it. (Also
    /// what an operator's "end this room now" does, once Redis says it has ended.)
    pub(super) async fn end_room(&self, room_id: &str) -> ApiResult<()> {
        self.memory.borrow_mut().gone = true;
        let frame = frames::room_expired(room_id);
        let sockets = self.sockets(None);
        for ws in &sockets {
            let _ = ws.send_with_str(&frame);
            let _ = ws.close_with_code_and_reason(CLOSE_EXPIRED, "room expired");
        }
        rooms::purge(&self.store()?, room_id).await?;
        crate::log::event(
            crate::log::Level::Info,
            "room_ended",
            serde_json::json!({ "room_id": room_id, "sockets_closed": sockets.len() }),
        );
        self.memory.borrow().position.stop();
        *self.memory.borrow_mut() = Memory {
            gone: true,
            awake: true,
            ..Memory::default()
        };
        self.state.storage().delete_all().await?;
        Ok(())
    }
}
