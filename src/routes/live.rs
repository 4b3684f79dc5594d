//! `GET /api/global/ws` and `GET /api/rooms/:id/ws`: WebSocket upgrades, handed to the
//! room's hub once the room and the caller are checked.

use worker::{Request, Response};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::http::{query, query_param};
use crate::service::live;
use crate::validate;

/// Upgrades to the room's live stream, resuming after `?after=<seq>` when given.
pub async fn connect(req: &mut Request, app: &App, room_id: &str) -> ApiResult<Response> {
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::UpgradeRequired);
    }
    let after = validate::seq("after", query_param(&query(req)?, "after"))?;
    let caller = app.caller(req)?;
    live::connect(app, caller.as_ref(), &app.reads(req), room_id, after, req).await
}
