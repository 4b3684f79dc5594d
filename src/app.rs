//! The per-request context every handler and service works with: configuration, the
//! store, the caller's identity and the way to reach room hubs.

use std::future::Future;

use worker::{Context, Env, Request};

use crate::auth::{ApiKey, KeyHash};
use crate::config::{secret, Config};
use crate::error::{ApiError, ApiResult};
use crate::http::client_address;
use crate::ratelimit::ClientLimit;
use crate::room_hub::client::RoomHubs;
use crate::room_hub::events::HubEvent;
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
        let config = Config::from_env(&env)?;
        Ok(App { env, ctx, config })
    }

    /// The database.
    pub fn store(&self) -> ApiResult<Store> {
        Store::from_env(&self.env)
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

    /// The anonymous-read limit as it applies to this request's client.
    pub fn reads(&self, req: &Request) -> ClientLimit {
        ClientLimit {
            client: client_address(req),
            limit: self.config.rate_reads,
        }
    }

    /// The room hubs (Durable Objects).
    pub fn hubs(&self) -> RoomHubs {
        RoomHubs::new(&self.env)
    }

    /// Tells a room's hub what happened, after the response is sent: live delivery
    /// never delays the answer. A failure is logged; the hub heals what it missed from
    /// Redis (gap filling), so nothing stored is lost to a lost event.
    pub fn tell_hub_later(&self, room_id: &str, events: Vec<HubEvent>) {
        let hubs = self.hubs();
        let room_id = room_id.to_string();
        self.in_background(async move {
            for event in events {
                if let Err(err) = hubs.send(&room_id, &event).await {
                    worker::console_error!("telling the hub of {room_id} failed: {err:?}");
                }
            }
        });
    }

    /// Runs `work` after the response is sent, keeping the Worker alive for it.
    fn in_background(&self, work: impl Future<Output = ()> + 'static) {
        self.ctx.wait_until(work);
    }
}
