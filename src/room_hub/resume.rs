//! Connecting: `ready`, then the backlog of a resuming socket, then live frames — with
//! no gap and no duplicate where the backlog meets the live stream.
//!
//! A connecting socket is accepted only once its backlog (what it missed, up to what
//! the hub has delivered live) has been read. The check "backlog reaches `delivered`"
//! and the accept happen with no `.await` in between, so no live message can slip
//! between the two, and live delivery never has to know which sockets are new.

use worker::{Request, Response, WebSocketPair};

use super::events::{ConnectQuery, Viewer};
use super::sockets::tags;
use super::{frames, RoomHub};
use crate::error::{ApiError, ApiResult};
use crate::model::Position;

use super::delivery::LOG_PAGE;

impl RoomHub {
    /// Accepts a WebSocket the Worker has authorised.
    pub(super) async fn open_socket(&self, req: &Request) -> ApiResult<Response> {
        let query = ConnectQuery::from_request(req)?;
        let gone = || ApiError::room_not_found(&query.room_id);
        if !self.wake(&query.room_id, query.private).await? {
            return Err(gone());
        }
        let alone = !self.has_listeners();
        self.memory.borrow_mut().connecting += 1;
        let backlog = self.backlog(&query, alone).await;
        self.memory.borrow_mut().connecting -= 1;
        let backlog = backlog?;
        if self.memory.borrow().gone {
            return Err(gone());
        }
        // No `.await` from here on: the backlog ends exactly where live delivery stands.
        let pair = WebSocketPair::new()?;
        self.state
            .as_raw()
            .accept_websocket_with_tags(
                pair.server.as_ref(),
                tags(query.viewer, query.bot.as_deref()),
            )
            .map_err(|err| ApiError::Internal(format!("accept: {err:?}")))?;
        pair.server.send_with_str(&query.ready)?;
        for frame in &backlog {
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
            for position in page.iter().filter_map(|m| Position::of(m)) {
                if position.seq <= remembered {
                    delivered = delivered.max(position.seq);
                }
            }
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
    /// what the hub has delivered live. Private rooms replay only to members.
    async fn backlog(&self, query: &ConnectQuery, alone: bool) -> ApiResult<Vec<String>> {
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
        let mut backlog = Vec::new();
        if query.private && query.viewer != Viewer::Member {
            return Ok(backlog);
        }
        let delivered = || self.memory.borrow().sequencer.delivered().unwrap_or(0);
        let mut after = query.after.unwrap_or(query.last_seq).min(query.last_seq);
        while after < delivered() {
            let page = self
                .read_log(&query.room_id, after, (delivered() - after).min(LOG_PAGE))
                .await?;
            let (start, upto) = (after, delivered());
            for message in &page {
                match Position::of(message) {
                    Some(position) if position.seq > after && position.seq <= upto => {
                        backlog.push(frames::message(message));
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

impl ConnectQuery {
    /// The query the Worker encoded into the hub's connect URL (see `RoomHubs::connect`).
    fn from_request(req: &Request) -> ApiResult<Self> {
        let url = req.url()?;
        let json = url
            .query_pairs()
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ApiError::Internal("hub connect without q".into()))?;
        serde_json::from_str(&json).map_err(|e| ApiError::Internal(format!("hub connect: {e}")))
    }
}
