//! Storage: Upstash Redis over its REST API.
//!
//! - [`upstash`]: the HTTP client and the typed form of Redis replies.
//! - [`scripts`] and `lua/`: one Lua script per operation; `lua/prelude.lua` holds the
//!   whole key layout in one screen.
//! - [`records`]: decoding script output into the model's objects.
//!
//! [`Store::run`] is the single door: it adds the clock and the caller's key hash to a
//! script's arguments, runs it in one round trip and turns a refusal reported by the
//! script into an [`ApiError`].

pub mod records;
pub mod scripts;
pub mod upstash;

use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::RateLimitStatus;
use crate::time::now_ms;
use upstash::{Command, Reply, Script, StoreError, Upstash};

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::StorageUnavailable(err.to_string())
    }
}

/// What a script answered when it accepted the request.
#[derive(Debug)]
pub struct Outcome {
    /// Where the caller stands against the limit this script enforced, if any.
    pub rate: Option<RateLimitStatus>,
    /// The script's payload, positionally.
    pub payload: Vec<Reply>,
}

impl Outcome {
    /// The payload's fields, checked for count.
    pub fn fields<const N: usize>(self) -> ApiResult<[Reply; N]> {
        Ok(self.split()?.0)
    }

    /// The payload's fields and the rate-limit status.
    pub fn split<const N: usize>(self) -> ApiResult<([Reply; N], Option<RateLimitStatus>)> {
        Ok((records::fields(Reply::Array(self.payload))?, self.rate))
    }
}

/// The database, as the services see it.
#[derive(Debug, Clone)]
pub struct Store {
    redis: Upstash,
}

impl Store {
    pub fn new(redis: Upstash) -> Self {
        Store { redis }
    }

    /// Checks that Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self.redis.command(&Command::new("PING")).await? {
            Reply::Str(pong) if pong == "PONG" => Ok(()),
            other => Err(StoreError::Decode(format!("PING answered {other:?}"))),
        }
    }

    /// Runs `script` for the caller holding `key` (if any) with the time now.
    pub async fn run(
        &self,
        script: &Script,
        key: Option<&KeyHash>,
        args: impl IntoIterator<Item = String>,
    ) -> ApiResult<Outcome> {
        self.run_at(script, now_ms(), key, args).await
    }

    /// Like [`Store::run`] with an explicit clock.
    pub async fn run_at(
        &self,
        script: &Script,
        now_ms: i64,
        key: Option<&KeyHash>,
        args: impl IntoIterator<Item = String>,
    ) -> ApiResult<Outcome> {
        let mut argv = vec![
            now_ms.to_string(),
            key.map(|k| k.as_str().to_string()).unwrap_or_default(),
        ];
        argv.extend(args);
        let reply = self.redis.eval(script, &[], &argv).await?;
        decode_outcome(reply)
    }
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
    let refusal = match code.as_str() {
        "unauthorized" => ApiError::Unauthorized(message),
        "forbidden" => ApiError::Forbidden(message),
        "not_found" => ApiError::NotFound(message),
        "name_taken" => ApiError::NameTaken(message),
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
