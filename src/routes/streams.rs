//! `GET /api/global/ws`, `GET /api/rooms/:id/ws` and `GET /api/bots/me/ws`: WebSocket
//! upgrades, handed to a room's or the bot's inbox hub once the caller is checked.

use worker::{Request, Response};

use super::path::Path;
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::http::{client_address, query, query_param};
use crate::service::streams;
use crate::validate;

/// Checks that `req` asks for a WebSocket and reads its `?after=<seq>`. The rest of the
/// handshake (`Sec-WebSocket-Key`, version 13) is the runtime's: it completes or refuses
/// it itself (with a plain-text 400), and the Worker sees a request it made valid.
fn upgrade(req: &Request) -> ApiResult<Option<u64>> {
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::UpgradeRequired);
    }
    validate::seq("after", query_param(&query(req)?, "after"))
}

/// `GET /api/rooms/:id/ws` and `GET /api/global/ws`: the room's live stream, resuming
/// after `?after=<seq>` when given.
pub async fn room(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let after = upgrade(req)?;
    let caller = app.caller(req)?;
    let reads = app.reads(req);
    streams::connect(app, caller.as_ref(), &reads, path.room_id(), after, req).await
}

/// `GET /api/bots/me/ws`: the caller's live inbox, resuming after `?after=<seq>` when
/// given.
pub async fn inbox(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let after = upgrade(req)?;
    let caller = app.require_caller(req)?;
    streams::connect_inbox(app, &caller, &client_address(req), after, req).await
}
