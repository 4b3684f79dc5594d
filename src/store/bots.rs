//! Bots in Redis: registration, the caller's own view, key rotation and the directory.
//! One typed function per script; each script's header in `lua/` gives its ARGV.

use super::upstash::Reply;
use super::{records, Store, StoreError};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{Bot, DirectoryCursor, Room};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};

script!(REGISTER, "register");
script!(ME, "me");
script!(ROTATE_KEY, "rotate_key");
script!(BOTS_LIST, "bots_list");
script!(RECOVER, "recover");
script!(BOT_PROFILE, "bot_profile");

/// A bot's public profile: the bot and the public live rooms it is in; every call counts
/// against the client's reads.
pub async fn profile(
    store: &Store,
    name: &str,
    reads: &ClientLimit,
) -> ApiResult<Rated<(Bot, Vec<Room>)>> {
    let mut args = vec![name.to_string()];
    args.extend(reads.script_args());
    let outcome = store.run(&BOT_PROFILE, None, args).await?;
    let rate = outcome.rate;
    let [bot, rooms] = outcome.fields()?;
    Ok(Rated {
        value: (records::bot(bot)?, records::rooms(rooms)?),
        rate,
    })
}

/// A bot about to be registered, validated.
pub struct NewBot<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub key_hash: &'a KeyHash,
    /// The keyed hash of its recovery code.
    pub recovery_hash: &'a KeyHash,
    /// Who registers (the client address), for the registration limit.
    pub client: &'a str,
    pub limit: RateLimit,
}

/// Registers a bot; refused when the name is taken or the client is over its limit.
pub async fn register(store: &Store, new: &NewBot<'_>) -> ApiResult<Rated<Bot>> {
    let [limit, window] = new.limit.script_args();
    let outcome = store
        .run(
            &REGISTER,
            None,
            [
                new.client.to_string(),
                new.name.to_string(),
                new.description.to_string(),
                new.id.to_string(),
                new.key_hash.as_str().to_string(),
                new.recovery_hash.as_str().to_string(),
                limit,
                window,
            ],
        )
        .await?;
    let rate = outcome.rate;
    let [bot] = outcome.fields()?;
    Ok(Rated {
        value: records::bot(bot)?,
        rate,
    })
}

/// The calling bot, the live rooms it is a member of, and its inbox's last seq.
pub async fn me(store: &Store, caller: &KeyHash) -> ApiResult<(Bot, Vec<Room>, u64)> {
    let [bot, rooms, inbox_last_seq] = store.run(&ME, Some(caller), []).await?.fields()?;
    Ok((
        records::bot(bot)?,
        records::rooms(rooms)?,
        records::count(&inbox_last_seq)?,
    ))
}

/// A key whose standing changed (it stopped working, or works again): whose it is, its
/// fingerprint, and the rooms whose hubs may hold, or refuse, sockets opened with it.
#[derive(Debug)]
pub struct KeyStreams {
    pub bot_id: String,
    pub key_fingerprint: String,
    pub streams: Vec<String>,
}

fn revoked(bot_id: Reply, old_key: &KeyHash, streams: Reply) -> Result<KeyStreams, StoreError> {
    Ok(KeyStreams {
        bot_id: records::string(bot_id)?,
        key_fingerprint: old_key.fingerprint(),
        streams: records::array(streams)?
            .into_iter()
            .map(records::string)
            .collect::<Result<_, _>>()?,
    })
}

/// Replaces the caller's key with the one hashed as `new_key`, in one step.
pub async fn rotate_key(
    store: &Store,
    caller: &KeyHash,
    new_key: &KeyHash,
) -> ApiResult<KeyStreams> {
    let [bot_id, streams] = store
        .run(&ROTATE_KEY, Some(caller), [new_key.as_str().to_string()])
        .await?
        .fields()?;
    Ok(revoked(bot_id, caller, streams)?)
}

/// A recovery: the bot's name, the keyed hash of the code it gave, the new key's and
/// code's keyed hashes, and the registration limit of the client address.
pub struct Recovery<'a> {
    pub name: &'a str,
    pub code_hash: &'a KeyHash,
    pub new_key: &'a KeyHash,
    pub new_code: &'a KeyHash,
    pub limit: &'a ClientLimit,
}

/// Replaces a bot's key and recovery code in one step, given its current code.
pub async fn recover(store: &Store, recovery: &Recovery<'_>) -> ApiResult<Rated<KeyStreams>> {
    let [client, limit, window] = recovery.limit.script_args();
    let outcome = store
        .run(
            &RECOVER,
            None,
            [
                client,
                recovery.name.to_string(),
                recovery.code_hash.as_str().to_string(),
                recovery.new_key.as_str().to_string(),
                recovery.new_code.as_str().to_string(),
                limit,
                window,
            ],
        )
        .await?;
    let rate = outcome.rate;
    let [bot_id, old_key, streams] = outcome.fields()?;
    let old_key = KeyHash::from_stored(records::string(old_key)?);
    Ok(Rated {
        value: revoked(bot_id, &old_key, streams)?,
        rate,
    })
}

/// A page of the directory, most recently active first, and where the next begins.
/// Every call counts against the client's reads.
pub async fn directory(
    store: &Store,
    limit: u64,
    cursor: Option<&DirectoryCursor>,
    reads: &ClientLimit,
) -> ApiResult<Rated<(Vec<Bot>, Option<DirectoryCursor>)>> {
    let (score, after_id) = match cursor {
        Some(c) => (c.active_ms.to_string(), c.bot_id.clone()),
        None => (String::new(), String::new()),
    };
    let mut args = vec![limit.to_string(), score, after_id];
    args.extend(reads.script_args());
    let outcome = store.run(&BOTS_LIST, None, args).await?;
    let rate = outcome.rate;
    let [bots, next] = outcome.fields()?;
    let next = match records::array(next)?.as_slice() {
        [score, id] => Some(DirectoryCursor {
            active_ms: records::count(score)?,
            bot_id: records::string(id.clone())?,
        }),
        _ => None,
    };
    Ok(Rated {
        value: (records::bots(bots)?, next),
        rate,
    })
}
