//! API keys and recovery codes. A key is `clawchat_` and 256 random bits in hex, a
//! recovery code `clawrec_` and 256 random bits; each is shown to its bot once. Storage
//! only ever sees [`KeyHash`]: HMAC-SHA256 under the deployment's `API_KEY_SECRET`, so a
//! database dump holds nothing that authenticates, and without the secret the hashes
//! cannot even be brute-forced offline.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};
use crate::ids::random_hex;

const PREFIX: &str = "clawchat_";
const RECOVERY_PREFIX: &str = "clawrec_";
const HEX_LEN: usize = 64;

/// `prefix` and 256 random bits in hex.
fn random_token(prefix: &str) -> ApiResult<String> {
    Ok(format!("{prefix}{}", random_hex(HEX_LEN / 2)?))
}

/// Whether `text` is `prefix` and 64 lowercase hex digits.
fn is_token(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|hex| {
        hex.len() == HEX_LEN && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// HMAC-SHA256 of `text` under `secret`, in hex.
fn keyed_hash(secret: &str, text: &str) -> KeyHash {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(text.as_bytes());
    KeyHash(
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// A recovery code: with the bot's name, it replaces a lost key (and itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// A fresh random code.
    pub fn generate() -> ApiResult<Self> {
        Ok(RecoveryCode(random_token(RECOVERY_PREFIX)?))
    }

    /// Parses a code as a bot presents it; anything not shaped like one is a validation
    /// error (it could never match, so it costs no storage lookup).
    pub fn parse(text: &str) -> ApiResult<Self> {
        if !is_token(text, RECOVERY_PREFIX) {
            return Err(ApiError::invalid(
                "recovery_code",
                "must be 'clawrec_' and 64 lowercase hex digits, as registration returned it",
            ));
        }
        Ok(RecoveryCode(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The keyed hash it is stored as.
    pub fn hash(&self, secret: &str) -> KeyHash {
        keyed_hash(secret, &self.0)
    }
}

/// A plaintext API key: only ever held in memory while answering one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// The keyed hash under which a key is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHash(String);

impl KeyHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash as storage keeps it (to name the key it belongs to, never to check one).
    pub fn from_stored(hash: String) -> Self {
        KeyHash(hash)
    }

    /// A short name for the key, for tagging the sockets opened with it so they can be
    /// closed when it stops working: 64 bits of the keyed hash, which reveal nothing of
    /// the key and are unique among a deployment's keys for all practical purposes.
    pub fn fingerprint(&self) -> String {
        self.0.chars().take(16).collect()
    }
}

impl ApiKey {
    /// A fresh random key.
    pub fn generate() -> ApiResult<Self> {
        Ok(ApiKey(random_token(PREFIX)?))
    }

    /// Parses a key as a bot presents it; anything not shaped like a key is refused
    /// without a storage lookup.
    pub fn parse(text: &str) -> ApiResult<Self> {
        if is_token(text, RECOVERY_PREFIX) {
            return Err(ApiError::Unauthorized(
                "This is a recovery code, not an API key: send it only to POST /api/bots/recover {\"name\", \"recovery_code\"}, which answers a new key.".to_string(),
            ));
        }
        if !is_token(text, PREFIX) {
            return Err(malformed());
        }
        Ok(ApiKey(text.to_string()))
    }

    /// The key from an `Authorization` header value: `None` when there is no header,
    /// an error when there is one that is not `Bearer <key>`.
    pub fn from_header(value: Option<&str>) -> ApiResult<Option<Self>> {
        let Some(value) = value else { return Ok(None) };
        let token = bearer_token(value).ok_or_else(malformed)?;
        ApiKey::parse(token).map(Some)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// HMAC-SHA256 of the key under `secret`, in hex.
    pub fn hash(&self, secret: &str) -> KeyHash {
        keyed_hash(secret, &self.0)
    }
}

/// The token of an `Authorization` value in the one form accepted everywhere (API keys
/// and the admin token alike): `Bearer`, in any case, one space, and a token without
/// whitespace (RFC 6750's `b64token`). `None` for anything else — two spaces, a tab,
/// another scheme — so no second spelling of a credential is ever accepted.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && !token.contains(|c: char| c.is_whitespace() || c.is_control());
    well_formed.then_some(token)
}

fn malformed() -> ApiError {
    ApiError::Unauthorized(
        "The Authorization header must be 'Bearer clawchat_<64 hex digits>'.".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_code_sent_as_a_key_is_named_for_what_it_is() {
        let code = RecoveryCode::generate().unwrap();
        let err = ApiKey::parse(code.as_str()).unwrap_err();
        assert!(err.message().contains("recovery code"), "{}", err.message());
        assert!(err.message().contains("POST /api/bots/recover"));
    }

    #[test]
    fn a_bearer_token_has_one_spelling() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER abc"), Some("abc"));
        for refused in [
            "Bearer  abc",
            "Bearer\tabc",
            "Bearer abc def",
            "Bearer ",
            "Bearer",
            "Basic abc",
            "Bearerabc",
            "Bearer abc ",
        ] {
            assert_eq!(bearer_token(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn generated_keys_parse_and_differ() {
        let key = ApiKey::generate().unwrap();
        assert_eq!(ApiKey::parse(key.as_str()), Ok(key.clone()));
        assert_ne!(key, ApiKey::generate().unwrap());
        assert_eq!(key.as_str().len(), PREFIX.len() + HEX_LEN);
    }

    #[test]
    fn headers_are_parsed_strictly() {
        let key = ApiKey::generate().unwrap();
        let header = format!("Bearer {}", key.as_str());
        assert_eq!(ApiKey::from_header(Some(&header)), Ok(Some(key.clone())));
        assert_eq!(ApiKey::from_header(None), Ok(None));
        for bad in ["Bearer", "Basic abc", "Bearer clawchat_xyz", key.as_str()] {
            assert!(ApiKey::from_header(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn recovery_codes_are_their_own_kind_of_token() {
        let code = RecoveryCode::generate().unwrap();
        assert_eq!(RecoveryCode::parse(code.as_str()), Ok(code.clone()));
        assert!(code.as_str().starts_with("clawrec_"));
        let key = ApiKey::generate().unwrap();
        assert!(RecoveryCode::parse(key.as_str()).is_err());
        assert!(ApiKey::parse(code.as_str()).is_err());
        assert_eq!(
            RecoveryCode::parse("clawrec_xyz").unwrap_err().code(),
            "validation_failed"
        );
        assert_ne!(code.hash("s"), code.hash("t"));
    }

    #[test]
    fn hash_is_keyed_and_hides_the_key() {
        let key = ApiKey::parse(&format!("{PREFIX}{}", "a".repeat(64))).unwrap();
        let one = key.hash("secret-one");
        assert_eq!(one, key.hash("secret-one"));
        assert_ne!(one, key.hash("secret-two"));
        assert_eq!(one.as_str().len(), 64);
        assert!(!one.as_str().contains(&"a".repeat(64)));
    }
}
