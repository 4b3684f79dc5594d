//! What every `/api/*` request goes through around its handler: the route lookup, the
//! edge cache for anonymous public reads, the declared-size check, CORS for read-only
//! answers and `Server-Timing` on every answer. Errors become JSON in one place,
//! `http::error_response`.

use worker::{Context, Env, Request, Response};

use super::path::Path;
use super::table::{resolve, Resolved, Route};
use crate::app::App;
use crate::edge_cache::{self, CacheKey, Lookup, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{error_response, refuse_body};
use crate::time::{now_ms, Stopwatch};

/// Serves an `/api/*` request. Read-only answers allow any origin (CORS); every answer
/// says where its time went (`Server-Timing`: storage time and round trips, total).
pub async fn serve(req: Request, env: Env, ctx: Context) -> Response {
    let started = now_ms();
    let storage = Stopwatch::default();
    let readable = matches!(raw_method(&req).as_str(), "GET" | "HEAD" | "OPTIONS");
    let mut response = match handle(req, env, ctx, storage.clone()).await {
        Ok(response) => response,
        Err(err) => error_response(&err),
    };
    if response.status_code() == 101 {
        return response;
    }
    let headers = response.headers_mut();
    let timing = format!(
        "storage;dur={};desc=\"{} requests\", total;dur={}",
        storage.total_ms(),
        storage.round_trips(),
        now_ms() - started
    );
    let _ = headers.set("Server-Timing", &timing);
    if readable {
        let _ = headers.set("Access-Control-Allow-Origin", "*");
        let _ = headers.set(
            "Access-Control-Expose-Headers",
            "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, Server-Timing, X-Cache",
        );
    }
    response
}

/// Resolves the route, then answers from the edge cache when it may, else runs the
/// handler.
async fn handle(req: Request, env: Env, ctx: Context, storage: Stopwatch) -> ApiResult<Response> {
    let method = raw_method(&req);
    let Resolved::Route(route, path) = resolve(&method, &req.path())? else {
        return preflight();
    };
    // Before the edge cache, which keys answers by the parameters a route reads.
    check_query(&req.url()?, route.query)?;
    let origin = req.url()?.origin().ascii_serialization();
    let app = App::new(env, ctx, origin, storage)?;
    let ttl_ms = app.config.edge_cache_seconds as i64 * 1000;
    let cached = ttl_ms > 0
        && method == "GET"
        && route.cached
        && req.headers().get("Authorization")?.is_none();
    if !cached {
        return run(req, &app, route, &path).await;
    }
    let key = CacheKey::new(&req.url()?, route.query, scope(route, &path));
    let claim = match edge_cache::lookup(&key, ttl_ms).await? {
        Lookup::Hit(response) => return Ok(response),
        Lookup::Miss(claim) => claim,
    };
    match run(req, &app, route, &path).await {
        Ok(response) => edge_cache::store(&key, claim, response, ttl_ms).await,
        Err(err) => {
            edge_cache::abandon(&key);
            Err(err)
        }
    }
}

/// What a cached read of `route` belongs to: a room's reads, or the directory's.
fn scope<'a>(route: &Route, path: &'a Path) -> Scope<'a> {
    if route.path.contains(":id") || route.path.starts_with("/api/global/") {
        Scope::Room(path.room_id())
    } else {
        Scope::Directory
    }
}

/// Runs the route's handler, once the body's declared size is within the limit and a
/// route that takes no body was sent none.
async fn run(mut req: Request, app: &App, route: &Route, path: &Path) -> ApiResult<Response> {
    check_declared_size(&req, app.config.max_body_bytes)?;
    if takes_no_body(route) {
        refuse_body(&mut req, app.config.max_body_bytes).await?;
    }
    (route.handler)(&mut req, app, path).await
}

/// A write without a body schema (`join`, `leave`, `rotate-key`, deletions). `/mcp`
/// reads its JSON-RPC envelope itself; streams and reads have no body to look at.
fn takes_no_body(route: &Route) -> bool {
    matches!(route.method, "POST" | "PUT" | "PATCH" | "DELETE")
        && route.body.is_none()
        && route.path != "/mcp"
}

/// The request's method as the client sent it. Not `req.method()`: the `worker` crate
/// maps every method it does not know (QUERY, TRACE, PROPFIND…) to `Get`.
fn raw_method(req: &Request) -> String {
    req.inner().method().to_ascii_uppercase()
}

/// Refuses a query parameter the route does not read: a guess (`?since=`, `?cursor=`
/// where there is none) would otherwise be silently ignored, and the answer mistaken for
/// what was asked.
fn check_query(url: &worker::Url, accepted: &[&str]) -> ApiResult<()> {
    match url
        .query_pairs()
        .find(|(name, _)| !accepted.contains(&name.as_ref()))
    {
        None => Ok(()),
        Some((name, _)) => Err(ApiError::invalid(&name, unknown_parameter(accepted))),
    }
}

/// The message for an unknown parameter: what the route accepts instead.
fn unknown_parameter(accepted: &[&str]) -> String {
    if accepted.is_empty() {
        "unknown parameter; this endpoint takes no query parameters".to_string()
    } else {
        format!("unknown parameter; accepted: {}", accepted.join(", "))
    }
}

/// Refuses a body whose declared length is over the limit before reading it.
fn check_declared_size(req: &Request, max_bytes: usize) -> ApiResult<()> {
    let declared = req
        .headers()
        .get("Content-Length")?
        .and_then(|len| len.trim().parse::<usize>().ok());
    match declared {
        Some(len) if len > max_bytes => Err(ApiError::PayloadTooLarge(max_bytes)),
        _ => Ok(()),
    }
}

fn preflight() -> ApiResult<Response> {
    let response = Response::empty()?.with_status(204);
    let headers = response.headers();
    headers.set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")?;
    headers.set("Access-Control-Allow-Headers", "Authorization")?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(url: &str, accepted: &[&str]) -> Result<(), String> {
        check_query(&worker::Url::parse(url).unwrap(), accepted).map_err(|e| e.message())
    }

    #[test]
    fn unknown_query_parameters_are_named_with_what_is_accepted() {
        assert_eq!(
            checked(
                "https://x/api/bots/me/inbox?after=3&limit=5",
                &["after", "limit"]
            ),
            Ok(())
        );
        assert_eq!(
            checked("https://x/api/bots/me/inbox?since=3", &["after", "limit"]),
            Err("since: unknown parameter; accepted: after, limit".to_string())
        );
        assert_eq!(
            checked("https://x/api/stats?bust=1", &[]),
            Err("bust: unknown parameter; this endpoint takes no query parameters".to_string())
        );
    }
}
