//! Rooms: creation (which arms the room's expiry alarm in its hub), the list, one room
//! with its members, and membership changes (which the hub announces live).

use serde::Serialize;

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::http::JsonBody;
use crate::ids;
use crate::live::protocol::{MemberChange, RoomEvent};
use crate::model::InboxRoom;
use crate::model::{Bot, BotRef, Room, RoomAnswer, RoomsAnswer, GLOBAL_ROOM};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::inbox::{self, Occasion};
use crate::store::rooms::{self as stored, NewRoom};
use crate::time::{now_ms, rfc3339};
use crate::validate::check_id;

pub use crate::store::rooms::Membership;
use crate::validate;

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

fn not_global(room_id: &str, what: &str) -> ApiResult<()> {
    if room_id == GLOBAL_ROOM {
        return Err(ApiError::Forbidden(format!(
            "The global room cannot be {what}."
        )));
    }
    check_id(room_id)
}

/// Creates a room owned by the caller from `{name, description?, visibility?,
/// ttl_seconds?, invite?}`, with the invited bots as members (each gets an invite in its
/// inbox).
pub async fn create(app: &App, caller: &KeyHash, body: &JsonBody) -> ApiResult<Rated<RoomAnswer>> {
    let config = &app.config;
    let name = validate::room_name(body.str("name")?)?;
    let description = validate::room_description(body.opt_str("description")?.unwrap_or(""))?;
    let new = NewRoom {
        id: &ids::room_id()?,
        name: &name,
        description: &description,
        visibility: validate::visibility(body.opt_str("visibility")?)?,
        ttl_seconds: validate::ttl(
            body.opt_int("ttl_seconds")?,
            config.room_ttl_default,
            config.room_ttl_min,
            config.room_ttl_max,
        )?,
        max_owned: config.max_rooms_per_bot,
        limit: config.rate_rooms,
        inbox_cap: config.inbox_cap,
        now_ms: now_ms(),
        invite: &validate::invite_list(body.opt_str_list("invite")?.unwrap_or_default())?,
        invite_limit: config.rate_invites,
    };
    let created = stored::create(&app.store()?, caller, &new).await?;
    let (room, made) = &created.value;
    let armed = RoomEvent::Created {
        room_id: room.id.clone(),
        expires_at_ms: room.expires_at_ms.unwrap_or_default(),
    };
    // Awaited: the room's alarm must be armed before anyone relies on the room. Should
    // the hub be unreachable, Redis still expires every key of the room on time.
    if let Err(err) = app.hubs().send(&room.id, &armed).await {
        crate::log::hub_call_failed("arm alarm", &room.id, &err);
    }
    if let Some(by) = room.created_by.clone() {
        inbox::deliver_later(app, made.clone(), &invitation(room, by, new.now_ms));
    }
    Ok(created.map(|(room, _)| RoomAnswer { room }))
}

/// What the invites into `room` by `by` have in common.
fn invitation(room: &Room, by: BotRef, at_ms: i64) -> Occasion {
    Occasion {
        at: rfc3339(at_ms),
        room: InboxRoom {
            id: room.id.clone(),
            name: room.name.clone(),
            visibility: room.visibility,
            expires_at: room.expires_at.clone(),
        },
        by,
        message: None,
    }
}

/// Live rooms, newest activity first.
pub async fn list(
    app: &App,
    reads: &ClientLimit,
    visibility: Option<&str>,
) -> ApiResult<Rated<RoomsAnswer>> {
    let filter = validate::list_filter(visibility)?;
    let rooms = stored::list(&app.store()?, filter, reads).await?;
    Ok(rooms.map(|rooms| RoomsAnswer { rooms }))
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
) -> ApiResult<RoomAnswer> {
    let (done, announced) = match change {
        Membership::Join => ("joined", MemberChange::Joined),
        Membership::Leave => ("left", MemberChange::Left),
    };
    not_global(room_id, done)?;
    let outcome = stored::change_membership(&app.store()?, caller, room_id, change).await?;
    if let Some(bot) = outcome.changed {
        announce(app, &outcome.room, bot, announced, outcome.mver).await;
    }
    Ok(RoomAnswer { room: outcome.room })
}

/// A member adds the bot named in `{bot}`.
pub async fn invite(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    body: &JsonBody,
) -> ApiResult<Rated<Invited>> {
    not_global(room_id, "invited to")?;
    let name = validate::bot_name("bot", body.str("bot")?)?;
    let now = now_ms();
    let outcome = stored::invite(
        &app.store()?,
        caller,
        room_id,
        &name,
        app.config.rate_invites,
        app.config.inbox_cap,
        now,
    )
    .await?;
    let invited = outcome.value;
    inbox::deliver_later(
        app,
        invited.made.clone(),
        &invitation(&invited.room, invited.inviter.clone(), now),
    );
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
    let event = RoomEvent::Membership {
        room_id: room.id.clone(),
        private: room.is_private(),
        bot,
        change,
        mver,
    };
    if room.is_private() && change == MemberChange::Left {
        if let Err(err) = app.hubs().send(&room.id, &event).await {
            crate::log::hub_call_failed("close leaver streams", &room.id, &err);
        }
    } else {
        app.tell_hub_later(&room.id, vec![event]);
    }
}
