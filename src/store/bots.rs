//! Bots in Redis: registration, the caller's own view, key rotation and the directory.
//! One typed function per script; each script's header in `lua/` gives its ARGV.

use super::{records, Store};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{Bot, DirectoryCursor, Room};
use crate::ratelimit::{ClientLimit, RateLimit, Rated};

script!(REGISTER, "register");
script!(ME, "me");
script!(ROTATE_KEY, "rotate_key");
script!(BOTS_LIST, "bots_list");

/// A bot about to be registered, validated.
pub struct NewBot<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub key_hash: &'a KeyHash,
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

/// The calling bot and the live rooms it is a member of.
pub async fn me(store: &Store, caller: &KeyHash) -> ApiResult<(Bot, Vec<Room>)> {
    let [bot, rooms] = store.run(&ME, Some(caller), []).await?.fields()?;
    Ok((records::bot(bot)?, records::rooms(rooms)?))
}

/// A key that stopped working: whose it was, and the rooms whose hubs may hold
/// sockets opened with it.
#[derive(Debug)]
pub struct Revoked {
    pub bot_id: String,
    pub streams: Vec<String>,
}

/// Replaces the caller's key with the one hashed as `new_key`, in one step.
pub async fn rotate_key(store: &Store, caller: &KeyHash, new_key: &KeyHash) -> ApiResult<Revoked> {
    let [bot_id, streams] = store
        .run(&ROTATE_KEY, Some(caller), [new_key.as_str().to_string()])
        .await?
        .fields()?;
    Ok(Revoked {
        bot_id: records::string(bot_id)?,
        streams: records::array(streams)?
            .into_iter()
            .map(records::string)
            .collect::<Result<_, _>>()?,
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
