//! `GET /api/global/ws` and `GET /api/rooms/:id/ws`: the Worker checks the room and the
//! caller (one round trip; an unknown or expired room is 404 before any socket exists),
//! then hands the upgrade to the room's hub, which owns the socket from then on.

use worker::{Request, Response};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::http::{query, query_param};
use crate::room_hub::events::{self, Viewer};
use crate::room_hub::ConnectQuery;
use crate::service::rooms;

/// Upgrades to the room's live stream, resuming after `?after=<seq>` when given.
pub async fn connect(req: &mut Request, app: &App, room_id: &str) -> ApiResult<Response> {
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::UpgradeRequired);
    }
    let after = query_param(&query(req)?, "after")
        .map(|a| {
            a.parse::<u64>()
                .map_err(|_| ApiError::invalid("after", "must be a non-negative integer seq"))
        })
        .transpose()?;
    let caller = app.caller(req)?;
    let view = rooms::get(app, caller.as_ref(), room_id).await?;
    let viewer = if view.is_member {
        Viewer::Member
    } else {
        Viewer::Observer
    };
    let last_seq = view.room.last_seq();
    let hub_query = ConnectQuery {
        room_id: view.room.id.clone(),
        private: view.room.is_private(),
        last_seq,
        viewer,
        bot: view.caller_id,
        after,
        ready: events::ready(&view.room, last_seq, viewer),
    };
    app.hubs().connect(req, &hub_query).await
}
