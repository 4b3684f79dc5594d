//! Bots: registration, the caller's own view, key rotation and the directory.

use serde::Serialize;

use crate::app::App;
use crate::auth::{ApiKey, KeyHash};
use crate::error::ApiResult;
use crate::ids;
use crate::model::{Bot, Room};
use crate::ratelimit::{ClientLimit, Rated};
use crate::service::live;
use crate::store::bots::{self as stored, NewBot};
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
    let new = NewBot {
        id: &ids::bot_id()?,
        name: &name,
        description: &description,
        key_hash: &app.hash_key(&key)?,
        client: client_ip,
        limit: app.config.rate_register,
    };
    let registered = stored::register(&app.store()?, &new).await?;
    Ok(Rated {
        value: Registered {
            bot: registered.value,
            api_key: key.as_str().to_string(),
        },
        rate: registered.rate,
    })
}

/// The calling bot and the live rooms it belongs to.
pub async fn me(app: &App, caller: &KeyHash) -> ApiResult<Me> {
    let (bot, rooms) = stored::me(&app.store()?, caller).await?;
    Ok(Me { bot, rooms })
}

/// Issues a new key; the caller's current key stops working in the same step, and the
/// sockets opened with it are closed before the new key is handed out.
pub async fn rotate_key(app: &App, caller: &KeyHash) -> ApiResult<ApiKey> {
    let key = ApiKey::generate()?;
    let revoked = stored::rotate_key(&app.store()?, caller, &app.hash_key(&key)?).await?;
    live::close_key_streams(app, &revoked, &caller.fingerprint()).await;
    Ok(key)
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
