//! Live streams: the Worker checks the room and the caller in one round trip (an
//! unknown or expired room is 404 before any socket exists), then hands the upgrade to
//! the room's hub with what it found, and the hub owns the socket from then on. And the
//! other end of a socket's life: when a key stops working, every socket opened with it
//! is closed, in every room, before the answer that stopped it is sent.

use futures_util::future::join_all;
use worker::{Request, Response};

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::ratelimit::ClientLimit;
use crate::room_hub::events::{Caller, Checked, ConnectQuery, HubEvent, Viewer};
use crate::service::rooms::check_id;
use crate::store::bots::Revoked;
use crate::store::rooms;
use crate::time::now_ms;

/// Opens the room's live stream for the caller (a member, or an observer), resuming
/// after `after` when given. `upgrade` is the client's WebSocket upgrade request.
pub async fn connect(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    room_id: &str,
    after: Option<u64>,
    upgrade: &Request,
) -> ApiResult<Response> {
    check_id(room_id)?;
    let access = rooms::open_stream(&app.store()?, caller, room_id, reads).await?;
    let viewer = if access.is_member {
        Viewer::Member
    } else {
        Viewer::Observer
    };
    let bot = access.bot_id.zip(caller).map(|(bot_id, key)| Caller {
        bot_id,
        key: key.fingerprint(),
    });
    let checked = Checked {
        room: access.room,
        mver: access.mver,
        viewer,
        bot,
        client: reads.client.clone(),
        checked_at: now_ms(),
    };
    app.hubs()
        .connect(upgrade, &ConnectQuery::new(checked, after))
        .await
}

/// Closes every socket opened with the key fingerprinted `fingerprint`: tells the hub
/// of each room the bot streamed, all at once, and waits for them. A hub that cannot
/// be reached is logged; it also refuses the key on its own once told (see `resume`).
pub async fn close_key_streams(app: &App, revoked: &Revoked, fingerprint: &str) {
    let hubs = app.hubs();
    let event = HubEvent::KeyRevoked {
        fingerprint: fingerprint.to_string(),
    };
    let sends = revoked.streams.iter().map(|room_id| {
        let (hubs, event) = (&hubs, &event);
        async move {
            if let Err(err) = hubs.send(room_id, event).await {
                worker::console_error!(
                    "closing streams of a revoked key in {room_id} failed: {err:?}"
                );
            }
        }
    });
    join_all(sends).await;
}
