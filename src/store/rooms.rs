//! Rooms in Redis: creation, the list, one room with its members, membership changes,
//! the global room's summary, and the purge at expiry. One typed function per script;
//! each script's header in `lua/` gives its ARGV.

use super::{records, Made, Store};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{Bot, BotRef, Room, RoomFilter, Visibility};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};

script!(ROOM_CREATE, "room_create");
script!(ROOM_GET, "room_get");
script!(ROOM_LIST, "room_list");
script!(ROOM_MEMBERSHIP, "room_membership");
script!(ROOM_INVITE, "room_invite");
script!(ROOM_PURGE, "room_purge");
script!(ROOM_ACCESS, "room_access");
script!(ROOM_EXPIRY, "room_expiry");
script!(GLOBAL_INFO, "global_info");
script!(STREAM_OPEN, "stream_open");
script!(MEMBERS_CHECK, "members_check");

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
    /// Inbox items each bot keeps.
    pub inbox_cap: u64,
    /// The script's clock, which also dates the invite items.
    pub now_ms: i64,
    /// Names of the bots to add as members.
    pub invite: &'a [String],
    /// The invite limit the invitations count against.
    pub invite_limit: RateLimit,
}

/// Creates a room owned by the caller, with the invited bots as members; returns it and
/// the invite items made for them.
pub async fn create(
    store: &Store,
    caller: &KeyHash,
    new: &NewRoom<'_>,
) -> ApiResult<Rated<(Room, Vec<Made>)>> {
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
        new.inbox_cap.to_string(),
    ];
    args.extend(new.invite_limit.script_args());
    args.extend(new.invite.iter().cloned());
    let outcome = store
        .run_at(&ROOM_CREATE, new.now_ms, Some(caller), args)
        .await?;
    let rate = outcome.rate;
    let [room, made] = outcome.fields()?;
    Ok(Rated {
        value: (records::room(room)?, records::made(made)?),
        rate,
    })
}

/// Live rooms, newest activity first; every call counts against the client's reads.
pub async fn list(
    store: &Store,
    filter: RoomFilter,
    reads: &ClientLimit,
) -> ApiResult<Rated<Vec<Room>>> {
    let filter = match filter {
        RoomFilter::All => "all",
        RoomFilter::Only(visibility) => visibility.as_str(),
    };
    let mut args = vec![filter.to_string()];
    args.extend(reads.script_args());
    let outcome = store.run(&ROOM_LIST, None, args).await?;
    let rate = outcome.rate;
    let [rooms] = outcome.fields()?;
    Ok(Rated {
        value: records::rooms(rooms)?,
        rate,
    })
}

/// One room and, where the caller may see them, its newest members; an anonymous
/// caller's read counts against its address.
pub async fn get(
    store: &Store,
    caller: Option<&KeyHash>,
    room_id: &str,
    reads: &ClientLimit,
) -> ApiResult<Rated<(Room, Option<Vec<BotRef>>)>> {
    let mut args = vec![room_id.to_string()];
    args.extend(reads.script_args());
    let outcome = store.run(&ROOM_GET, caller, args).await?;
    let rate = outcome.rate;
    let [room, members] = outcome.fields()?;
    Ok(Rated {
        value: (records::room(room)?, records::opt_bot_refs(members)?),
        rate,
    })
}

/// What a stream upgrade needs to know, checked in one step.
#[derive(Debug)]
pub struct StreamAccess {
    pub room: Room,
    /// The caller's bot, when a key was given.
    pub bot: Option<BotRef>,
    /// Whether the caller is a member.
    pub is_member: bool,
    /// The room's membership version (see `lua/keys.lua`).
    pub mver: u64,
}

/// Who the caller is in a live room (see [`access`]).
#[derive(Debug)]
pub struct RoomAccess {
    pub visibility: Visibility,
    /// Whether the caller is a member (any bot is, of the global room).
    pub is_member: bool,
    /// The caller's bot, when a key was given.
    pub bot: Option<BotRef>,
}

/// Checks a stream upgrade and records the room among the caller's streams.
pub async fn open_stream(
    store: &Store,
    caller: Option<&KeyHash>,
    room_id: &str,
    reads: &ClientLimit,
) -> ApiResult<StreamAccess> {
    let mut args = vec![room_id.to_string()];
    args.extend(reads.script_args());
    let [room, is_member, bot_id, mver, bot_name] =
        store.run(&STREAM_OPEN, caller, args).await?.fields()?;
    let bot_id = records::string(bot_id)?;
    Ok(StreamAccess {
        room: records::room(room)?,
        is_member: records::flag(&is_member)?,
        bot: (!bot_id.is_empty())
            .then(|| -> ApiResult<BotRef> {
                Ok(BotRef {
                    id: bot_id,
                    name: records::string(bot_name)?,
                })
            })
            .transpose()?,
        mver: records::count(&mver)?,
    })
}

/// Who the caller is in a live room, read only: for what the room's hub answers
/// without Redis when it can (typing, presence).
pub async fn access(
    store: &Store,
    caller: Option<&KeyHash>,
    room_id: &str,
    reads: &ClientLimit,
) -> ApiResult<RoomAccess> {
    let mut args = vec![room_id.to_string()];
    args.extend(reads.script_args());
    let [visibility, is_member, bot] = store.run(&ROOM_ACCESS, caller, args).await?.fields()?;
    Ok(RoomAccess {
        visibility: records::visibility(visibility)?,
        is_member: records::flag(&is_member)?,
        bot: records::opt_bot_ref(bot)?,
    })
}

/// For hubs: which of `bots` are still members of the room, and its membership version.
pub async fn members_check(
    store: &Store,
    room_id: &str,
    bots: &[String],
) -> ApiResult<(u64, Vec<String>)> {
    let mut args = vec![room_id.to_string()];
    args.extend(bots.iter().cloned());
    let [mver, members] = store.run(&MEMBERS_CHECK, None, args).await?.fields()?;
    let members = records::array(members)?
        .into_iter()
        .map(records::string)
        .collect::<Result<_, _>>()?;
    Ok((records::count(&mver)?, members))
}

/// The global room, the most recently active bots, and how many bots exist; every
/// call counts against the client's reads.
pub async fn global_info(
    store: &Store,
    reads: &ClientLimit,
) -> ApiResult<Rated<(Room, Vec<Bot>, u64)>> {
    let outcome = store.run(&GLOBAL_INFO, None, reads.script_args()).await?;
    let rate = outcome.rate;
    let [room, bots, count] = outcome.fields()?;
    Ok(Rated {
        value: (
            records::room(room)?,
            records::bots(bots)?,
            records::count(&count)?,
        ),
        rate,
    })
}

/// Which way a bot's membership changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Join,
    Leave,
}

/// A membership request's answer: the room, the bot whose membership changed (if it
/// did), and the room's membership version after the change.
#[derive(Debug)]
pub struct MembershipChanged {
    pub room: Room,
    pub changed: Option<BotRef>,
    pub mver: u64,
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
    let [room, changed, bot, mver] = store
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
        mver: records::count(&mver)?,
    })
}

/// An invitation's answer: the room, the invited bot, and whether it was added (false
/// when it was a member already).
#[derive(Debug)]
pub struct Invited {
    pub room: Room,
    pub bot: BotRef,
    pub added: bool,
    pub mver: u64,
    /// The invite item made (none when the bot was a member, or blocks the inviter).
    pub made: Vec<Made>,
    pub inviter: BotRef,
}

/// A member adds the bot called `name` to the room.
pub async fn invite(
    store: &Store,
    caller: &KeyHash,
    room_id: &str,
    name: &str,
    limit: RateLimit,
    inbox_cap: u64,
    now_ms: i64,
) -> ApiResult<Rated<Invited>> {
    let [limit, window] = limit.script_args();
    let outcome = store
        .run_at(
            &ROOM_INVITE,
            now_ms,
            Some(caller),
            [
                room_id.to_string(),
                name.to_string(),
                limit,
                window,
                inbox_cap.to_string(),
            ],
        )
        .await?;
    let rate = outcome.rate;
    let [room, bot, added, mver, made, inviter] = outcome.fields()?;
    Ok(Rated {
        value: Invited {
            room: records::room(room)?,
            bot: records::bot_ref(bot)?,
            added: records::flag(&added)?,
            mver: records::count(&mver)?,
            made: records::made(made)?,
            inviter: records::bot_ref(inviter)?,
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

/// For hubs: when a room ends according to Redis; `None` when Redis no longer has it.
pub async fn expiry(store: &Store, room_id: &str) -> ApiResult<Option<i64>> {
    let [at] = store
        .run(&ROOM_EXPIRY, None, [room_id.to_string()])
        .await?
        .fields()?;
    Ok(records::opt_ms(at)?)
}
