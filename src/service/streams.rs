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
use crate::live::protocol::{
    Caller, InboxConnect, InboxEvent, ObserverConnect, RoomConnect, RoomEvent, RoomUpgrade, Viewer,
    CHECK_IT_YOURSELF,
};
use crate::ratelimit::ClientLimit;
use crate::store::bots::KeyStreams;
use crate::store::{inbox, rooms};
use crate::time::now_ms;
use crate::validate::check_id;

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
    let hubs = app.hubs();
    if caller.is_none() {
        // The room's hub can usually admit an anonymous observer from what it knows,
        // with no Redis round trip (a crowd arriving at once); when it cannot, it says so.
        let observer = RoomUpgrade::Observer(ObserverConnect {
            room_id: room_id.to_string(),
            client: reads.client.clone(),
            after,
            checked_at: now_ms(),
        });
        let answer = hubs.connect(room_id, upgrade, &observer).await?;
        if answer.status_code() != CHECK_IT_YOURSELF {
            return Ok(answer);
        }
    }
    let access = rooms::open_stream(&app.store()?, caller, room_id, reads).await?;
    let viewer = if access.is_member {
        Viewer::Member
    } else {
        Viewer::Observer
    };
    let bot = access.bot.zip(caller).map(|(bot, key)| Caller {
        bot_id: bot.id,
        name: bot.name,
        key_hash: key.as_str().to_string(),
        key: key.fingerprint(),
    });
    let query = RoomConnect {
        room: access.room,
        mver: access.mver,
        viewer,
        bot,
        client: reads.client.clone(),
        checked_at: now_ms(),
        after,
    };
    hubs.connect(room_id, upgrade, &RoomUpgrade::Checked(Box::new(query)))
        .await
}

/// Opens the caller's live inbox, resuming after `after` when given.
pub async fn connect_inbox(
    app: &App,
    caller: &KeyHash,
    client: &str,
    after: Option<u64>,
    upgrade: &Request,
) -> ApiResult<Response> {
    let (bot, last_seq) = inbox::open(&app.store()?, caller).await?;
    let query = InboxConnect {
        key: caller.fingerprint(),
        client: client.to_string(),
        last_seq,
        after,
        checked_at: now_ms(),
        bot,
    };
    app.inboxes().connect(&query.bot.id, upgrade, &query).await
}

/// Closes every socket opened with a key that stopped working: tells the hub of each
/// room the bot streamed and the bot's inbox hub, all at once, and waits for them. A hub
/// that cannot be reached is logged; once told, hubs also refuse connections checked
/// with the key (see `live::revocations`).
pub async fn close_key_streams(app: &App, key: &KeyStreams) {
    tell_key_hubs(app, key, KeyChange::Revoked).await;
}

/// Lets a key that works again (its bot unbanned) open streams at once: the hubs that
/// refuse it forget its revocation.
pub async fn reopen_key_streams(app: &App, key: &KeyStreams) {
    tell_key_hubs(app, key, KeyChange::Restored).await;
}

#[derive(Clone, Copy)]
enum KeyChange {
    Revoked,
    Restored,
}

/// Tells every hub that may hold (or refuse) the key's sockets, all at once.
async fn tell_key_hubs(app: &App, key: &KeyStreams, change: KeyChange) {
    let fingerprint = key.key_fingerprint.clone();
    let (rooms, inboxes) = (app.hubs(), app.inboxes());
    let (room_event, inbox_event, what) = match change {
        KeyChange::Revoked => (
            RoomEvent::KeyRevoked {
                fingerprint: fingerprint.clone(),
            },
            InboxEvent::KeyRevoked { fingerprint },
            "close revoked streams",
        ),
        KeyChange::Restored => (
            RoomEvent::KeyRestored {
                fingerprint: fingerprint.clone(),
            },
            InboxEvent::KeyRestored { fingerprint },
            "restore a key",
        ),
    };
    let in_rooms = key.streams.iter().map(|room_id| {
        let (rooms, event) = (&rooms, &room_event);
        async move {
            if let Err(err) = rooms.send(room_id, event).await {
                crate::log::hub_call_failed(what, room_id, &err);
            }
        }
    });
    let in_inbox = async {
        if let Err(err) = inboxes.send(&key.bot_id, &inbox_event).await {
            crate::log::hub_call_failed(what, &key.bot_id, &err);
        }
    };
    futures_util::join!(join_all(in_rooms), in_inbox);
}
