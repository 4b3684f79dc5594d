//! Connecting: `ready`, then the backlog of a resuming socket, then live frames — with
//! no gap and no duplicate where the backlog meets the live stream.
//!
//! A connecting socket is accepted only once its backlog (what it missed, up to what
//! the hub has delivered live: `live::feed::replay`) has been read. The last checks
//! (`access::final_check`) and the accept happen with no `.await` in between, so no
//! live message, revocation or removal can slip between them, and live delivery never
//! has to know which sockets are new.
//!
//! A backlog is bounded: at most `STREAM_REPLAY_LIMIT` messages and
//! `live::backlog::REPLAY_BYTES`, the newest ones. When older messages are left out, a
//! `gap` frame before the backlog says which, and the client pages them over REST.

use worker::{Response, WebSocketPair};

use super::sockets::tags;
use super::{frames, RoomHub};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::live::backlog::Backlog;
use crate::live::feed;
use crate::live::protocol::{ObserverConnect, RoomConnect, Viewer};
use crate::live::sockets::Attachment;

impl RoomHub {
    /// An anonymous observer's connection as if the Worker had checked it, when the hub
    /// can vouch for what that check would find: it is live (sockets open, so delivery
    /// is current and the room has not ended), and the room, as the last checked
    /// connection found it, is public. `None` sends the Worker to Redis.
    pub(super) fn observer_query(&self, observer: ObserverConnect) -> Option<RoomConnect> {
        let memory = self.memory.borrow();
        let room = memory.room.as_ref()?;
        let live = memory.awake && !memory.gone && !self.sockets(None).is_empty();
        if !live || room.is_private() || room.id != observer.room_id {
            return None;
        }
        let mut room = room.clone();
        room.message_count = memory.sequencer.delivered()?.max(room.message_count);
        Some(RoomConnect {
            room,
            mver: memory.known_mver.unwrap_or(0),
            viewer: Viewer::Observer,
            bot: None,
            client: observer.client,
            checked_at: observer.checked_at,
            after: observer.after,
        })
    }

    /// Accepts a WebSocket the Worker has authorised.
    pub(super) async fn open_socket(&self, query: RoomConnect) -> ApiResult<Response> {
        let room_id = query.room.id.as_str();
        // The Worker found the room live a moment ago: it ended since, about now.
        let gone = || ApiError::room_expired(room_id, crate::time::now_ms());
        if !self.wake(room_id, query.private()).await? {
            return Err(gone());
        }
        let alone = !feed::Feed::has_listeners(self);
        let mut admission = self.admit(&query)?;
        self.confirm_member(&query, &mut admission).await?;
        let backlog = self.backlog(&query, alone).await?;
        if self.memory.borrow().gone {
            return Err(gone());
        }
        // No `.await` from here on: the backlog ends exactly where live delivery stands.
        self.final_check(&query, &admission)?;
        let pair = WebSocketPair::new()?;
        self.state
            .as_raw()
            .accept_websocket_with_tags(pair.server.as_ref(), tags(&query))
            .map_err(|err| ApiError::Internal(format!("accept: {err:?}")))?;
        let key_hash = query
            .bot
            .as_ref()
            .map(|bot| bot.key_hash.clone())
            .filter(|hash| !hash.is_empty());
        let attachment = Attachment::new(frames::post_hint(room_id)).with_key(key_hash);
        pair.server.serialize_attachment(attachment)?;
        pair.server
            .send_with_str(frames::ready(&query.room, query.last_seq(), query.viewer))?;
        if let Some((after, before)) = backlog.gap {
            pair.server
                .send_with_str(frames::gap(room_id, after, before))?;
        }
        for (_, frame) in &backlog.frames {
            pair.server.send_with_str(frame)?;
        }
        self.presence_changed();
        Ok(Response::from_websocket(pair.client)?)
    }

    /// Brings live delivery up to what the Worker saw in Redis, then reads what this
    /// client missed: messages after `?after=` (or after `ready`'s `last_seq`) up to
    /// what the hub has delivered live, at most the newest `STREAM_REPLAY_LIMIT`.
    /// Private rooms replay only to members.
    async fn backlog(&self, query: &RoomConnect, alone: bool) -> ApiResult<Backlog> {
        feed::catch_up(self, query.last_seq(), alone).await?;
        let requested = query
            .after
            .unwrap_or(query.last_seq())
            .min(query.last_seq());
        if query.private() && query.viewer != Viewer::Member {
            return Ok(Backlog::new(requested));
        }
        let limit = Config::from_env(&self.env)?.stream_replay_limit;
        feed::replay(self, requested, Some(limit)).await
    }
}
