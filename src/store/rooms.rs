//! Rooms in Redis: creation, the list, one room with its members, membership changes,
//! the global room's summary, and the purge at expiry. One typed function per script;
//! each script's header in `lua/` gives its ARGV.

use super::{records, Store};
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::model::{Bot, BotRef, Room, RoomFilter, Visibility};
use crate::ratelimit::{RateLimit, Rated};

script!(ROOM_CREATE, "room_create");
script!(ROOM_GET, "room_get");
script!(ROOM_LIST, "room_list");
script!(ROOM_MEMBERSHIP, "room_membership");
script!(ROOM_INVITE, "room_invite");
script!(ROOM_PURGE, "room_purge");
script!(GLOBAL_INFO, "global_info");

/// A room about to be created, validated.
pub struct NewRoom<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub visibility: Visibility,
    pub ttl_seconds: u64,
    /// Live rooms a bot may own at once.
    pub max_owned: u64,
    pub limit: RateLimit,
    /// Names of the bots to add as members.
    pub invite: &'a [String],
}

/// Creates a room owned by the caller, with the invited bots as members.
pub async fn create(store: &Store, caller: &KeyHash, new: &NewRoom<'_>) -> ApiResult<Rated<Room>> {
    let [limit, window] = new.limit.script_args();
    let mut args = vec![
        new.id.to_string(),
        new.name.to_string(),
        new.description.to_string(),
        new.visibility.as_str().to_string(),
        new.ttl_seconds.to_string(),
        new.max_owned.to_string(),
        limit,
        window,
    ];
    args.extend(new.invite.iter().cloned());
    let outcome = store.run(&ROOM_CREATE, Some(caller), args).await?;
    let rate = outcome.rate;
    let [room] = outcome.fields()?;
    Ok(Rated {
        value: records::room(room)?,
        rate,
    })
}

/// Live rooms, newest activity first.
pub async fn list(store: &Store, filter: RoomFilter) -> ApiResult<Vec<Room>> {
    let filter = match filter {
        RoomFilter::All => "all",
        RoomFilter::Only(visibility) => visibility.as_str(),
    };
    let [rooms] = store
        .run(&ROOM_LIST, None, [filter.to_string()])
        .await?
        .fields()?;
    Ok(records::rooms(rooms)?)
}

/// One room as a caller sees it.
#[derive(Debug)]
pub struct RoomRead {
    pub room: Room,
    /// Members, where the caller may see them.
    pub members: Option<Vec<BotRef>>,
    /// The caller's bot id, when a key was given.
    pub caller_id: Option<String>,
    /// Whether the caller is a member.
    pub is_member: bool,
}

/// One room; members only where the caller may see them.
pub async fn get(store: &Store, caller: Option<&KeyHash>, room_id: &str) -> ApiResult<RoomRead> {
    let [room, members, is_member, caller_id] = store
        .run(&ROOM_GET, caller, [room_id.to_string()])
        .await?
        .fields()?;
    Ok(RoomRead {
        room: records::room(room)?,
        members: records::opt_bot_refs(members)?,
        is_member: records::flag(&is_member)?,
        caller_id: Some(records::string(caller_id)?).filter(|id| !id.is_empty()),
    })
}

/// The global room, the most recently active bots, and how many bots exist.
pub async fn global_info(store: &Store) -> ApiResult<(Room, Vec<Bot>, u64)> {
    let [room, bots, count] = store.run(&GLOBAL_INFO, None, []).await?.fields()?;
    Ok((
        records::room(room)?,
        records::bots(bots)?,
        records::count(&count)?,
    ))
}

/// Which way a bot's membership changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Join,
    Leave,
}

/// A membership request's answer: the room, and the bot whose membership changed (if
/// it did).
#[derive(Debug)]
pub struct MembershipChanged {
    pub room: Room,
    pub changed: Option<BotRef>,
}

/// Joins a public room, or leaves a room, as the caller.
pub async fn change_membership(
    store: &Store,
    caller: &KeyHash,
    room_id: &str,
    change: Membership,
) -> ApiResult<MembershipChanged> {
    let action = match change {
        Membership::Join => "join",
        Membership::Leave => "leave",
    };
    let [room, changed, bot] = store
        .run(
            &ROOM_MEMBERSHIP,
            Some(caller),
            [room_id.to_string(), action.to_string()],
        )
        .await?
        .fields()?;
    Ok(MembershipChanged {
        room: records::room(room)?,
        changed: records::flag(&changed)?
            .then(|| records::bot_ref(bot))
            .transpose()?,
    })
}

/// An invitation's answer: the room, the invited bot, and whether it was added (false
/// when it was a member already).
#[derive(Debug)]
pub struct Invited {
    pub room: Room,
    pub bot: BotRef,
    pub added: bool,
}

/// A member adds the bot called `name` to the room.
pub async fn invite(
    store: &Store,
    caller: &KeyHash,
    room_id: &str,
    name: &str,
    limit: RateLimit,
) -> ApiResult<Rated<Invited>> {
    let [limit, window] = limit.script_args();
    let outcome = store
        .run(
            &ROOM_INVITE,
            Some(caller),
            [room_id.to_string(), name.to_string(), limit, window],
        )
        .await?;
    let rate = outcome.rate;
    let [room, bot, added] = outcome.fields()?;
    Ok(Rated {
        value: Invited {
            room: records::room(room)?,
            bot: records::bot_ref(bot)?,
            added: records::flag(&added)?,
        },
        rate,
    })
}

/// Deletes an expired room and every index entry of it; refused (forbidden) while the
/// room's time is not up.
pub async fn purge(store: &Store, room_id: &str) -> ApiResult<()> {
    store.run(&ROOM_PURGE, None, [room_id.to_string()]).await?;
    Ok(())
}

/// When a room ends according to Redis; `None` when Redis no longer has it.
pub async fn expiry(store: &Store, room_id: &str) -> ApiResult<Option<i64>> {
    match get(store, None, room_id).await {
        Ok(read) => Ok(read.room.expires_at_ms),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(err) => Err(err),
    }
}
