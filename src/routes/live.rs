//! `GET /api/global/ws`, `GET /api/rooms/:id/ws` and `GET /api/bots/me/ws`: WebSocket
//! upgrades, handed to a room's or the bot's inbox hub once the caller is checked.

use worker::{Request, Response};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::http::{client_address, query, query_param};
use crate::service::live;
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

/// Upgrades to the room's live stream, resuming after `?after=<seq>` when given.
pub async fn connect(req: &mut Request, app: &App, room_id: &str) -> ApiResult<Response> {
    let after = upgrade(req)?;
    let caller = app.caller(req)?;
    live::connect(app, caller.as_ref(), &app.reads(req), room_id, after, req).await
}

/// Upgrades to the caller's live inbox, resuming after `?after=<seq>` when given.
pub async fn connect_inbox(req: &mut Request, app: &App) -> ApiResult<Response> {
    let after = upgrade(req)?;
    let caller = app.require_caller(req)?;
    live::connect_inbox(app, &caller, &client_address(req), after, req).await
}
