//! Live streams: the Worker checks the room and the caller in one round trip (an
//! unknown or expired room is 404 before any socket exists), then hands the upgrade to
//! the room's hub with what it found, and the hub owns the socket from then on.

use worker::{Request, Response};

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::room_hub::events::{ConnectQuery, Viewer};
use crate::service::rooms;

/// Opens the room's live stream for the caller (a member, or an observer), resuming
/// after `after` when given. `upgrade` is the client's WebSocket upgrade request.
pub async fn connect(
    app: &App,
    caller: Option<&KeyHash>,
    room_id: &str,
    after: Option<u64>,
    upgrade: &Request,
) -> ApiResult<Response> {
    let read = rooms::read(app, caller, room_id).await?;
    let viewer = if read.is_member {
        Viewer::Member
    } else {
        Viewer::Observer
    };
    let query = ConnectQuery::new(&read.room, viewer, read.caller_id, after);
    app.hubs().connect(upgrade, &query).await
}
