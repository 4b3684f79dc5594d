//! Rooms: creation (which arms the room's expiry alarm in its hub), the list, one room
//! with its members, and membership changes (which the hub announces live).

use serde::Serialize;

use super::Rated;
use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::{Bot, BotRef, Room, GLOBAL_ROOM};
use crate::room_hub::events::HubEvent;
use crate::store::upstash::Reply;
use crate::store::{records, scripts};
use crate::validate;

/// What a bot asks for when it creates a room (raw, validated here).
pub struct NewRoom<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub visibility: Option<&'a str>,
    pub ttl_seconds: Option<i64>,
    pub invite: Option<Vec<String>>,
}

/// A room and, where the caller may see them, its members.
#[derive(Debug, Serialize)]
pub struct RoomView {
    pub room: Room,
    pub members: Option<Vec<BotRef>>,
    /// Whether the caller is a member (drives the stream's `viewer`).
    #[serde(skip)]
    pub is_member: bool,
    /// The caller's bot id, when a key was given.
    #[serde(skip)]
    pub caller_id: Option<String>,
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
        Err(ApiError::NotFound(format!(
            "No live room has the id {room_id}."
        )))
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
pub async fn create(app: &App, caller: &KeyHash, new: NewRoom<'_>) -> ApiResult<Rated<Room>> {
    let config = &app.config;
    let name = validate::room_name(new.name)?;
    let description = validate::room_description(new.description.unwrap_or(""))?;
    let visibility = validate::visibility(new.visibility)?;
    let ttl = validate::ttl(
        new.ttl_seconds,
        config.room_ttl_default,
        config.room_ttl_min,
        config.room_ttl_max,
    )?;
    let invite = validate::invite_list(new.invite.unwrap_or_default())?;
    let [rate_limit, rate_window] = config.rate_rooms.script_args();
    let mut args = vec![
        ids::room_id()?,
        name,
        description,
        visibility.as_str().to_string(),
        ttl.to_string(),
        config.max_rooms_per_bot.to_string(),
        rate_limit,
        rate_window,
    ];
    args.extend(invite);
    let ([room], rate) = app
        .store()?
        .run(&scripts::ROOM_CREATE, Some(caller), args)
        .await?
        .split()?;
    let room = records::room(room)?;
    let created = HubEvent::Created {
        room_id: room.id.clone(),
        expires_at_ms: room.expires_at_ms.unwrap_or_default(),
    };
    // Awaited: the room's alarm must be armed before anyone relies on the room. Should
    // the hub be unreachable, Redis still expires every key of the room on time.
    if let Err(err) = app.hubs().send(&room.id, &created).await {
        worker::console_error!("arming the alarm of {} failed: {err:?}", room.id);
    }
    Ok(Rated { value: room, rate })
}

/// Live rooms, newest activity first.
pub async fn list(app: &App, visibility: Option<&str>) -> ApiResult<Vec<Room>> {
    let filter = validate::list_filter(visibility)?;
    let [rooms] = app
        .store()?
        .run(&scripts::ROOM_LIST, None, [filter.to_string()])
        .await?
        .fields()?;
    Ok(records::rooms(rooms)?)
}

/// One room; members only where the caller may see them.
pub async fn get(app: &App, caller: Option<&KeyHash>, room_id: &str) -> ApiResult<RoomView> {
    check_id(room_id)?;
    let [room, members, is_member, caller_id] = app
        .store()?
        .run(&scripts::ROOM_GET, caller, [room_id.to_string()])
        .await?
        .fields()?;
    Ok(RoomView {
        room: records::room(room)?,
        members: records::opt_bot_refs(members)?,
        is_member: is_member.as_int()? == 1,
        caller_id: Some(caller_id.into_string()?).filter(|id| !id.is_empty()),
    })
}

/// The global room, the most recently active bots, and how many bots exist.
pub async fn global_info(app: &App) -> ApiResult<GlobalInfo> {
    let [room, bots, count] = app
        .store()?
        .run(&scripts::GLOBAL_INFO, None, [])
        .await?
        .fields()?;
    Ok(GlobalInfo {
        room: records::room(room)?,
        bots: records::bots(bots)?,
        bot_count: count.as_int()?.max(0) as u64,
    })
}

/// Which way a bot's membership changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Join,
    Leave,
}

/// Joins a public room, or leaves a room; the room's hub announces a change.
pub async fn change_membership(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    change: Membership,
) -> ApiResult<Room> {
    let (action, done) = match change {
        Membership::Join => ("join", "joined"),
        Membership::Leave => ("leave", "left"),
    };
    not_global(room_id, done)?;
    let [room, changed, bot] = app
        .store()?
        .run(
            &scripts::ROOM_MEMBERSHIP,
            Some(caller),
            [room_id.to_string(), action.to_string()],
        )
        .await?
        .fields()?;
    announce(
        app,
        room,
        changed,
        bot,
        |room_id, private, bot| match change {
            Membership::Join => HubEvent::MemberJoined {
                room_id,
                private,
                bot,
            },
            Membership::Leave => HubEvent::MemberLeft {
                room_id,
                private,
                bot,
            },
        },
    )
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
    let [rate_limit, rate_window] = app.config.rate_invites.script_args();
    let ([room, invited, added], rate) = app
        .store()?
        .run(
            &scripts::ROOM_INVITE,
            Some(caller),
            [room_id.to_string(), name, rate_limit, rate_window],
        )
        .await?
        .split()?;
    let invited_ref = records::bot_ref(invited.clone())?;
    let room = announce(app, room, added, invited, |room_id, private, bot| {
        HubEvent::MemberJoined {
            room_id,
            private,
            bot,
        }
    })?;
    Ok(Rated {
        value: Invited {
            room,
            invited: invited_ref,
        },
        rate,
    })
}

/// Decodes a membership answer and, when membership changed, tells the room's hub
/// after the response is sent.
fn announce(
    app: &App,
    room: Reply,
    changed: Reply,
    bot: Reply,
    event: impl FnOnce(String, bool, BotRef) -> HubEvent,
) -> ApiResult<Room> {
    let room = records::room(room)?;
    if changed.as_int()? == 1 {
        let event = event(room.id.clone(), room.is_private(), records::bot_ref(bot)?);
        let hubs = app.hubs();
        let room_id = room.id.clone();
        app.in_background(async move {
            if let Err(err) = hubs.send(&room_id, &event).await {
                worker::console_error!("announcing to {room_id} failed: {err:?}");
            }
        });
    }
    Ok(room)
}
