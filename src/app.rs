//! The per-request context every handler and service works with: configuration, the
//! store, the caller's identity and the way to reach room hubs. Secrets are read here
//! and only here, so a missing one is reported the same way everywhere.

use std::future::Future;

use worker::{Context, Env, Request};

use crate::auth::{ApiKey, KeyHash};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::room_hub::client::RoomHubs;
use crate::store::upstash::Upstash;
use crate::store::Store;

/// Everything a request needs from its environment.
pub struct App {
    env: Env,
    ctx: Context,
    pub config: Config,
}

impl App {
    /// Reads the configuration from the Worker's vars.
    pub fn new(env: Env, ctx: Context) -> ApiResult<Self> {
        let config = Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()))?;
        Ok(App { env, ctx, config })
    }

    /// The database.
    pub fn store(&self) -> ApiResult<Store> {
        store_for(&self.env)
    }

    /// The stored form of `key`, keyed by `API_KEY_SECRET`.
    pub fn hash_key(&self, key: &ApiKey) -> ApiResult<KeyHash> {
        Ok(key.hash(&secret(&self.env, "API_KEY_SECRET")?))
    }

    /// The caller's key hash when the request carries a key; a malformed header is 401.
    pub fn caller(&self, req: &Request) -> ApiResult<Option<KeyHash>> {
        let header = req.headers().get("Authorization")?;
        ApiKey::from_header(header.as_deref())?
            .map(|key| self.hash_key(&key))
            .transpose()
    }

    /// The caller's key hash; 401 when the request carries none.
    pub fn require_caller(&self, req: &Request) -> ApiResult<KeyHash> {
        self.caller(req)?
            .ok_or_else(|| ApiError::Unauthorized("This endpoint needs an API key.".to_string()))
    }

    /// The room hubs (Durable Objects).
    pub fn hubs(&self) -> RoomHubs {
        RoomHubs::new(&self.env)
    }

    /// Runs `work` after the response is sent, keeping the Worker alive for it.
    pub fn in_background(&self, work: impl Future<Output = ()> + 'static) {
        self.ctx.wait_until(work);
    }
}

/// A secret (or, in local development, a var of the same name).
fn secret(env: &Env, name: &str) -> ApiResult<String> {
    env.secret(name)
        .or_else(|_| env.var(name))
        .map(|v| v.to_string())
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::Misconfigured(format!(
                "the secret {name} is not set (wrangler secret put {name})."
            ))
        })
}

/// The database of this deployment; also used by room hubs, which have no request.
pub fn store_for(env: &Env) -> ApiResult<Store> {
    Ok(Store::new(Upstash::new(
        &secret(env, "UPSTASH_REDIS_REST_URL")?,
        &secret(env, "UPSTASH_REDIS_REST_TOKEN")?,
    )))
}
