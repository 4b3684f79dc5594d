//! Deployment configuration: the tunables of the contract, read from wrangler `[vars]`
//! (every value a string), with the contract's defaults when a var is absent. A var that
//! is present but malformed makes requests fail with `503 misconfigured` naming it,
//! rather than silently running with a default the operator did not choose.
//!
//! A Worker's vars are fixed for the life of its isolate (a new version or a restarted
//! runtime is a new isolate), so they are parsed once per isolate: a room hub checks a
//! post over its socket against them, and reading the 27 of them from the runtime for
//! every post cost it a few per cent of its time.

use std::cell::OnceCell;

use serde::Serialize;
use worker::Env;

use crate::error::{ApiError, ApiResult};
use crate::ratelimit::RateLimit;

thread_local! {
    /// This isolate's configuration, once read.
    static PARSED: OnceCell<Config> = const { OnceCell::new() };
}

/// Every tunable, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub max_body_bytes: usize,
    pub room_ttl_default: u64,
    pub room_ttl_min: u64,
    pub room_ttl_max: u64,
    pub max_rooms_per_bot: u64,
    pub global_history: u64,
    pub room_history: u64,
    pub rate_register: RateLimit,
    pub rate_messages: RateLimit,
    pub rate_rooms: RateLimit,
    pub rate_invites: RateLimit,
    /// Reads without a key, per client address.
    pub rate_reads: RateLimit,
    /// Reports per bot.
    pub rate_reports: RateLimit,
    /// Reactions added or taken back, per bot.
    pub rate_reactions: RateLimit,
    /// How long after posting its author may edit a message.
    pub edit_window_seconds: u64,
    /// How long the same content from the same bot in the same room is refused.
    pub duplicate_window_seconds: u64,
    /// Open streams of one room from one client address.
    pub stream_sockets_per_client: u64,
    /// Streams of one room being opened at once from one client address.
    pub stream_connects_per_client: u64,
    /// How long anonymous public reads are answered from the edge cache (0: never).
    pub edge_cache_seconds: u64,
    /// Inbox items kept per bot (the newest).
    pub inbox_cap: u64,
    /// Bots one bot may block.
    pub max_blocks: u64,
    /// Most messages replayed to one connecting stream (`?after=`); older ones are
    /// paged over REST.
    pub stream_replay_limit: u64,
    /// The public origin for documents (`https://chat.example.com`); the request's own
    /// origin when unset.
    pub public_base_url: Option<String>,
    /// `WEBHOOK_ALLOW_LOCAL=1`: webhooks may use `http://` and local hosts (local
    /// stacks and tests only).
    pub webhook_allow_local: bool,
    /// The first retry delay of a failed webhook delivery; the whole schedule scales
    /// with it (`webhooks::queue`).
    pub webhook_retry_base_ms: u64,
    /// Consecutive failed deliveries after which a webhook is disabled.
    pub webhook_max_failures: u32,
}

/// What `GET /api/limits` tells a bot: every limit, cap and bound it can meet.
#[derive(Debug, Serialize)]
pub struct Limits {
    pub rate_limits: RateLimits,
    pub rooms: RoomLimits,
    pub messages: MessageLimits,
    pub streams: StreamLimits,
    pub inbox: InboxLimits,
    pub max_body_bytes: usize,
    /// How long anonymous public reads may be served from the edge cache.
    pub edge_cache_seconds: u64,
}

#[derive(Debug, Serialize)]
pub struct RateLimits {
    /// Per client address.
    pub register: RateLimit,
    /// Per bot.
    pub messages: RateLimit,
    pub rooms: RateLimit,
    /// Per bot; invites made when creating a room count too.
    pub invites: RateLimit,
    pub reports: RateLimit,
    /// Per bot; taking a reaction back counts too.
    pub reactions: RateLimit,
    /// Reads without a key, per client address.
    pub anonymous_reads: RateLimit,
}

#[derive(Debug, Serialize)]
pub struct RoomLimits {
    pub ttl_seconds_min: u64,
    pub ttl_seconds_default: u64,
    pub ttl_seconds_max: u64,
    /// Live rooms one bot may own at once.
    pub max_owned_per_bot: u64,
    pub max_invites_at_creation: usize,
    pub max_name_chars: usize,
    pub max_description_chars: usize,
    /// Messages kept: the newest of the global room and of any other room.
    pub global_history: u64,
    pub room_history: u64,
}

#[derive(Debug, Serialize)]
pub struct MessageLimits {
    pub max_content_chars: usize,
    /// The same content from the same bot in the same room within this is a duplicate.
    pub duplicate_window_seconds: u64,
    /// How long after posting its author may edit a message.
    pub edit_window_seconds: u64,
    /// Distinct emoji one message carries at most.
    pub max_reactions_per_message: u64,
    /// One `typing` frame per bot and room per this many seconds; more are dropped.
    pub typing_interval_seconds: u64,
}

#[derive(Debug, Serialize)]
pub struct StreamLimits {
    /// Open streams of one room per client address.
    pub sockets_per_client: u64,
    /// Streams of one room being opened at once per client address.
    pub connects_per_client: u64,
    /// Most messages replayed to a connecting stream.
    pub replay_limit: u64,
    /// At most one `presence` frame per room per this many seconds.
    pub presence_interval_seconds: u64,
}

#[derive(Debug, Serialize)]
pub struct InboxLimits {
    /// Items kept per bot (the newest).
    pub cap: u64,
    pub max_blocks: u64,
}

impl Config {
    /// The limits a bot can meet, as `GET /api/limits` shows them.
    pub fn limits(&self) -> Limits {
        use crate::validate::{
            MAX_CONTENT_CHARS, MAX_DESCRIPTION_CHARS, MAX_INVITES, MAX_ROOM_NAME_CHARS,
        };
        Limits {
            rate_limits: RateLimits {
                register: self.rate_register,
                messages: self.rate_messages,
                rooms: self.rate_rooms,
                invites: self.rate_invites,
                reports: self.rate_reports,
                reactions: self.rate_reactions,
                anonymous_reads: self.rate_reads,
            },
            rooms: RoomLimits {
                ttl_seconds_min: self.room_ttl_min,
                ttl_seconds_default: self.room_ttl_default,
                ttl_seconds_max: self.room_ttl_max,
                max_owned_per_bot: self.max_rooms_per_bot,
                max_invites_at_creation: MAX_INVITES,
                max_name_chars: MAX_ROOM_NAME_CHARS,
                max_description_chars: MAX_DESCRIPTION_CHARS,
                global_history: self.global_history,
                room_history: self.room_history,
            },
            messages: MessageLimits {
                max_content_chars: MAX_CONTENT_CHARS,
                duplicate_window_seconds: self.duplicate_window_seconds,
                edit_window_seconds: self.edit_window_seconds,
                max_reactions_per_message: crate::store::conversation::MAX_REACTIONS,
                typing_interval_seconds: crate::live::protocol::TYPING_INTERVAL_MS / 1000,
            },
            streams: StreamLimits {
                sockets_per_client: self.stream_sockets_per_client,
                connects_per_client: self.stream_connects_per_client,
                replay_limit: self.stream_replay_limit,
                presence_interval_seconds: crate::live::protocol::PRESENCE_INTERVAL_MS / 1000,
            },
            inbox: InboxLimits {
                cap: self.inbox_cap,
                max_blocks: self.max_blocks,
            },
            max_body_bytes: self.max_body_bytes,
            edge_cache_seconds: self.edge_cache_seconds,
        }
    }

    /// Reads the configuration through `lookup` (a var name → its value, if set).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ApiResult<Self> {
        let number = |name: &str, default: u64, min: u64, max: u64| -> ApiResult<u64> {
            match lookup(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| bad_var(name, &format!("an integer in {min}..={max}"))),
            }
        };
        let rate = |name: &str, limit: u64, window_seconds: u64| -> ApiResult<RateLimit> {
            match lookup(name) {
                None => Ok(RateLimit {
                    limit,
                    window_seconds,
                }),
                Some(text) => parse_rate(&text).ok_or_else(|| {
                    bad_var(
                        name,
                        "'<count>/<seconds>' with both at least 1, e.g. '5/3600'",
                    )
                }),
            }
        };
        let config = Config {
            max_body_bytes: number("MAX_BODY_BYTES", 16 * 1024, 1024, 1 << 20)? as usize,
            room_ttl_default: number("ROOM_TTL_DEFAULT_SECONDS", 600, 1, 604_800)?,
            room_ttl_min: number("ROOM_TTL_MIN_SECONDS", 60, 1, 604_800)?,
            room_ttl_max: number("ROOM_TTL_MAX_SECONDS", 604_800, 1, 31_536_000)?,
            max_rooms_per_bot: number("MAX_ROOMS_PER_BOT", 10, 1, 10_000)?,
            global_history: number("GLOBAL_HISTORY", 10_000, 1, 1_000_000)?,
            room_history: number("ROOM_HISTORY", 2_000, 1, 1_000_000)?,
            rate_register: rate("RATE_LIMIT_REGISTER", 5, 3600)?,
            rate_messages: rate("RATE_LIMIT_MESSAGES", 30, 60)?,
            rate_rooms: rate("RATE_LIMIT_ROOMS", 10, 3600)?,
            rate_invites: rate("RATE_LIMIT_INVITES", 60, 3600)?,
            rate_reads: rate("RATE_LIMIT_READS", 300, 60)?,
            rate_reports: rate("RATE_LIMIT_REPORTS", 20, 3600)?,
            rate_reactions: rate("RATE_LIMIT_REACTIONS", 120, 60)?,
            edit_window_seconds: number("EDIT_WINDOW_SECONDS", 900, 1, 86_400)?,
            duplicate_window_seconds: number("DUPLICATE_WINDOW_SECONDS", 600, 1, 86_400)?,
            stream_sockets_per_client: number("STREAM_SOCKETS_PER_CLIENT", 20, 1, 1_000_000)?,
            stream_connects_per_client: number("STREAM_CONNECTS_PER_CLIENT", 4, 1, 1_000_000)?,
            stream_replay_limit: number("STREAM_REPLAY_LIMIT", 500, 1, 10_000)?,
            inbox_cap: number("INBOX_CAP", 500, 1, 100_000)?,
            edge_cache_seconds: number("EDGE_CACHE_SECONDS", 2, 0, 3600)?,
            max_blocks: number("MAX_BLOCKS", 1_000, 1, 100_000)?,
            webhook_allow_local: lookup("WEBHOOK_ALLOW_LOCAL").is_some_and(|v| v.trim() == "1"),
            webhook_retry_base_ms: number("WEBHOOK_RETRY_BASE_MS", 5_000, 10, 3_600_000)?,
            webhook_max_failures: number("WEBHOOK_MAX_FAILURES", 50, 1, 10_000)? as u32,
            public_base_url: lookup("PUBLIC_BASE_URL")
                .map(|url| url.trim().trim_end_matches('/').to_string())
                .filter(|url| !url.is_empty()),
        };
        if !(config.room_ttl_min..=config.room_ttl_max).contains(&config.room_ttl_default) {
            return Err(bad_var(
                "ROOM_TTL_DEFAULT_SECONDS",
                "between ROOM_TTL_MIN_SECONDS and ROOM_TTL_MAX_SECONDS",
            ));
        }
        Ok(config)
    }

    /// The configuration of a Worker's vars: read once per isolate (see above). A
    /// malformed var is not remembered: each request reports it.
    pub fn from_env(env: &Env) -> ApiResult<Self> {
        if let Some(config) = PARSED.with(|parsed| parsed.get().cloned()) {
            return Ok(config);
        }
        let config = Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()))?;
        PARSED.with(|parsed| {
            let _ = parsed.set(config.clone());
        });
        Ok(config)
    }

    /// The history cap of a room.
    pub fn history_cap(&self, room_id: &str) -> u64 {
        if room_id == crate::model::GLOBAL_ROOM {
            self.global_history
        } else {
            self.room_history
        }
    }
}

/// A secret (or, in local development, a var of the same name). Secrets are read
/// through this one function, so a missing one is reported the same way everywhere.
/// A value that breaks [`secret_problem`]'s rules is refused like a missing one, so a
/// first deploy with a placeholder fails loudly instead of running weakly.
pub fn secret(env: &Env, name: &str) -> ApiResult<String> {
    optional_secret(env, name)?.ok_or_else(|| {
        ApiError::Misconfigured(format!(
            "the secret {name} is not set (wrangler secret put {name})."
        ))
    })
}

/// A secret that may be left unset (`ADMIN_TOKEN`): `None` then, but an error when it
/// is set to a value that breaks the rules.
pub fn optional_secret(env: &Env, name: &str) -> ApiResult<Option<String>> {
    let value = env
        .secret(name)
        .or_else(|_| env.var(name))
        .map(|v| v.to_string())
        .ok()
        .filter(|v| !v.is_empty());
    match value.as_deref().and_then(|v| secret_problem(name, v)) {
        Some(problem) => Err(ApiError::Misconfigured(format!(
            "{problem} (wrangler secret put {name})."
        ))),
        None => Ok(value),
    }
}

/// The shortest key secret and admin token accepted: 32 characters, the length of
/// `openssl rand -hex 16`; `openssl rand -hex 32` is what the README suggests.
pub const MIN_SECRET_CHARS: usize = 32;

/// What is wrong with a secret's value, if anything. The same rules are checked before
/// a deploy by `scripts/deploy.mjs`. Messages never quote the value.
pub fn secret_problem(name: &str, value: &str) -> Option<String> {
    match name {
        "UPSTASH_REDIS_REST_URL" if !storage_url_ok(value) => Some(format!(
            "{name} must be the https:// REST URL of the database (http:// only on this machine)"
        )),
        "API_KEY_SECRET" | "ADMIN_TOKEN" if value.chars().count() < MIN_SECRET_CHARS => Some(
            format!("{name} is shorter than {MIN_SECRET_CHARS} characters (make one with `openssl rand -hex 32`)"),
        ),
        _ => None,
    }
}

/// https anywhere; plain http only to this machine (the local stack's gateway): the
/// token travels in every request.
fn storage_url_ok(url: &str) -> bool {
    if let Some(rest) = url.strip_prefix("https://") {
        return !rest.is_empty();
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.parse::<u16>().is_ok() => name,
        _ => host,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

fn parse_rate(text: &str) -> Option<RateLimit> {
    let (limit, window) = text.trim().split_once('/')?;
    let limit = limit.trim().parse().ok().filter(|n| *n >= 1)?;
    let window_seconds = window.trim().parse().ok().filter(|n| *n >= 1)?;
    Some(RateLimit {
        limit,
        window_seconds,
    })
}

fn bad_var(name: &str, expected: &str) -> ApiError {
    ApiError::Misconfigured(format!("the variable {name} must be {expected}."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> ApiResult<Config> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn secrets_that_would_run_weakly_are_refused() {
        for url in [
            "https://eu1-example.upstash.io",
            "http://127.0.0.1:8079",
            "http://localhost:8079/",
            "http://[::1]:8079",
        ] {
            assert_eq!(secret_problem("UPSTASH_REDIS_REST_URL", url), None, "{url}");
        }
        for url in [
            "http://eu1-example.upstash.io",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com:80",
            "eu1-example.upstash.io",
            "https://",
            "redis://127.0.0.1:6379",
        ] {
            assert!(
                secret_problem("UPSTASH_REDIS_REST_URL", url).is_some(),
                "{url}"
            );
        }
        let short = "a".repeat(MIN_SECRET_CHARS - 1);
        for name in ["API_KEY_SECRET", "ADMIN_TOKEN"] {
            let problem = secret_problem(name, &short).unwrap();
            assert!(
                problem.contains(name) && !problem.contains(&short),
                "{problem}"
            );
            assert_eq!(secret_problem(name, &"a".repeat(MIN_SECRET_CHARS)), None);
        }
        assert_eq!(secret_problem("UPSTASH_REDIS_REST_TOKEN", "t"), None);
    }

    /// wrangler.toml's `[vars]` are what production runs with; environments (staging)
    /// inherit none of them and run on the code's defaults. Both must say the same, and
    /// every variable the code reads must be listed there for deployers to find.
    #[test]
    fn wrangler_toml_vars_are_the_code_defaults() {
        let toml = include_str!("../wrangler.toml");
        let section = toml
            .split("\n[")
            .find(|s| s.starts_with("vars]"))
            .expect("wrangler.toml has [vars]");
        let vars: Vec<(String, String)> = section
            .lines()
            .filter_map(|line| line.split_once(" = "))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect();
        let listed: HashMap<String, String> = vars.iter().cloned().collect();
        assert_eq!(Config::from_lookup(|n| listed.get(n).cloned()), config(&[]));
        let read = std::cell::RefCell::new(Vec::new());
        let _ = Config::from_lookup(|name| {
            read.borrow_mut().push(name.to_string());
            None
        });
        for name in read.into_inner() {
            assert!(
                listed.contains_key(&name),
                "{name} is missing from wrangler.toml [vars]"
            );
        }
    }

    #[test]
    fn defaults_are_the_contract_defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.max_body_bytes, 16384);
        assert_eq!(
            (c.room_ttl_min, c.room_ttl_default, c.room_ttl_max),
            (60, 600, 604_800)
        );
        assert_eq!(c.max_rooms_per_bot, 10);
        assert_eq!((c.global_history, c.room_history), (10_000, 2_000));
        assert_eq!(
            c.rate_register,
            RateLimit {
                limit: 5,
                window_seconds: 3600
            }
        );
        assert_eq!(c.history_cap("global"), 10_000);
        assert_eq!(c.history_cap("r_0123456789abcdef"), 2_000);
    }

    #[test]
    fn vars_override_defaults() {
        let c = config(&[
            ("ROOM_TTL_MIN_SECONDS", "2"),
            ("RATE_LIMIT_MESSAGES", " 100 / 10 "),
            ("PUBLIC_BASE_URL", "https://chat.example.com/"),
        ])
        .unwrap();
        assert_eq!(c.room_ttl_min, 2);
        assert_eq!(
            c.rate_messages,
            RateLimit {
                limit: 100,
                window_seconds: 10
            }
        );
        assert_eq!(
            c.public_base_url.as_deref(),
            Some("https://chat.example.com")
        );
    }

    #[test]
    fn malformed_vars_are_named() {
        for (name, value) in [
            ("MAX_BODY_BYTES", "lots"),
            ("RATE_LIMIT_ROOMS", "10"),
            ("RATE_LIMIT_ROOMS", "0/60"),
            ("ROOM_TTL_DEFAULT_SECONDS", "30"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert_eq!(err.code(), "misconfigured");
            assert!(err.message().contains(name), "{name}");
        }
    }
}
