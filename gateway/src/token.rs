//! The bearer token clients must present, and the one place it is compared.
//!
//! The gateway is meant for a developer's machine and for tests, but it guards a
//! Redis that answers any command, so the check is written as if it were exposed:
//!
//! - The token is read from `Authorization: Bearer <token>` only. Upstash also
//!   accepts `?_token=`, but a token in a URL lands in shell histories, proxy logs
//!   and `Referer` headers; no client of this project sends it that way.
//! - The comparison takes the same time whatever the guess, so response times do
//!   not reveal how much of a guess was right. Both sides are hashed with SHA-256
//!   first and the fixed-size digests compared with `subtle`: comparing the raw
//!   bytes would stop early on a length mismatch and so leak the token's length.

use crate::error::{Error, Result};
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug)]
pub struct Token {
    /// Only the digest is kept: every comparison needs it, none needs the token.
    digest: [u8; 32],
}

impl Token {
    pub fn new(secret: &str) -> Token {
        Token {
            digest: Sha256::digest(secret).into(),
        }
    }

    /// Accepts the request when its `Authorization` header carries the token.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<()> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match given {
            Some(given) if self.matches(given.trim()) => Ok(()),
            _ => Err(Error::Unauthorized),
        }
    }

    fn matches(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given).into();
        given.ct_eq(&self.digest).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    const SECRET: &str = "s3cret-token";

    /// The headers of a request to `uri` carrying `authorization`, if any.
    fn headers(uri: &str, authorization: Option<&str>) -> HeaderMap {
        let mut request = Request::builder().uri(uri);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(()).unwrap().into_parts().0.headers
    }

    fn accepts(uri: &str, authorization: Option<&str>) -> bool {
        Token::new(SECRET)
            .authorize(&headers(uri, authorization))
            .is_ok()
    }

    #[test]
    fn the_right_token_in_the_header_is_accepted() {
        assert!(accepts("/", Some("Bearer s3cret-token")));
        assert!(accepts("/pipeline", Some("Bearer  s3cret-token ")));
    }

    #[test]
    fn a_wrong_token_is_refused_whatever_its_length() {
        assert_eq!(SECRET.len(), "s3cret-tokeN".len());
        for wrong in [
            "Bearer s3cret-tokeN",
            "Bearer s3cret-toke",
            "Bearer s3cret-token-and-more",
            "Bearer ",
            "Bearer",
        ] {
            assert!(!accepts("/", Some(wrong)), "{wrong:?}");
        }
    }

    #[test]
    fn the_token_must_come_as_a_bearer_header() {
        assert!(!accepts("/", None));
        assert!(!accepts("/", Some("s3cret-token")));
        assert!(!accepts("/", Some("Basic s3cret-token")));
        assert!(!accepts("/?_token=s3cret-token", None));
    }
}
