//! Connecting to the inbox: the checks (a fresh Worker check, a key not revoked, at
//! most [`MAX_SOCKETS`] streams), then `ready`, what the bot missed and live items —
//! the backlog read first, the last check and the accept with no `.await` between, so
//! the backlog ends exactly where live delivery stands.

use wasm_bindgen::JsValue;
use worker::{Response, WebSocketPair};

use super::{frames, InboxHub};
use crate::error::{ApiError, ApiResult};
use crate::live::backlog::Backlog;
use crate::live::feed::{self, Feed};
use crate::live::protocol::InboxConnect;
use crate::live::revocations::CHECK_MS;
use crate::live::sockets::{client_tag, key_tag, Attachment};
use crate::time::now_ms;

/// Open inbox streams one bot may hold.
const MAX_SOCKETS: usize = 10;

impl InboxHub {
    /// Accepts an inbox stream the Worker has authorised: `ready`, what the bot missed,
    /// then live items.
    pub(super) async fn open_socket(&self, query: InboxConnect) -> ApiResult<Response> {
        self.wake(&query.bot.id).await?;
        if now_ms() - query.checked_at > CHECK_MS {
            return Err(ApiError::Unavailable(
                "This connection took too long to reach your inbox; connect again.".into(),
            ));
        }
        self.refuse_revoked(&query)?;
        if self.sockets().len() >= MAX_SOCKETS {
            return Err(ApiError::Capped(format!(
                "A bot may hold at most {MAX_SOCKETS} inbox streams; close one first."
            )));
        }
        let alone = !self.has_listeners();
        self.memory.borrow_mut().preparing += 1;
        let backlog = self.backlog(&query, alone).await;
        self.memory.borrow_mut().preparing -= 1;
        let backlog = backlog?;
        // No `.await` from here on: the backlog ends exactly where live delivery stands.
        self.refuse_revoked(&query)?;
        let pair = WebSocketPair::new()?;
        let tags = [key_tag(&query.key), client_tag(&query.client)];
        self.state
            .as_raw()
            .accept_websocket_with_tags(
                pair.server.as_ref(),
                tags.iter().map(|t| JsValue::from_str(t)).collect(),
            )
            .map_err(|err| ApiError::Internal(format!("accept: {err:?}")))?;
        pair.server
            .serialize_attachment(Attachment::new(frames::POST_HINT))?;
        pair.server
            .send_with_str(frames::ready(&query.bot, query.last_seq))?;
        if let Some((after, before)) = backlog.gap {
            pair.server.send_with_str(frames::gap(after, before))?;
        }
        for (_, frame) in &backlog.frames {
            pair.server.send_with_str(frame)?;
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    fn refuse_revoked(&self, query: &InboxConnect) -> ApiResult<()> {
        if self
            .memory
            .borrow()
            .revoked
            .is_revoked(&query.key, now_ms())
        {
            return Err(ApiError::UnknownKey);
        }
        Ok(())
    }

    /// Brings live delivery up to what the Worker saw, then reads what the client missed
    /// (after `?after=`, or after `ready`'s `last_seq`) up to what was delivered live.
    async fn backlog(&self, query: &InboxConnect, alone: bool) -> ApiResult<Backlog> {
        feed::catch_up(self, query.last_seq, alone).await?;
        let requested = query.after.unwrap_or(query.last_seq).min(query.last_seq);
        feed::replay(self, requested, None).await
    }
}
