//! HTTP in and out: reading JSON bodies under the contract's rules, and building JSON
//! responses — including the one rendering of [`ApiError`] as a response.

use std::net::IpAddr;

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Map, Value};
use worker::{ByteStream, Headers, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::ratelimit::{RateLimitStatus, Rated};

const JSON: &str = "application/json; charset=utf-8";

/// A POST body: a JSON object, with typed accessors that name the offending field.
#[derive(Debug, Default)]
pub struct JsonBody(Map<String, Value>);

impl JsonBody {
    /// Reads and parses the body: 415 unless it is declared JSON, 413 over `max_bytes`,
    /// 400 `invalid_json` unless it is one JSON object, 400 `validation_failed` for a
    /// field outside `accepted` (a misspelt field silently ignored is a wrong guess the
    /// caller never hears about: `ttl` for `ttl_seconds` made a 10-minute room).
    pub async fn read(req: &mut Request, max_bytes: usize, accepted: &[&str]) -> ApiResult<Self> {
        let body = JsonBody::from_value(read_json_value(req, max_bytes).await?)?;
        body.only(accepted, "field")?;
        Ok(body)
    }

    /// Like [`JsonBody::read`] for a body that may be left out: nothing at all (or only
    /// whitespace) reads as `{}`, whatever the `Content-Type`.
    pub async fn read_optional(
        req: &mut Request,
        max_bytes: usize,
        accepted: &[&str],
    ) -> ApiResult<Self> {
        let bytes = read_limited(req, max_bytes).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody::default());
        }
        let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
        if !is_json(&content_type) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = JsonBody::parse(&bytes)?;
        body.only(accepted, "field")?;
        Ok(body)
    }

    /// Refuses the first key outside `accepted`, naming it and listing what is
    /// (`kind`: "field" for a body, "argument" for an MCP tool's arguments).
    pub fn only(&self, accepted: &[&str], kind: &str) -> ApiResult<()> {
        match self.0.keys().find(|key| !accepted.contains(&key.as_str())) {
            None => Ok(()),
            Some(key) if accepted.is_empty() => Err(ApiError::invalid(
                key,
                format!("unknown {kind}; this takes none"),
            )),
            Some(key) => Err(ApiError::invalid(
                key,
                format!("unknown {kind}; accepted: {}", accepted.join(", ")),
            )),
        }
    }

    /// Parses body bytes as one JSON object.
    pub fn parse(bytes: &[u8]) -> ApiResult<Self> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => JsonBody::from_value(value),
            Err(err) => Err(ApiError::InvalidJson(format!(
                "The body is not valid JSON: {err}."
            ))),
        }
    }

    /// A JSON value that must be one object (a body, or an MCP tool's arguments).
    pub fn from_value(value: Value) -> ApiResult<Self> {
        match value {
            Value::Object(map) => Ok(JsonBody(map)),
            _ => Err(ApiError::InvalidJson(
                "The body must be a JSON object.".to_string(),
            )),
        }
    }

    /// The field, treating `null` as absent.
    fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// A required string field.
    pub fn str(&self, field: &str) -> ApiResult<&str> {
        self.opt_str(field)?
            .ok_or_else(|| ApiError::invalid(field, "is required"))
    }

    /// An optional string field.
    pub fn opt_str(&self, field: &str) -> ApiResult<Option<&str>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::invalid(field, "must be a string")),
        }
    }

    /// An optional integer field (`3.0` and `"3"` are not integers).
    pub fn opt_int(&self, field: &str) -> ApiResult<Option<i64>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(Value::Number(n)) if n.is_u64() => Ok(Some(i64::MAX)),
            // JSON has one number type: 6.0 is the integer 6, as JSON Schema (and so the
            // OpenAPI document) reads it. Beyond i64 it saturates; the caller's range
            // check then refuses it.
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() && f.fract() == 0.0 => Ok(Some(f as i64)),
                _ => Err(ApiError::invalid(field, "must be an integer")),
            },
            Some(_) => Err(ApiError::invalid(field, "must be an integer")),
        }
    }

    /// An optional list of strings.
    pub fn opt_str_list(&self, field: &str) -> ApiResult<Option<Vec<String>>> {
        let wrong = || ApiError::invalid(field, "must be a list of strings");
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(wrong))
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(wrong()),
        }
    }
}

/// Refuses a body sent to a route that takes none (`POST .../leave {"bot": "x"}` is a
/// guess that would otherwise look like it worked): nothing, whitespace, `{}` and
/// `null` are no body; an object names its first field.
pub async fn refuse_body(req: &mut Request, max_bytes: usize) -> ApiResult<()> {
    let bytes = read_limited(req, max_bytes).await?;
    let text = String::from_utf8_lossy(&bytes);
    match serde_json::from_str::<Value>(&text) {
        _ if text.trim().is_empty() => Ok(()),
        Ok(Value::Null) => Ok(()),
        Ok(Value::Object(map)) => match map.keys().next() {
            None => Ok(()),
            Some(key) => Err(ApiError::invalid(
                key,
                "unknown field; this endpoint takes no body",
            )),
        },
        _ => Err(ApiError::invalid("body", "this endpoint takes no body")),
    }
}

/// Reads a JSON body of any shape: 415 unless it is declared JSON, 413 over
/// `max_bytes`, 400 `invalid_json` unless it parses.
pub async fn read_json_value(req: &mut Request, max_bytes: usize) -> ApiResult<Value> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    if !is_json(&content_type) {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(&read_limited(req, max_bytes).await?)
        .map_err(|err| ApiError::InvalidJson(format!("The body is not valid JSON: {err}.")))
}

/// What of an oversized body is still read (and thrown away) after the limit, so the
/// connection stays usable for the client's next request: at most [`DRAIN_BYTES`] more,
/// and only while they keep coming (no wait for more than [`DRAIN_WAIT`]). Then
/// reading stops and the answer goes out.
const DRAIN_BYTES: usize = 1 << 20;
const DRAIN_WAIT: Duration = Duration::from_millis(50);

/// Reads a body of at most `max_bytes`. A chunked body (no `Content-Length`, so nothing
/// to refuse up front) is never held whole: past the limit its chunks are dropped as
/// they come, and the 413 does not wait for the body's end.
async fn read_limited(req: &mut Request, max_bytes: usize) -> ApiResult<Vec<u8>> {
    let mut body = Vec::new();
    if req.inner().body().is_none() {
        return Ok(body); // an empty POST: `invalid_json` follows
    }
    let mut chunks = req.stream()?;
    while let Some(chunk) = chunks.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > max_bytes {
            drain(&mut chunks).await;
            return Err(ApiError::PayloadTooLarge(max_bytes));
        }
    }
    Ok(body)
}

/// Reads and drops what follows an oversized body (see [`DRAIN_BYTES`]).
async fn drain(chunks: &mut ByteStream) {
    let mut drained = 0;
    while drained < DRAIN_BYTES {
        let next = chunks.next();
        let wait = worker::Delay::from(DRAIN_WAIT);
        futures_util::pin_mut!(next, wait);
        match select(next, wait).await {
            Either::Left((Some(Ok(chunk)), _)) => drained += chunk.len(),
            _ => return,
        }
    }
}

fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// The query string as decoded pairs.
pub fn query(req: &Request) -> ApiResult<Vec<(String, String)>> {
    Ok(req
        .url()?
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// One query parameter.
pub fn query_param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The client's address as Cloudflare reports it (the edge sets `CF-Connecting-IP` and
/// overwrites any value a client sends), as the bucket limits count per: an IPv4
/// address as is, an IPv6 address by its /64 network — one subscriber usually holds a
/// whole /64, so counting single IPv6 addresses would give each client billions.
pub fn client_address(req: &Request) -> String {
    let header = req.headers().get("CF-Connecting-IP").ok().flatten();
    address_bucket(header.as_deref().unwrap_or(""))
}

/// The bucket of one textual address (see [`client_address`]).
pub fn address_bucket(text: &str) -> String {
    match text.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => "unknown".to_string(),
    }
}

/// A JSON response with `status`, carrying rate-limit headers when the action had one.
pub fn json<T: Serialize>(
    status: u16,
    body: &T,
    rate: Option<RateLimitStatus>,
) -> ApiResult<Response> {
    let text = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    respond(status, text, rate)
}

/// A JSON response for a rate-limited operation, with its `X-RateLimit-*` headers.
pub fn rated_json<T: Serialize>(status: u16, rated: Rated<T>) -> ApiResult<Response> {
    json(status, &rated.value, rated.rate)
}

/// `204 No Content`: done, nothing to say.
pub fn no_content() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Cache-Control", "no-store")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

/// A response of JSON text already rendered.
pub fn json_text(status: u16, body: String) -> ApiResult<Response> {
    respond(status, body, None)
}

fn respond(status: u16, body: String, rate: Option<RateLimitStatus>) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", JSON)?;
    headers.set("Cache-Control", "no-store")?;
    for (name, value) in rate.iter().flat_map(RateLimitStatus::headers) {
        headers.set(name, &value)?;
    }
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// The contract's error shape:
/// `{"error": {"code", "message", "hint"?, "retry_after_seconds"?, "expired_at"?}}`.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorObject<'a>,
}

#[derive(Serialize)]
pub struct ErrorObject<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired_at: Option<String>,
}

/// An error's `{code, message, hint?, retry_after_seconds?, expired_at?}`, as the
/// contract shapes it (the body of an error answer, or of an `error` frame).
pub fn error_object(err: &ApiError) -> ErrorObject<'_> {
    ErrorObject {
        code: err.code(),
        message: err.message(),
        hint: err.hint(),
        retry_after_seconds: err.retry_after(),
        expired_at: err.expired_at(),
    }
}

/// The JSON text of an error, as the contract shapes it.
fn error_body(err: &ApiError) -> String {
    let body = ErrorBody {
        error: error_object(err),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

/// The one place an error becomes an HTTP response (and JSON): status, body, and the
/// headers the error implies. It is also where an error is logged, once.
pub fn error_response(err: &ApiError) -> Response {
    crate::log::api_error(err);
    let body = error_body(err);
    let response = respond(err.status(), body.clone(), err.rate()).unwrap_or_else(|_| {
        Response::error(body, err.status()).unwrap_or_else(|_| Response::empty().unwrap())
    });
    let headers = response.headers();
    if let Some(seconds) = err.retry_after() {
        let _ = headers.set("Retry-After", &seconds.to_string());
    }
    if let ApiError::MethodNotAllowed { allowed, .. } = err {
        let _ = headers.set("Allow", &allowed.join(", "));
    }
    if let ApiError::UpgradeRequired = err {
        // The one WebSocket version spoken (RFC 6455 §4.4). (An `Upgrade` header would
        // say what to upgrade to, but it is hop-by-hop: the runtime drops it.)
        let _ = headers.set("Sec-WebSocket-Version", "13");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::RateLimitStatus;

    fn parse(err: &ApiError) -> serde_json::Value {
        serde_json::from_str(&error_body(err)).unwrap()
    }

    #[test]
    fn validation_names_the_field() {
        let body = parse(&ApiError::invalid("content", "must not be empty"));
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["message"], "content: must not be empty");
        assert!(body["error"].get("hint").is_none());
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let status = RateLimitStatus {
            limit: 5,
            remaining: 0,
            reset_seconds: 42,
            window_seconds: 3600,
        };
        let err = ApiError::RateLimited(status);
        assert_eq!(err.status(), 429);
        let body = parse(&err);
        assert_eq!(body["error"]["code"], "rate_limited");
        assert_eq!(body["error"]["retry_after_seconds"], 42);
        let counted = ApiError::Counted(Box::new(ApiError::NameTaken("ann".into())), status);
        assert!(parse(&counted)["error"]
            .get("retry_after_seconds")
            .is_none());
    }

    #[test]
    fn internal_details_are_not_shown() {
        let body = parse(&ApiError::Internal("secret stack".into()));
        assert!(!body.to_string().contains("secret stack"));
    }

    #[test]
    fn addresses_are_bucketed_ipv6_by_64() {
        assert_eq!(address_bucket("203.0.113.7"), "203.0.113.7");
        assert_eq!(
            address_bucket("2001:db8:1:2:aaaa::1"),
            address_bucket("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")
        );
        assert_eq!(address_bucket("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_ne!(
            address_bucket("2001:db8:1:2::1"),
            address_bucket("2001:db8:1:3::1")
        );
        assert_eq!(address_bucket("::ffff:198.51.100.4"), "198.51.100.4");
        assert_eq!(address_bucket(""), "unknown");
        assert_eq!(address_bucket("not an address"), "unknown");
    }

    #[test]
    fn content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
        assert!(!is_json("application/jsonp"));
    }

    #[test]
    fn bodies_must_be_objects() {
        assert_eq!(JsonBody::parse(b"[]").unwrap_err().code(), "invalid_json");
        assert_eq!(JsonBody::parse(b"{").unwrap_err().code(), "invalid_json");
        assert_eq!(JsonBody::parse(b"").unwrap_err().code(), "invalid_json");
        assert!(JsonBody::parse(b"{}").is_ok());
    }

    #[test]
    fn fields_are_typed_and_named() {
        let body = JsonBody::parse(
            br#"{"a":"x","n":5,"f":1.5,"w":6.0,"e":6e2,"big":1e300,"l":["p","q"],"bad":[1],"z":null}"#,
        )
        .unwrap();
        assert_eq!(body.str("a"), Ok("x"));
        assert_eq!(
            body.str("z").unwrap_err(),
            ApiError::invalid("z", "is required")
        );
        assert_eq!(body.opt_int("n"), Ok(Some(5)));
        assert!(body.opt_int("f").is_err());
        assert_eq!(body.opt_int("w"), Ok(Some(6)), "6.0 is the integer 6");
        assert_eq!(body.opt_int("e"), Ok(Some(600)));
        assert_eq!(body.opt_int("big"), Ok(Some(i64::MAX)));
        assert!(body.opt_int("a").is_err());
        assert!(body.str("n").is_err());
        assert_eq!(
            body.opt_str_list("l"),
            Ok(Some(vec!["p".into(), "q".into()]))
        );
        assert!(body.opt_str_list("bad").is_err());
        assert_eq!(body.opt_str_list("missing"), Ok(None));
    }
}
