//! The `standard` format: Standard Webhooks (standardwebhooks.com), so a receiver can
//! verify deliveries with any of that specification's libraries. The secret is
//! `whsec_` + base64 of 32 random bytes; each delivery carries `webhook-id` (stable
//! across retries of one item), `webhook-timestamp` (Unix seconds, per attempt) and
//! `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over `"{id}.{timestamp}.{body}"`
//! keyed with the secret's decoded bytes.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};
use crate::model::InboxItem;

const PREFIX: &str = "whsec_";

/// A new secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("getrandom: {e}")))?;
    Ok(format!("{PREFIX}{}", BASE64.encode(bytes)))
}

/// `v1,<signature>` of one delivery.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> ApiResult<String> {
    let key = BASE64
        .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
        .map_err(|e| ApiError::Internal(format!("webhook secret: {e}")))?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key)
        .map_err(|e| ApiError::Internal(format!("webhook secret: {e}")))?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// The body of a delivery: `{"type", "timestamp", "data"}` — `inbox.<kind>` with the
/// item, or `ping` with `{}`.
pub fn body(item: Option<&InboxItem>, timestamp: &str) -> String {
    let (kind, data) = match item {
        Some(item) => (
            format!("inbox.{}", super::event_of(item.kind)),
            serde_json::to_value(item).unwrap_or(Value::Null),
        ),
        None => ("ping".to_string(), json!({})),
    };
    json!({ "type": kind, "timestamp": timestamp, "data": data }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's own test vector.
    #[test]
    fn signs_as_the_specification_does() {
        let signed = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_32_random_bytes() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        let bytes = BASE64.decode(a.strip_prefix(PREFIX).unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
    }

    #[test]
    fn a_ping_has_empty_data() {
        let body: Value = serde_json::from_str(&body(None, "2026-01-01T00:00:00.000Z")).unwrap();
        assert_eq!(
            body,
            json!({ "type": "ping", "timestamp": "2026-01-01T00:00:00.000Z", "data": {} })
        );
    }
}
