//! Rooms: creation (which arms the room's expiry alarm in its hub), the list, one room
//! with its members, and membership changes (which the hub announces live).

use serde::Serialize;

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::{Bot, BotRef, Room, GLOBAL_ROOM};
use crate::ratelimit::{ClientLimit, Rated};
use crate::room_hub::events::{HubEvent, MemberChange};
use crate::store::rooms::{self as stored, NewRoom};

pub use crate::store::rooms::Membership;
use crate::validate;

/// What a bot asks for when it creates a room (raw, validated here).
pub struct RoomRequest<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub visibility: Option<&'a str>,
    pub ttl_seconds: Option<i64>,
    pub invite: Option<Vec<String>>,
}

/// `GET /api/rooms/:id`: a room and, where the caller may see them, its members.
#[derive(Debug, Serialize)]
pub struct RoomView {
    pub room: Room,
    pub members: Option<Vec<BotRef>>,
}

/// `GET /api/global/info`.
#[derive(Debug, Serialize)]
pub struct GlobalInfo {
    pub room: Room,
    pub bots: Vec<Bot>,
    pub bot_count: u64,
}

/// `POST /api/rooms/:id/invite`.
#[derive(Debug, Serialize)]
pub struct Invited {
    pub room: Room,
    pub invited: BotRef,
}

/// Room ids that cannot exist are not found, without a round trip.
pub fn check_id(room_id: &str) -> ApiResult<()> {
    if ids::is_room_id(room_id) {
        Ok(())
    } else {
        Err(ApiError::room_not_found(room_id))
    }
}

fn not_global(room_id: &str, what: &str) -> ApiResult<()> {
    if room_id == GLOBAL_ROOM {
        return Err(ApiError::Forbidden(format!(
            "The global room cannot be {what}."
        )));
    }
    check_id(room_id)
}

/// Creates a room owned by the caller, with the invited bots as members.
pub async fn create(
    app: &App,
    caller: &KeyHash,
    request: RoomRequest<'_>,
) -> ApiResult<Rated<Room>> {
    let config = &app.config;
    let name = validate::room_name(request.name)?;
    let description = validate::room_description(request.description.unwrap_or(""))?;
    let new = NewRoom {
        id: &ids::room_id()?,
        name: &name,
        description: &description,
        visibility: validate::visibility(request.visibility)?,
        ttl_seconds: validate::ttl(
            request.ttl_seconds,
            config.room_ttl_default,
            config.room_ttl_min,
            config.room_ttl_max,
        )?,
        max_owned: config.max_rooms_per_bot,
        limit: config.rate_rooms,
        invite: &validate::invite_list(request.invite.unwrap_or_default())?,
    };
    let created = stored::create(&app.store()?, caller, &new).await?;
    let room = &created.value;
    let armed = HubEvent::Created {
        room_id: room.id.clone(),
        expires_at_ms: room.expires_at_ms.unwrap_or_default(),
    };
    // Awaited: the room's alarm must be armed before anyone relies on the room. Should
    // the hub be unreachable, Redis still expires every key of the room on time.
    if let Err(err) = app.hubs().send(&room.id, &armed).await {
        worker::console_error!("arming the alarm of {} failed: {err:?}", room.id);
    }
    Ok(created)
}

/// Live rooms, newest activity first.
pub async fn list(
    app: &App,
    reads: &ClientLimit,
    visibility: Option<&str>,
) -> ApiResult<Rated<Vec<Room>>> {
    let filter = validate::list_filter(visibility)?;
    stored::list(&app.store()?, filter, reads).await
}

/// One room; its newest members where the caller may see them.
pub async fn get(
    app: &App,
    caller: Option<&KeyHash>,
    reads: &ClientLimit,
    room_id: &str,
) -> ApiResult<Rated<RoomView>> {
    check_id(room_id)?;
    let read = stored::get(&app.store()?, caller, room_id, reads).await?;
    Ok(read.map(|(room, members)| RoomView { room, members }))
}

/// The global room, the most recently active bots, and how many bots exist.
pub async fn global_info(app: &App, reads: &ClientLimit) -> ApiResult<Rated<GlobalInfo>> {
    let info = stored::global_info(&app.store()?, reads).await?;
    Ok(info.map(|(room, bots, bot_count)| GlobalInfo {
        room,
        bots,
        bot_count,
    }))
}

/// Joins a public room, or leaves a room; the room's hub announces a change.
pub async fn change_membership(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    change: Membership,
) -> ApiResult<Room> {
    let (done, announced) = match change {
        Membership::Join => ("joined", MemberChange::Joined),
        Membership::Leave => ("left", MemberChange::Left),
    };
    not_global(room_id, done)?;
    let outcome = stored::change_membership(&app.store()?, caller, room_id, change).await?;
    if let Some(bot) = outcome.changed {
        announce(app, &outcome.room, bot, announced, outcome.mver).await;
    }
    Ok(outcome.room)
}

/// A member adds the bot called `name`.
pub async fn invite(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    name: &str,
) -> ApiResult<Rated<Invited>> {
    not_global(room_id, "invited to")?;
    let name = validate::bot_name("bot", name)?;
    let outcome = stored::invite(
        &app.store()?,
        caller,
        room_id,
        &name,
        app.config.rate_invites,
    )
    .await?;
    let invited = outcome.value;
    if invited.added {
        announce(
            app,
            &invited.room,
            invited.bot.clone(),
            MemberChange::Joined,
            invited.mver,
        )
        .await;
    }
    Ok(Rated {
        value: Invited {
            room: invited.room,
            invited: invited.bot,
        },
        rate: outcome.rate,
    })
}

/// Tells the room's hub that `bot` joined or left. A bot leaving a private room loses
/// its sockets there, so that is awaited: once the answer is sent, nothing more of the
/// room reaches it (and should this call fail, the hub notices the removal by the
/// membership version of the next event). Anything else goes after the answer.
async fn announce(app: &App, room: &Room, bot: BotRef, change: MemberChange, mver: u64) {
    let event = HubEvent::Membership {
        room_id: room.id.clone(),
        private: room.is_private(),
        bot,
        change,
        mver,
    };
    if room.is_private() && change == MemberChange::Left {
        if let Err(err) = app.hubs().send(&room.id, &event).await {
            worker::console_error!("closing a leaver's streams in {} failed: {err:?}", room.id);
        }
    } else {
        app.tell_hub_later(&room.id, vec![event]);
    }
}
