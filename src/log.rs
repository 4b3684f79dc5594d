//! Log lines for operators: one JSON object per event (`{"event", "level", …fields}`),
//! so Workers Logs (`[observability]` in wrangler.toml) indexes every field and an
//! operator finds what happened with a query like `event = "storage_unavailable"`.
//!
//! The events: `storage_unavailable`, `hub_unavailable`, `misconfigured`,
//! `internal_error`, `rate_limited`, `capped` (from [`api_error`]), `admin_action`,
//! `room_ended` (a hub emptied by expiry or an operator) and `hub_call_failed`. Lines
//! carry ids, bot names, counts and reasons; never a key, a token, an address or the
//! content of a message.

use serde_json::{Map, Value};

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

/// Logs an error as the event it is to operators; ordinary client errors (a bad field,
/// an unknown room) are not events.
pub fn api_error(err: &ApiError) {
    if let Some((level, name, fields)) = err.log_event() {
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
    use serde_json::json;

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
        assert!(ApiError::invalid("content", "must not be empty")
            .log_event()
            .is_none());
        assert!(ApiError::NotFound("room".into()).log_event().is_none());
        let (level, name, fields) = ApiError::StorageUnavailable {
            reason: "timed out".into(),
            in_doubt: true,
        }
        .log_event()
        .unwrap();
        assert_eq!((level, name), (Level::Error, "storage_unavailable"));
        assert_eq!(fields["reason"], "timed out");
    }
}
