//! Log lines for operators: one JSON object per event (`{"event", "level", …fields}`),
//! so Workers Logs (`[observability]` in wrangler.toml) indexes every field and an
//! operator finds what happened with a query like `event = "storage_unavailable"`.
//!
//! The events: `storage_unavailable`, `hub_unavailable`, `misconfigured`,
//! `internal_error`, `rate_limited`, `capped` (from [`api_error`]), `admin_action`,
//! `room_ended` (a hub emptied by expiry or an operator) and `hub_call_failed`. Lines
//! carry ids, bot names, counts and reasons; never a key, a token, an address or the
//! content of a message.

use serde_json::{json, Map, Value};

use crate::error::ApiError;

/// How much an event matters; it picks the console method, which Workers Logs records
/// as the line's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// The line of one event. `fields` is a JSON object; its members follow `event` and
/// `level`, which lead every line so a reader of the raw log sees them first.
pub fn line(level: Level, event: &str, fields: Value) -> String {
    let mut fields = match fields {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    fields.remove("event");
    fields.remove("level");
    let head = format!(
        "{{\"event\":{},\"level\":\"{}\"",
        Value::from(event),
        level.name()
    );
    if fields.is_empty() {
        return head + "}";
    }
    let rest = Value::Object(fields).to_string();
    format!("{head},{}", &rest[1..])
}

/// Writes one event to the Worker's log.
pub fn event(level: Level, event: &str, fields: Value) {
    let text = line(level, event, fields);
    match level {
        Level::Info => worker::console_log!("{text}"),
        Level::Warn => worker::console_warn!("{text}"),
        Level::Error => worker::console_error!("{text}"),
    }
}

/// The event an error is to operators; `None` for ordinary client errors (a bad field,
/// an unknown room), which are the client's to fix and no operator's concern.
fn operator_event(err: &ApiError) -> Option<(Level, &'static str, Value)> {
    let event = match err {
        ApiError::Counted(inner, _) => return operator_event(inner),
        ApiError::StorageUnavailable { reason, .. } => (
            Level::Error,
            "storage_unavailable",
            json!({ "reason": reason }),
        ),
        ApiError::Unavailable(reason) => {
            (Level::Warn, "hub_unavailable", json!({ "reason": reason }))
        }
        ApiError::Misconfigured(reason) => {
            (Level::Error, "misconfigured", json!({ "reason": reason }))
        }
        ApiError::Internal(reason) => (Level::Error, "internal_error", json!({ "reason": reason })),
        ApiError::RateLimited(status) => (
            Level::Warn,
            "rate_limited",
            json!({
                "limit": status.limit,
                "window_seconds": status.window_seconds,
                "retry_after_seconds": status.reset_seconds,
            }),
        ),
        ApiError::Capped(reason) => (Level::Warn, "capped", json!({ "reason": reason })),
        _ => return None,
    };
    Some(event)
}

/// Logs an error as the event it is to operators; ordinary client errors are not
/// events.
pub fn api_error(err: &ApiError) {
    if let Some((level, name, fields)) = operator_event(err) {
        event(level, name, fields);
    }
}

/// Logs a call to a hub that failed after the answer's fate was settled (the change is
/// stored; only its live effect was lost).
pub fn hub_call_failed(what: &str, room_or_bot: &str, err: &impl std::fmt::Debug) {
    event(
        Level::Error,
        "hub_call_failed",
        serde_json::json!({ "what": what, "target": room_or_bot, "reason": format!("{err:?}") }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_json_object_led_by_its_event() {
        let text = line(
            Level::Info,
            "admin_action",
            json!({ "action": "ban", "bot": "a\nb" }),
        );
        assert!(
            text.starts_with(r#"{"event":"admin_action","level":"info","#),
            "{text}"
        );
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["action"], "ban");
        assert!(!text.contains('\n'));
        assert_eq!(
            line(Level::Warn, "x", json!({})),
            r#"{"event":"x","level":"warn"}"#
        );
    }

    #[test]
    fn events_are_operator_problems_not_client_mistakes() {
        assert!(operator_event(&ApiError::invalid("content", "must not be empty")).is_none());
        assert!(operator_event(&ApiError::NotFound("room".into())).is_none());
        let (level, name, fields) = operator_event(&ApiError::StorageUnavailable {
            reason: "timed out".into(),
            in_doubt: true,
        })
        .unwrap();
        assert_eq!((level, name), (Level::Error, "storage_unavailable"));
        assert_eq!(fields["reason"], "timed out");
    }
}
