//! Connecting: `ready`, then the backlog of a resuming socket, then live frames — with
//! no gap and no duplicate where the backlog meets the live stream.
//!
//! A connecting socket is accepted only once its backlog (what it missed, up to what
//! the hub has delivered live) has been read. The last checks (`access::final_check`)
//! and the accept happen with no `.await` in between, so no live message, revocation or
//! removal can slip between them, and live delivery never has to know which sockets
//! are new.
//!
//! A backlog is bounded: at most `STREAM_REPLAY_LIMIT` messages and
//! `live::backlog::REPLAY_BYTES`, the newest ones, read [`REPLAY_PAGE`] at a time. When
//! older messages are left out, a `gap` frame before the backlog says which, and the
//! client pages them over REST.

use worker::{Request, Response, WebSocketPair};

use super::delivery::LOG_PAGE;
use super::events::{ConnectQuery, Viewer};
use super::sockets::tags;
use super::{frames, RoomHub};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::live::backlog::Backlog;
use crate::live::client::connect_query;
use crate::live::sequencer;
use crate::live::sockets::Attachment;
use crate::model::Position;

/// Messages per Redis read while replaying.
const REPLAY_PAGE: u64 = 100;

impl RoomHub {
    /// Accepts a WebSocket the Worker has authorised.
    pub(super) async fn open_socket(&self, req: &Request) -> ApiResult<Response> {
        let query: ConnectQuery = connect_query(req)?;
        let gone = || ApiError::room_not_found(&query.room_id);
        if !self.wake(&query.room_id, query.private).await? {
            return Err(gone());
        }
        let alone = !self.has_listeners();
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
        pair.server
            .serialize_attachment(Attachment::new(frames::post_hint(&query.room_id)))?;
        pair.server.send_with_str(&query.ready)?;
        if let Some((after, before)) = backlog.gap {
            pair.server
                .send_with_str(frames::gap(&query.room_id, after, before))?;
        }
        for (_, frame) in &backlog.frames {
            pair.server.send_with_str(frame)?;
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    /// With nobody listening, live delivery restarts from a connecting client's view of
    /// Redis (`last_seq`). Seqs the hub handled since the Worker read it count only if
    /// Redis has them: a hub must never trust a memory of seqs Redis has lost.
    async fn restart_delivery(&self, room_id: &str, last_seq: u64) -> ApiResult<()> {
        let remembered = self.memory.borrow().sequencer.delivered().unwrap_or(0);
        let mut delivered = last_seq;
        if remembered > last_seq {
            let limit = (remembered - last_seq).min(LOG_PAGE);
            let page = self.read_log(room_id, last_seq, limit).await?;
            let stored = page.iter().filter_map(|m| Position::of(m)).map(|p| p.seq);
            delivered = sequencer::restart_point(last_seq, remembered, stored);
            // Handled (for nobody) during the read: real, and in Redis too.
            let now = self.memory.borrow().sequencer.delivered().unwrap_or(0);
            if now > remembered {
                delivered = delivered.max(now);
            }
        }
        self.memory.borrow_mut().sequencer.restart_at(delivered);
        self.persist_delivered().await
    }

    /// Brings live delivery up to what the Worker saw in Redis, then reads what this
    /// client missed: messages after `?after=` (or after `ready`'s `last_seq`) up to
    /// what the hub has delivered live, at most the newest `STREAM_REPLAY_LIMIT`.
    /// Private rooms replay only to members.
    async fn backlog(&self, query: &ConnectQuery, alone: bool) -> ApiResult<Backlog> {
        if alone {
            self.restart_delivery(&query.room_id, query.last_seq)
                .await?;
        } else {
            self.memory
                .borrow_mut()
                .sequencer
                .restore(Some(query.last_seq));
            self.fill_to(query.last_seq).await?;
        }
        let requested = query.after.unwrap_or(query.last_seq).min(query.last_seq);
        let mut backlog = Backlog::new(requested);
        if query.private && query.viewer != Viewer::Member {
            return Ok(backlog);
        }
        let delivered = || self.memory.borrow().sequencer.delivered().unwrap_or(0);
        let limit = Config::from_env(&self.env)?.stream_replay_limit;
        let mut after = requested;
        if delivered() > after + limit {
            after = delivered() - limit;
            backlog.starts_at(after + 1);
        }
        while after < delivered() {
            let page = self
                .read_log(
                    &query.room_id,
                    after,
                    (delivered() - after).min(REPLAY_PAGE),
                )
                .await?;
            let (start, upto) = (after, delivered());
            for message in &page {
                match Position::of(message) {
                    Some(position) if position.seq > after && position.seq <= upto => {
                        backlog.push(position.seq, frames::message(message));
                        after = position.seq;
                    }
                    _ => break,
                }
            }
            if after == start {
                // Redis has nothing more (the room is being purged): stop here.
                break;
            }
        }
        Ok(backlog)
    }
}
