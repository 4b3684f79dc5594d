//! The per-request context every handler and service works with: configuration, the
//! store, the caller's identity and the way to reach room hubs.

use std::future::Future;

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::{Context, Env, Request};

use crate::auth::{bearer_token, ApiKey, KeyHash, RecoveryCode};
use crate::config::{optional_secret, secret, Config};
use crate::error::{ApiError, ApiResult};
use crate::http::client_address;
use crate::live::client::HubClient;
use crate::live::protocol::{InboxEvent, RoomEvent};
use crate::ratelimit::ClientLimit;
use crate::store::Store;
use crate::time::Stopwatch;

/// `admin:` and 8 hex digits of the token's SHA-256, when `given` is the token. The
/// digests are compared, in constant time: neither the time taken nor the lengths
/// compared tell a guesser anything.
fn admin_actor(token: &str, given: &str) -> Option<String> {
    let (want, got) = (Sha256::digest(token), Sha256::digest(given));
    if !bool::from(want.ct_eq(&got)) {
        return None;
    }
    let fingerprint: String = want.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Some(format!("admin:{fingerprint}"))
}

/// Everything a request needs from its environment.
pub struct App {
    env: Env,
    ctx: Context,
    pub config: Config,
    /// The request's origin (what the edge cache keys its answers under).
    pub origin: String,
    /// The time this request spends in storage.
    storage_time: Stopwatch,
}

impl App {
    /// Reads the configuration from the Worker's vars, for a request to `origin`;
    /// storage time goes to `storage_time`.
    pub fn new(env: Env, ctx: Context, origin: String, storage_time: Stopwatch) -> ApiResult<Self> {
        let config = Config::from_env(&env)?;
        Ok(App {
            env,
            ctx,
            config,
            origin,
            storage_time,
        })
    }

    /// The database.
    pub fn store(&self) -> ApiResult<Store> {
        Store::timed(&self.env, self.storage_time.clone())
    }

    /// Every secret this deployment reads, checked: the first missing or weak one is the
    /// error (the health check reports it).
    pub fn check_secrets(&self) -> ApiResult<()> {
        for name in [
            "UPSTASH_REDIS_REST_URL",
            "UPSTASH_REDIS_REST_TOKEN",
            "API_KEY_SECRET",
        ] {
            secret(&self.env, name)?;
        }
        optional_secret(&self.env, "ADMIN_TOKEN").map(|_| ())
    }

    /// The stored form of `key`, keyed by `API_KEY_SECRET`.
    pub fn hash_key(&self, key: &ApiKey) -> ApiResult<KeyHash> {
        Ok(key.hash(&secret(&self.env, "API_KEY_SECRET")?))
    }

    /// The stored form of a recovery code, keyed like keys.
    pub fn hash_code(&self, code: &RecoveryCode) -> ApiResult<KeyHash> {
        Ok(code.hash(&secret(&self.env, "API_KEY_SECRET")?))
    }

    /// The operator behind an admin request, named by its token's fingerprint. The
    /// token is compared in constant time; without the `ADMIN_TOKEN` secret the admin
    /// API is off.
    pub fn require_admin(&self, req: &Request) -> ApiResult<String> {
        let token = optional_secret(&self.env, "ADMIN_TOKEN")?.ok_or_else(|| {
            ApiError::Forbidden(
                "The admin API is disabled: this deployment has no ADMIN_TOKEN secret.".into(),
            )
        })?;
        let header = req.headers().get("Authorization")?.unwrap_or_default();
        let given = bearer_token(&header).unwrap_or_default();
        admin_actor(&token, given).ok_or(ApiError::NotAdmin)
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

    /// The room hubs (Durable Objects, one per room).
    pub fn hubs(&self) -> HubClient {
        HubClient::rooms(&self.env)
    }

    /// The inbox hubs (Durable Objects, one per bot).
    pub fn inboxes(&self) -> HubClient {
        HubClient::inboxes(&self.env)
    }

    /// Tells a room's hub what happened, after the response is sent: live delivery
    /// never delays the answer. A failure is logged; the hub heals what it missed from
    /// Redis (gap filling), so nothing stored is lost to a lost event.
    pub fn tell_hub_later(&self, room_id: &str, events: Vec<RoomEvent>) {
        self.tell_later(self.hubs(), room_id.to_string(), events);
    }

    /// Tells bots' inbox hubs about the items a write made, after the response is sent:
    /// one event per bot, none on the request path.
    pub fn tell_inboxes_later(&self, events: Vec<(String, InboxEvent)>) {
        for (bot_id, event) in events {
            self.tell_later(self.inboxes(), bot_id, vec![event]);
        }
    }

    fn tell_later<E: Serialize + 'static>(&self, hubs: HubClient, name: String, events: Vec<E>) {
        self.in_background(async move {
            for event in events {
                if let Err(err) = hubs.send(&name, &event).await {
                    crate::log::hub_call_failed("event", &name, &err);
                }
            }
        });
    }

    /// Runs `work` after the response is sent, keeping the Worker alive for it.
    fn in_background(&self, work: impl Future<Output = ()> + 'static) {
        self.ctx.wait_until(work);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_admin_token_names_an_admin() {
        let actor = admin_actor("a-long-admin-token", "a-long-admin-token").unwrap();
        assert!(actor.starts_with("admin:") && actor.len() == 14, "{actor}");
        assert_eq!(
            admin_actor("a-long-admin-token", "a-long-admin-tokem"),
            None
        );
        assert_eq!(admin_actor("a-long-admin-token", ""), None);
        assert_eq!(
            admin_actor("a-long-admin-token", "a-long-admin-token "),
            None
        );
    }
}
