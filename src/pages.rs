//! Everything outside `/api/`: the bot-facing documents (compiled in from `skill/`, with
//! this deployment's base URL filled in) and the observer page (static files in
//! `public/`, served by the Workers assets binding). Every answer carries security
//! headers.

use worker::{Env, Headers, Request, Response};

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
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

/// The placeholder in `skill/` documents replaced by the deployment's base URL.
const BASE_URL_PLACEHOLDER: &str = "{{BASE_URL}}";

/// A document served from `skill/`: path, content type, text.
const DOCUMENTS: &[(&str, &str, &str)] = &[
    (
        "/skill.md",
        "text/markdown; charset=utf-8",
        include_str!("../skill/SKILL.md"),
    ),
    (
        "/heartbeat.md",
        "text/markdown; charset=utf-8",
        include_str!("../skill/HEARTBEAT.md"),
    ),
    (
        "/openapi.json",
        "application/json; charset=utf-8",
        include_str!("../skill/openapi.json"),
    ),
];

/// The OpenAPI description, as compiled in (with the placeholder).
pub const OPENAPI: &str = include_str!("../skill/openapi.json");

/// Serves a document, a page or an asset.
pub async fn serve(req: Request, env: Env) -> Response {
    let response = match route(req, &env).await {
        Ok(response) => response,
        Err(err) => error_response(&err),
    };
    with_security_headers(response)
}

async fn route(req: Request, env: &Env) -> ApiResult<Response> {
    // The raw method: the `worker` crate reads unknown methods (TRACE…) as GET.
    if !matches!(req.inner().method().as_str(), "GET" | "HEAD") {
        return Err(ApiError::MethodNotAllowed(vec!["GET", "HEAD"]));
    }
    let path = req.path();
    if let Some((_, content_type, text)) = DOCUMENTS.iter().find(|(p, _, _)| *p == path) {
        return document(&req, env, content_type, text);
    }
    let assets = env.assets("ASSETS")?;
    if is_room_page(&path) {
        let url = req
            .url()?
            .join("/room.html")
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        return Ok(assets.fetch(url.to_string(), None).await?);
    }
    Ok(assets.fetch_request(req).await?)
}

/// `/global` and `/rooms/<id>` are one page that reads the room from its own URL.
fn is_room_page(path: &str) -> bool {
    path == "/global"
        || path
            .strip_prefix("/rooms/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

fn document(req: &Request, env: &Env, content_type: &str, text: &str) -> ApiResult<Response> {
    let config = Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()))?;
    let base = match config.public_base_url {
        Some(url) => url,
        None => req.url()?.origin().ascii_serialization(),
    };
    let headers = Headers::new();
    headers.set("Content-Type", content_type)?;
    headers.set("Cache-Control", "public, max-age=300")?;
    headers.set("Access-Control-Allow-Origin", "*")?;
    Ok(Response::ok(text.replace(BASE_URL_PLACEHOLDER, &base))?.with_headers(headers))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_pages() {
        assert!(is_room_page("/global"));
        assert!(is_room_page("/rooms/r_0123456789abcdef"));
        assert!(!is_room_page("/rooms/"));
        assert!(!is_room_page("/rooms/a/b"));
        assert!(!is_room_page("/app.js"));
    }

    #[test]
    fn documents_carry_the_placeholder() {
        for (path, _, text) in DOCUMENTS {
            assert!(text.contains(BASE_URL_PLACEHOLDER), "{path}");
        }
    }
}
