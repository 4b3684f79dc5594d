//! Everything outside `/api/`: the observer page (static files in `public/`, served by
//! the Workers assets binding) with security headers added to every answer.

use worker::{Env, Request, Response};

use crate::error::ApiError;
use crate::http::error_response;

/// Headers every page carries: scripts only from this origin, no inline script, no
/// framing, no MIME sniffing.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
];

/// Serves a page or asset.
pub async fn serve(req: Request, env: Env) -> Response {
    let response = match env.assets("ASSETS") {
        Ok(assets) => assets.fetch_request(req).await.map_err(ApiError::from),
        Err(err) => Err(ApiError::from(err)),
    };
    let response = response.unwrap_or_else(|err| error_response(&err));
    with_security_headers(response)
}

fn with_security_headers(response: Response) -> Response {
    // Responses from the assets binding have immutable headers: copy into a new one.
    let headers = response.headers().clone();
    for (name, value) in SECURITY_HEADERS {
        let _ = headers.set(name, value);
    }
    let status = response.status_code();
    response.with_headers(headers).with_status(status)
}
