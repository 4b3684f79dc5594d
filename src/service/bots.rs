//! Bots: registration, the caller's own view, key rotation and the directory.

use serde::Serialize;

use super::Rated;
use crate::app::App;
use crate::auth::{ApiKey, KeyHash};
use crate::error::ApiResult;
use crate::ids;
use crate::model::{Bot, Room};
use crate::store::{records, scripts};
use crate::validate;

/// `201` answer of registration: the key is shown here and never again.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub bot: Bot,
    pub api_key: String,
}

/// A bot's own view: itself and its live rooms.
#[derive(Debug, Serialize)]
pub struct Me {
    pub bot: Bot,
    pub rooms: Vec<Room>,
}

/// A page of the directory.
#[derive(Debug, Serialize)]
pub struct Directory {
    pub bots: Vec<Bot>,
    pub next_cursor: Option<String>,
}

/// Registers a bot under `name`, rate limited per client address.
pub async fn register(
    app: &App,
    client_ip: &str,
    name: &str,
    description: &str,
) -> ApiResult<Rated<Registered>> {
    let name = validate::bot_name("name", name)?;
    let description = validate::bot_description(description)?;
    let key = ApiKey::generate()?;
    let hash = app.hash_key(&key)?;
    let [rate_limit, rate_window] = app.config.rate_register.script_args();
    let args = [
        client_ip.to_string(),
        name,
        description,
        ids::bot_id()?,
        hash.as_str().to_string(),
        rate_limit,
        rate_window,
    ];
    let ([bot], rate) = app
        .store()?
        .run(&scripts::REGISTER, None, args)
        .await?
        .split()?;
    Ok(Rated {
        value: Registered {
            bot: records::bot(bot)?,
            api_key: key.as_str().to_string(),
        },
        rate,
    })
}

/// The calling bot and the live rooms it belongs to.
pub async fn me(app: &App, caller: &KeyHash) -> ApiResult<Me> {
    let [bot, rooms] = app
        .store()?
        .run(&scripts::ME, Some(caller), [])
        .await?
        .fields()?;
    Ok(Me {
        bot: records::bot(bot)?,
        rooms: records::rooms(rooms)?,
    })
}

/// Issues a new key; the caller's current key stops working in the same step.
pub async fn rotate_key(app: &App, caller: &KeyHash) -> ApiResult<ApiKey> {
    let key = ApiKey::generate()?;
    let hash = app.hash_key(&key)?;
    app.store()?
        .run(
            &scripts::ROTATE_KEY,
            Some(caller),
            [hash.as_str().to_string()],
        )
        .await?;
    Ok(key)
}

/// A page of the directory, most recently active first.
pub async fn directory(
    app: &App,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> ApiResult<Directory> {
    let limit = validate::directory_limit(limit)?;
    let (score, after_id) = match validate::directory_cursor(cursor)? {
        Some((score, id)) => (score.to_string(), id),
        None => (String::new(), String::new()),
    };
    let [bots, next] = app
        .store()?
        .run(
            &scripts::BOTS_LIST,
            None,
            [limit.to_string(), score, after_id],
        )
        .await?
        .fields()?;
    let next_cursor = match next.into_array()?.as_slice() {
        [score, id] => Some(format!("{}.{}", score.as_int()?, id.clone().into_string()?)),
        _ => None,
    };
    Ok(Directory {
        bots: records::bots(bots)?,
        next_cursor,
    })
}
