//! Rooms: creation (which arms the room's expiry alarm in its hub), the list, one room
//! with its members, and membership changes (which the hub announces live).

use serde::Serialize;

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::{Bot, BotRef, Room, GLOBAL_ROOM};
use crate::ratelimit::Rated;
use crate::room_hub::events::{HubEvent, MemberChange};
use crate::store::rooms::{self as stored, NewRoom, RoomRead};

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
pub async fn list(app: &App, visibility: Option<&str>) -> ApiResult<Vec<Room>> {
    let filter = validate::list_filter(visibility)?;
    stored::list(&app.store()?, filter).await
}

/// One room as the caller sees it (members only where the caller may see them).
pub async fn read(app: &App, caller: Option<&KeyHash>, room_id: &str) -> ApiResult<RoomRead> {
    check_id(room_id)?;
    stored::get(&app.store()?, caller, room_id).await
}

/// `GET /api/rooms/:id`.
pub async fn get(app: &App, caller: Option<&KeyHash>, room_id: &str) -> ApiResult<RoomView> {
    let read = read(app, caller, room_id).await?;
    Ok(RoomView {
        room: read.room,
        members: read.members,
    })
}

/// The global room, the most recently active bots, and how many bots exist.
pub async fn global_info(app: &App) -> ApiResult<GlobalInfo> {
    let (room, bots, bot_count) = stored::global_info(&app.store()?).await?;
    Ok(GlobalInfo {
        room,
        bots,
        bot_count,
    })
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
        announce(app, &outcome.room, bot, announced);
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
        );
    }
    Ok(Rated {
        value: Invited {
            room: invited.room,
            invited: invited.bot,
        },
        rate: outcome.rate,
    })
}

/// Tells the room's hub, after the response is sent, that `bot` joined or left.
fn announce(app: &App, room: &Room, bot: BotRef, change: MemberChange) {
    let event = HubEvent::Membership {
        room_id: room.id.clone(),
        private: room.is_private(),
        bot,
        change,
    };
    app.tell_hub_later(&room.id, vec![event]);
}
