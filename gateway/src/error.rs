//! The gateway's one error type, and the one place that turns an error into the
//! Upstash-shaped answer `{"error":"…"}` with its HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::fmt;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug)]
pub enum Error {
    /// No token, or not the configured one. Upstash answers with Redis' own
    /// `WRONGPASS` wording, so clients that match on it keep working.
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    /// The body is over the 10 MB that Upstash accepts, or the client cut it off.
    PayloadTooLarge,
    /// The gateway refused the request before sending anything to Redis: the body
    /// is not a command it can forward, the command would wedge a pooled
    /// connection, or it is administrative. The text starts with `ERR`, like
    /// Redis' own.
    BadRequest(String),
    /// Redis answered with an error reply; the text is passed on untouched because
    /// clients match on it (`WRONGTYPE …`, `NOSCRIPT …`, `EXECABORT …`).
    Redis(String),
    /// Redis could not be reached, timed out, or broke the connection.
    Unavailable(String),
    /// A command line the gateway cannot start with.
    Usage(String),
    /// The listening socket or the signal handlers could not be set up.
    Startup(std::io::Error),
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::BadRequest(_) | Error::Redis(_) => StatusCode::BAD_REQUEST,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Usage(_) | Error::Startup(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unauthorized => f.write_str("WRONGPASS invalid or missing auth token"),
            Error::NotFound => f.write_str(
                "ERR not found: POST commands to /, /pipeline or /multi-exec; stats at /_gateway/stats",
            ),
            Error::MethodNotAllowed => f.write_str("ERR method not allowed"),
            Error::PayloadTooLarge => {
                f.write_str("ERR request body is larger than 10 MB or was cut off")
            }
            Error::BadRequest(text) | Error::Redis(text) | Error::Unavailable(text) => {
                f.write_str(text)
            }
            Error::Usage(text) => f.write_str(text),
            Error::Startup(err) => write!(f, "cannot start: {err}"),
        }
    }
}

impl std::error::Error for Error {}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        (self.status(), Json(json!({ "error": self.to_string() }))).into_response()
    }
}
