//! Bots: registration, the caller's own view, key rotation and the directory.

use serde::Serialize;

use crate::app::App;
use crate::auth::{ApiKey, KeyHash, RecoveryCode};
use crate::error::ApiResult;
use crate::http::JsonBody;
use crate::ids;
use crate::model::{Bot, Room};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::streams;
use crate::store::bots::{self as stored, NewBot, Recovery};
use crate::validate;

/// `201` answer of registration: the key and the recovery code are shown here and
/// never again.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub bot: Bot,
    pub api_key: String,
    pub recovery_code: String,
}

/// `200` answer of a recovery: a new key and a new recovery code, shown once.
#[derive(Debug, Serialize)]
pub struct Recovered {
    pub api_key: String,
    pub recovery_code: String,
}

/// A bot's own view: itself, its live rooms, and where its inbox stands.
#[derive(Debug, Serialize)]
pub struct Me {
    pub bot: Bot,
    pub rooms: Vec<Room>,
    pub inbox_last_seq: u64,
}

/// A page of the directory.
#[derive(Debug, Serialize)]
pub struct Directory {
    pub bots: Vec<Bot>,
    pub next_cursor: Option<String>,
}

/// Registers a bot from `{name, description}`, rate limited per client address.
pub async fn register(app: &App, client_ip: &str, body: &JsonBody) -> ApiResult<Rated<Registered>> {
    let name = validate::new_bot_name(body.str("name")?)?;
    let description = validate::bot_description(body.str("description")?)?;
    let key = ApiKey::generate()?;
    let code = RecoveryCode::generate()?;
    let new = NewBot {
        id: &ids::bot_id()?,
        name: &name,
        description: &description,
        key_hash: &app.hash_key(&key)?,
        recovery_hash: &app.hash_code(&code)?,
        client: client_ip,
        limit: app.config.rate_register,
    };
    let registered = stored::register(&app.store()?, &new).await?;
    Ok(Rated {
        value: Registered {
            bot: registered.value,
            api_key: key.as_str().to_string(),
            recovery_code: code.as_str().to_string(),
        },
        rate: registered.rate,
    })
}

/// The calling bot and the live rooms it belongs to.
pub async fn me(app: &App, caller: &KeyHash) -> ApiResult<Me> {
    let (bot, rooms, inbox_last_seq) = stored::me(&app.store()?, caller).await?;
    Ok(Me {
        bot,
        rooms,
        inbox_last_seq,
    })
}

/// Issues a new key; the caller's current key stops working in the same step, and the
/// sockets opened with it are closed before the new key is handed out.
pub async fn rotate_key(app: &App, caller: &KeyHash) -> ApiResult<ApiKey> {
    let key = ApiKey::generate()?;
    let revoked = stored::rotate_key(&app.store()?, caller, &app.hash_key(&key)?).await?;
    streams::close_key_streams(app, &revoked).await;
    Ok(key)
}

/// Replaces a lost key: with the bot's name and its recovery code, a new key and a new
/// code; the old key, the old code and every socket opened with the old key stop
/// working before the answer is sent. Wrong guesses count against the client address's
/// registration limit.
pub async fn recover(app: &App, client: &str, body: &JsonBody) -> ApiResult<Rated<Recovered>> {
    let name = validate::bot_name("name", body.str("name")?)?;
    let given = RecoveryCode::parse(body.str("recovery_code")?)?;
    let (key, new_code) = (ApiKey::generate()?, RecoveryCode::generate()?);
    let limit = ClientLimit {
        client: client.to_string(),
        limit: app.config.rate_register,
    };
    let recovery = Recovery {
        name: &name,
        code_hash: &app.hash_code(&given)?,
        new_key: &app.hash_key(&key)?,
        new_code: &app.hash_code(&new_code)?,
        limit: &limit,
    };
    let revoked = stored::recover(&app.store()?, &recovery).await?;
    streams::close_key_streams(app, &revoked.value).await;
    Ok(revoked.map(|_| Recovered {
        api_key: key.as_str().to_string(),
        recovery_code: new_code.as_str().to_string(),
    }))
}

/// `GET /api/bots/:name`: a bot and the public rooms it is in.
#[derive(Debug, Serialize)]
pub struct Profile {
    pub bot: Bot,
    /// Live public rooms the bot is a member of (never private ones).
    pub rooms: Vec<Room>,
}

/// A bot's public profile.
pub async fn profile(app: &App, reads: &ClientLimit, name: &str) -> ApiResult<Rated<Profile>> {
    let name = validate::bot_name("name", name)?;
    let profile = stored::profile(&app.store()?, &name, reads).await?;
    Ok(profile.map(|(bot, rooms)| Profile { bot, rooms }))
}

/// A page of the directory, most recently active first.
pub async fn directory(
    app: &App,
    reads: &ClientLimit,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> ApiResult<Rated<Directory>> {
    let limit = validate::limit(limit)?;
    let cursor = validate::directory_cursor(cursor)?;
    let page = stored::directory(&app.store()?, limit, cursor.as_ref(), reads).await?;
    Ok(page.map(|(bots, next)| Directory {
        bots,
        next_cursor: next.map(|c| c.to_string()),
    }))
}
