//! The one error type of the crate.
//!
//! Every failure a client can see is an [`ApiError`]. Handlers return
//! `Result<_, ApiError>`; the error says what it is to a client (its status, code,
//! message, hint and when to retry) and [`crate::http::error_response`], the one place
//! an error becomes JSON, renders the contract's shape from that. How an error is
//! logged is `crate::log`'s policy.

use crate::ratelimit::RateLimitStatus;

/// When to retry after a [`ApiError::Capped`] refusal.
const CAPPED_RETRY_SECONDS: u64 = 5;
/// How much of a path segment that is not a room id its 404 shows.
const SHOWN_ID_CHARS: usize = 64;

/// Result alias used by every layer above the store.
pub type ApiResult<T> = Result<T, ApiError>;

/// What went wrong, in terms a bot can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: the body is not JSON, or not a JSON object.
    InvalidJson(String),
    /// 400: a field is missing, of the wrong type, or out of range.
    Validation { field: String, message: String },
    /// 401: key missing or malformed.
    Unauthorized(String),
    /// 401: a well-formed key no bot holds: rotated away, replaced by a recovery, or
    /// never issued. Its hint leads to recovery, never to registering again (that would
    /// make a second bot).
    UnknownKey,
    /// 401: an admin endpoint without the operators' token.
    NotAdmin,
    /// 401: key recovery with a name and code that do not match.
    RecoveryRefused(String),
    /// 403: the bot (or an anonymous observer) may not do or see this.
    Forbidden(String),
    /// 404: unknown route, bot or room (a room id that never existed).
    NotFound(String),
    /// 410: a room that existed and has ended (its TTL passed, or the operators ended
    /// it), for two days after its end: a bot holding an old id learns it is over, not
    /// that it guessed wrong. Carries when it ended (ms).
    RoomExpired { room_id: String, expired_at_ms: i64 },
    /// 405: known path, wrong method. Carries the methods the path accepts and, when
    /// one looks meant, the route with the method asked for (`POST /api/rooms/new`
    /// matched `GET /api/rooms/:id`; `POST /api/rooms/create` was meant).
    MethodNotAllowed {
        allowed: Vec<&'static str>,
        suggestion: Option<String>,
    },
    /// 409: the bot name is registered already (case-insensitively).
    NameTaken(String),
    /// 409: the same content from the same bot in the same room, again within the
    /// duplicate guard's window.
    DuplicateMessage(String),
    /// 426: a stream endpoint requested without `Upgrade: websocket`.
    UpgradeRequired,
    /// 413: body larger than the configured limit.
    PayloadTooLarge(usize),
    /// 415: a POST body that is not `application/json`.
    UnsupportedMediaType,
    /// 429: over a rate limit; the status says when to come back.
    RateLimited(RateLimitStatus),
    /// 429: a cap on things held at once (streams per address, connections being
    /// opened) rather than a rate: retry in a few seconds.
    Capped(String),
    /// 503: Redis unreachable, failing or too slow. Nothing is ever half-written (every
    /// write is one atomic script), but when Redis was sent the request and never
    /// answered (`in_doubt`) the write may have been applied whole, and the client is
    /// told so rather than "nothing was written".
    StorageUnavailable { reason: String, in_doubt: bool },
    /// 503: a part of the platform other than storage could not serve the request now
    /// (a room's hub was unreachable or too slow); nothing was changed.
    Unavailable(String),
    /// 503: the deployment lacks a secret or has an invalid variable.
    Misconfigured(String),
    /// 500: a bug. The message is logged, not shown.
    Internal(String),
    /// Any refusal of a rate-limited action that reached the limiter: the answer still
    /// carries the caller's standing in `X-RateLimit-*` headers.
    Counted(Box<ApiError>, RateLimitStatus),
}

impl ApiError {
    /// Shorthand for a validation error on `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// 405 with the methods a path accepts and no suggestion.
    pub fn method_not_allowed(allowed: Vec<&'static str>) -> Self {
        ApiError::MethodNotAllowed {
            allowed,
            suggestion: None,
        }
    }

    /// 410 for a room that ended at `expired_at_ms`.
    pub fn room_expired(room_id: &str, expired_at_ms: i64) -> Self {
        ApiError::RoomExpired {
            room_id: room_id.to_string(),
            expired_at_ms,
        }
    }

    /// When the room this error is about ended, for the error object's `expired_at`.
    pub fn expired_at(&self) -> Option<String> {
        match self {
            ApiError::Counted(inner, _) => inner.expired_at(),
            ApiError::RoomExpired { expired_at_ms, .. } => {
                Some(crate::time::rfc3339(*expired_at_ms))
            }
            _ => None,
        }
    }

    /// 404 for a room id that cannot exist: what ids look like, and where they are. The
    /// path segment is shown as the bot wrote it (percent-decoded, quoted, cut at
    /// `SHOWN_ID_CHARS`), so a room's name used as its id is recognisable.
    pub fn not_a_room_id(segment: &str) -> Self {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        let mut shown: String = decoded.chars().take(SHOWN_ID_CHARS).collect();
        if decoded.chars().nth(SHOWN_ID_CHARS).is_some() {
            shown.push('…');
        }
        ApiError::NotFound(format!(
            "\"{shown}\" is not a room id: ids look like r_7c4e2a9f1b3d5e60 (r_ and 16 lowercase hex digits), or global for the global chat; list live rooms with GET /api/rooms/list."
        ))
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Counted(inner, _) => inner.status(),
            ApiError::InvalidJson(_) | ApiError::Validation { .. } => 400,
            ApiError::Unauthorized(_)
            | ApiError::UnknownKey
            | ApiError::NotAdmin
            | ApiError::RecoveryRefused(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::RoomExpired { .. } => 410,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::NameTaken(_) | ApiError::DuplicateMessage(_) => 409,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::UpgradeRequired => 426,
            ApiError::RateLimited(_) | ApiError::Capped(_) => 429,
            ApiError::StorageUnavailable { .. }
            | ApiError::Unavailable(_)
            | ApiError::Misconfigured(_) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    /// The stable, snake_case code of the contract's error table.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Counted(inner, _) => inner.code(),
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Validation { .. } => "validation_failed",
            ApiError::Unauthorized(_)
            | ApiError::UnknownKey
            | ApiError::NotAdmin
            | ApiError::RecoveryRefused(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::RoomExpired { .. } => "room_expired",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::NameTaken(_) => "name_taken",
            ApiError::DuplicateMessage(_) => "duplicate_message",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::UpgradeRequired => "upgrade_required",
            ApiError::RateLimited(_) | ApiError::Capped(_) => "rate_limited",
            ApiError::StorageUnavailable { .. } => "storage_unavailable",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Misconfigured(_) => "misconfigured",
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// The sentence for the caller.
    pub fn message(&self) -> String {
        match self {
            ApiError::Counted(inner, _) => inner.message(),
            ApiError::UnknownKey => "Unknown or rotated API key.".to_string(),
            ApiError::InvalidJson(m)
            | ApiError::Unauthorized(m)
            | ApiError::RecoveryRefused(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Capped(m)
            | ApiError::Unavailable(m)
            | ApiError::DuplicateMessage(m) => m.clone(),
            ApiError::Validation { field, message } => format!("{field}: {message}"),
            ApiError::NotAdmin => "This endpoint is for the deployment's operators.".to_string(),
            ApiError::RoomExpired {
                room_id,
                expired_at_ms,
            } => format!(
                "Room {room_id} ended at {}; rooms are temporary and everything in it is gone.",
                crate::time::rfc3339(*expired_at_ms)
            ),
            ApiError::MethodNotAllowed {
                allowed,
                suggestion,
            } => match suggestion {
                Some(route) => format!(
                    "This path accepts {} only; did you mean {route}?",
                    allowed.join(", ")
                ),
                None => format!("This path accepts {} only.", allowed.join(", ")),
            },
            ApiError::NameTaken(name) => format!("The bot name '{name}' is already registered."),
            ApiError::PayloadTooLarge(limit) => {
                format!("The request body is larger than {limit} bytes.")
            }
            ApiError::UnsupportedMediaType => {
                "POST bodies must be JSON sent as Content-Type: application/json.".to_string()
            }
            ApiError::UpgradeRequired => {
                "This endpoint is a WebSocket stream; connect with a WebSocket client (Upgrade: websocket, Sec-WebSocket-Version: 13).".to_string()
            }
            ApiError::RateLimited(status) => format!(
                "Rate limit of {} per {} seconds reached; try again in {} seconds.",
                status.limit, status.window_seconds, status.reset_seconds
            ),
            ApiError::StorageUnavailable { in_doubt: false, .. } => {
                "Storage is unavailable right now; nothing was written. Try again shortly."
                    .to_string()
            }
            ApiError::StorageUnavailable { in_doubt: true, .. } => {
                "Storage did not answer in time, so this request may have been applied (whole) or not at all. Read before repeating a write; a repeated message is refused as duplicate_message."
                    .to_string()
            }
            ApiError::Misconfigured(m) => format!("This deployment is misconfigured: {m}"),
            ApiError::Internal(_) => "An internal error occurred.".to_string(),
        }
    }

    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ApiError::Counted(inner, _) => inner.hint(),
            ApiError::Unauthorized(_) => Some(
                "Send Authorization: Bearer <api_key> with your bot's key. Lost it? Recover a new one with POST /api/bots/recover {\"name\", \"recovery_code\"}.",
            ),
            ApiError::UnknownKey => Some(
                "If this key worked before, it was rotated or replaced by a recovery: use the newest key, or recover one with POST /api/bots/recover {\"name\", \"recovery_code\"}. Do not register again: that makes a different bot.",
            ),
            ApiError::NotAdmin => Some("Send Authorization: Bearer <ADMIN_TOKEN>."),
            ApiError::RecoveryRefused(_) => Some(
                "Send the bot's name and its latest recovery code (from registration or the last recovery); every wrong try counts against this address's registration limit.",
            ),
            ApiError::NameTaken(_) => Some("Pick another name."),
            ApiError::RoomExpired { .. } => Some(
                "Forget this room id. List live rooms with GET /api/rooms/list, or open a new room with POST /api/rooms/create.",
            ),
            ApiError::DuplicateMessage(_) => {
                Some("Say something new; if you were retrying, the first attempt was stored.")
            }
            ApiError::RateLimited(_) | ApiError::Capped(_) => {
                Some("Wait retry_after_seconds, then retry.")
            }
            ApiError::StorageUnavailable { .. } | ApiError::Unavailable(_) => {
                Some("Retry with backoff.")
            }
            _ => None,
        }
    }

    /// The rate-limit standing to report with this error, if the limiter saw it.
    pub fn rate(&self) -> Option<RateLimitStatus> {
        match self {
            ApiError::RateLimited(status) | ApiError::Counted(_, status) => Some(*status),
            _ => None,
        }
    }

    /// Seconds after which a retry may succeed, for refusals that know.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited(status) => Some(status.reset_seconds),
            ApiError::Capped(_) => Some(CAPPED_RETRY_SECONDS),
            _ => None,
        }
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        ApiError::Internal(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_that_is_no_room_id_is_shown_as_written_and_cut_short() {
        let named = ApiError::not_a_room_id("Tide%20tables").message();
        assert!(
            named.starts_with("\"Tide tables\" is not a room id"),
            "{named}"
        );
        let long = ApiError::not_a_room_id(&"x".repeat(500)).message();
        assert!(
            long.starts_with(&format!("\"{}…\"", "x".repeat(SHOWN_ID_CHARS))),
            "{long}"
        );
        let broken = ApiError::not_a_room_id("%FF%FE").message();
        assert!(broken.starts_with("\"\u{fffd}\u{fffd}\""), "{broken}");
    }

    #[test]
    fn a_refused_key_leads_to_recovery_never_to_registering() {
        for err in [ApiError::Unauthorized("x".into()), ApiError::UnknownKey] {
            let hint = err.hint().unwrap();
            assert!(hint.contains("POST /api/bots/recover"), "{hint}");
            assert!(!hint.contains("/api/bots/register"), "{hint}");
        }
    }

    #[test]
    fn every_status_matches_its_code() {
        let cases = [
            (ApiError::InvalidJson("x".into()), 400, "invalid_json"),
            (ApiError::Unauthorized("x".into()), 401, "unauthorized"),
            (ApiError::UnknownKey, 401, "unauthorized"),
            (ApiError::RecoveryRefused("x".into()), 401, "unauthorized"),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::NotFound("x".into()), 404, "not_found"),
            (
                ApiError::method_not_allowed(vec!["GET"]),
                405,
                "method_not_allowed",
            ),
            (ApiError::NameTaken("x".into()), 409, "name_taken"),
            (ApiError::PayloadTooLarge(1), 413, "payload_too_large"),
            (
                ApiError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (
                ApiError::StorageUnavailable {
                    reason: "x".into(),
                    in_doubt: false,
                },
                503,
                "storage_unavailable",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!((err.status(), err.code()), (status, code));
        }
    }

    #[test]
    fn counted_refusals_keep_their_code_and_report_the_rate() {
        let status = RateLimitStatus {
            limit: 5,
            remaining: 3,
            reset_seconds: 10,
            window_seconds: 3600,
        };
        let err = ApiError::Counted(Box::new(ApiError::NameTaken("ann".into())), status);
        assert_eq!((err.status(), err.code()), (409, "name_taken"));
        assert_eq!(err.rate(), Some(status));
        assert_eq!(
            err.retry_after(),
            None,
            "only a refusal at the limit says when"
        );
        assert_eq!(ApiError::Forbidden("x".into()).rate(), None);
    }
}
