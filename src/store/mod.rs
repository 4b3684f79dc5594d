//! Storage: Upstash Redis over its REST API.
//!
//! Every operation is one Lua script (`lua/`), run atomically inside Redis in one round
//! trip, and each script has exactly one typed Rust function next to it: an arguments
//! struct in, model types out. The script's contract (its ARGV order and the shape of
//! its answer) therefore lives in two places side by side — the `.lua` file's header and
//! that function — and nothing above the store sees a Redis reply.
//!
//! - [`bots`], [`rooms`], [`messages`], [`conversation`], [`inbox`], [`admin`],
//!   [`reports`], [`stats`]: the typed functions, one per script.
//! - `upstash`: the HTTP client and the typed form of Redis replies (private).
//! - `records`: decoding script output into the model's objects (private).
//! - `lua/keys.lua`: the whole key layout on one screen; `lua/helpers.lua`: the calling
//!   convention and the helpers every script shares. Both are prepended to each script
//!   by `build.rs`, which also blanks the comment lines: they are for people, not Redis.
//!   `lua/layout_upgrade.lua` brings older data up to the layout's version.
//!
//! `Store::run` is the single door: it adds the clock and the caller's key hash to a
//! script's arguments, runs it, and turns a refusal reported by the script into an
//! [`ApiError`].

/// Declares a script: `lua/keys.lua` and `lua/helpers.lua` followed by `lua/<file>.lua`, compiled in as
/// `build.rs` prepared it (comment lines blanked).
macro_rules! script {
    ($ident:ident, $file:literal) => {
        static $ident: $crate::store::upstash::Script = $crate::store::upstash::Script::new(
            $file,
            include_str!(concat!(env!("OUT_DIR"), "/lua/", $file, ".lua")),
        );
    };
}

pub mod admin;
pub mod bots;
pub mod conversation;
pub mod inbox;
pub mod messages;
mod records;
pub mod reports;
pub mod rooms;
pub mod stats;
mod upstash;

use worker::Env;

use crate::auth::KeyHash;
use crate::config::secret;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::RateLimitStatus;
use crate::time::{now_ms, Stopwatch};
use upstash::{Reply, Script, Upstash};

pub use records::Made;
pub use upstash::StoreError;

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::StorageUnavailable {
            in_doubt: err.in_doubt(),
            reason: err.to_string(),
        }
    }
}

/// What a script answered when it accepted the request.
#[derive(Debug)]
struct Outcome {
    /// Where the caller stands against the limit this script enforced, if any.
    rate: Option<RateLimitStatus>,
    /// The script's payload, positionally.
    payload: Vec<Reply>,
}

impl Outcome {
    /// The payload's fields, checked for count.
    fn fields<const N: usize>(self) -> Result<[Reply; N], StoreError> {
        records::fields(Reply::Array(self.payload))
    }
}

script!(LAYOUT, "layout_upgrade");

/// Where the stored data stands against this release's key layout (`cc:layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The layout the data was in before this check (it is now `current`, unless newer).
    pub found: i64,
    /// The layout this release reads and writes.
    pub current: i64,
}

impl Layout {
    /// Data written by a newer release: this one may misread it (a rollback across a
    /// layout change). Nothing is changed; the health check reports it.
    pub fn is_newer(&self) -> bool {
        self.found > self.current
    }
}

/// The database, as the services and room hubs see it.
#[derive(Debug, Clone)]
pub struct Store {
    redis: Upstash,
}

impl Store {
    /// The database of this deployment, from its two Upstash secrets. Hubs call this
    /// too: they have an environment but no request.
    pub fn from_env(env: &Env) -> ApiResult<Store> {
        Store::timed(env, Stopwatch::default())
    }

    /// Like [`Store::from_env`], adding the time spent in storage to `stopwatch`.
    pub fn timed(env: &Env, stopwatch: Stopwatch) -> ApiResult<Store> {
        Ok(Store {
            redis: Upstash::new(
                &secret(env, "UPSTASH_REDIS_REST_URL")?,
                &secret(env, "UPSTASH_REDIS_REST_TOKEN")?,
                stopwatch,
            ),
        })
    }

    /// Checks that Redis answers, and brings the stored data up to this release's key
    /// layout (`lua/layout_upgrade.lua`; idempotent, one GET when already current).
    pub async fn layout(&self) -> Result<Layout, StoreError> {
        let argv = [now_ms().to_string(), String::new()];
        let reply = self.redis.eval(&LAYOUT, &[], &argv).await?;
        let outcome = decode_outcome(reply).map_err(|err| StoreError::Decode(err.message()))?;
        let [found, current] = outcome.fields()?;
        Ok(Layout {
            found: found.as_int()?,
            current: current.as_int()?,
        })
    }

    /// Runs `script` for the caller holding `key` (if any) with the time now.
    async fn run(
        &self,
        script: &Script,
        key: Option<&KeyHash>,
        args: impl IntoIterator<Item = String>,
    ) -> ApiResult<Outcome> {
        self.run_at(script, now_ms(), key, args).await
    }

    /// Like `Store::run` with an explicit clock, for writes whose own timestamps must
    /// equal the script's `NOW`.
    async fn run_at(
        &self,
        script: &Script,
        now_ms: i64,
        key: Option<&KeyHash>,
        args: impl IntoIterator<Item = String>,
    ) -> ApiResult<Outcome> {
        let reply = self
            .redis
            .eval(script, &[], &argv(now_ms, key, args))
            .await?;
        decode_outcome(reply)
    }

    /// Runs `script` once per call — its clock, the caller's key, its arguments — all
    /// in one round trip (`/pipeline`): each call atomic, in the order given, answering
    /// for itself. Should the request fail, every call fails alike.
    async fn run_many(
        &self,
        script: &Script,
        calls: Vec<(i64, Option<&KeyHash>, Vec<String>)>,
    ) -> Vec<ApiResult<Outcome>> {
        let count = calls.len();
        let argvs: Vec<Vec<String>> = calls
            .into_iter()
            .map(|(now_ms, key, args)| argv(now_ms, key, args))
            .collect();
        match self.redis.eval_many(script, &argvs).await {
            Ok(replies) => replies
                .into_iter()
                .map(|reply| decode_outcome(reply?))
                .collect(),
            Err(err) => (0..count).map(|_| Err(err.clone().into())).collect(),
        }
    }
}

/// A script's ARGV: the clock and the caller's key hash ('' when anonymous), then its
/// own arguments.
fn argv(now_ms: i64, key: Option<&KeyHash>, args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut argv = vec![
        now_ms.to_string(),
        key.map(|k| k.as_str().to_string()).unwrap_or_default(),
    ];
    argv.extend(args);
    argv
}

/// Turns `{status, rate, payload}` into an [`Outcome`] or the refusal it reports.
fn decode_outcome(reply: Reply) -> ApiResult<Outcome> {
    let [status, rate, payload] = records::fields(reply)?;
    let rate = decode_rate(rate)?;
    let payload = payload.into_array()?;
    if status.into_string()? == "ok" {
        return Ok(Outcome { rate, payload });
    }
    let mut parts = payload
        .into_iter()
        .map(|p| p.into_string().unwrap_or_default());
    let code = parts.next().unwrap_or_default();
    let message = parts.next().unwrap_or_default();
    let field = parts.next().unwrap_or_default();
    let at = parts.next().unwrap_or_default();
    let refusal = match code.as_str() {
        "unauthorized" => ApiError::UnknownKey,
        "recovery_refused" => ApiError::RecoveryRefused(message),
        "forbidden" => ApiError::Forbidden(message),
        "not_found" => ApiError::NotFound(message),
        // The message slot carries the room id, the fourth its end (ms).
        "room_expired" => ApiError::room_expired(&message, at.parse().unwrap_or_default()),
        "name_taken" => ApiError::NameTaken(message),
        "duplicate_message" => ApiError::DuplicateMessage(message),
        "validation" => ApiError::Validation { field, message },
        "rate_limited" => {
            return Err(ApiError::RateLimited(rate.ok_or_else(|| {
                ApiError::Internal("rate refusal without status".into())
            })?))
        }
        other => ApiError::Internal(format!("script refused with unknown code {other:?}")),
    };
    Err(match rate {
        Some(status) => ApiError::Counted(Box::new(refusal), status),
        None => refusal,
    })
}

fn decode_rate(reply: Reply) -> ApiResult<Option<RateLimitStatus>> {
    let items = reply.into_array()?;
    if items.is_empty() {
        return Ok(None);
    }
    let n: Vec<i64> = items.iter().map(Reply::as_int).collect::<Result<_, _>>()?;
    match n[..] {
        [limit, remaining, reset_ms, window_ms] => Ok(Some(RateLimitStatus::from_parts(
            limit, remaining, reset_ms, window_ms,
        ))),
        _ => Err(StoreError::Decode("rate status needs 4 numbers".into()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Reply {
        Reply::Str(text.into())
    }

    #[test]
    fn accepted_outcomes_carry_payload_and_rate() {
        let reply = Reply::Array(vec![
            s("ok"),
            Reply::Array(vec![
                Reply::Int(5),
                Reply::Int(4),
                Reply::Int(1000),
                Reply::Int(60000),
            ]),
            Reply::Array(vec![s("x")]),
        ]);
        let outcome = decode_outcome(reply).unwrap();
        assert_eq!(outcome.rate.unwrap().remaining, 4);
        assert_eq!(outcome.payload, vec![s("x")]);
    }

    #[test]
    fn refusals_become_api_errors() {
        let refuse = |code: &str, field: &str| {
            decode_outcome(Reply::Array(vec![
                s("err"),
                Reply::Array(vec![]),
                Reply::Array(vec![s(code), s("why"), s(field)]),
            ]))
            .unwrap_err()
        };
        assert_eq!(refuse("forbidden", ""), ApiError::Forbidden("why".into()));
        assert_eq!(
            refuse("validation", "reply_to"),
            ApiError::invalid("reply_to", "why")
        );
        assert!(matches!(refuse("rate_limited", ""), ApiError::Internal(_)));
        assert!(matches!(refuse("bogus", ""), ApiError::Internal(_)));
    }

    #[test]
    fn malformed_outcomes_are_storage_errors() {
        let err = decode_outcome(Reply::Int(3)).unwrap_err();
        assert_eq!(err.code(), "storage_unavailable");
    }
}
