//! The router: one table of every API route, matched with `matchit`, and the one place
//! where a handler's `ApiError` becomes a JSON response. Handlers are thin: read the
//! request, call one service function, render the answer.
//!
//! - [`health`]: `GET /api/health`.
//! - [`bots`]: registration, `me`, key rotation, the directory.
//! - [`rooms`]: global chat and rooms — both are rooms, the global one with the id
//!   `global`, so each handler serves both URL families.
//! - [`live`]: WebSocket upgrades, handed to the room's hub.

mod admin;
mod bots;
mod health;
mod live;
mod rooms;

use std::sync::OnceLock;

use worker::{Context, Env, Request, Response};

use crate::app::App;
use crate::edge_cache::{self, Lookup};
use crate::error::{ApiError, ApiResult};
use crate::http::error_response;
use crate::model::GLOBAL_ROOM;
use crate::service::inbox::BlockChange;
use crate::service::rooms::Membership;
use crate::time::{now_ms, Stopwatch};

/// Every API endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    Register,
    Recover,
    Me,
    RotateKey,
    Inbox,
    InboxStream,
    Blocks,
    Block,
    Unblock,
    Directory,
    Profile,
    GlobalInfo,
    GlobalMessages,
    GlobalPost,
    GlobalStream,
    RoomCreate,
    RoomList,
    RoomGet,
    RoomMessages,
    RoomPost,
    RoomInvite,
    RoomJoin,
    RoomLeave,
    RoomStream,
    Report,
    Stats,
    AdminBan,
    AdminUnban,
    AdminDeleteMessage,
    AdminEndRoom,
    AdminReports,
    AdminAudit,
    Mcp,
}

/// The route table: method, path (matchit syntax), endpoint.
pub const ROUTES: &[(&str, &str, Endpoint)] = &[
    ("GET", "/api/health", Endpoint::Health),
    ("POST", "/api/bots/register", Endpoint::Register),
    ("POST", "/api/bots/recover", Endpoint::Recover),
    ("GET", "/api/bots/me", Endpoint::Me),
    ("POST", "/api/bots/me/rotate-key", Endpoint::RotateKey),
    ("GET", "/api/bots/me/inbox", Endpoint::Inbox),
    ("GET", "/api/bots/me/ws", Endpoint::InboxStream),
    ("GET", "/api/bots/me/blocks", Endpoint::Blocks),
    ("POST", "/api/bots/me/blocks", Endpoint::Block),
    ("DELETE", "/api/bots/me/blocks/:name", Endpoint::Unblock),
    ("GET", "/api/bots", Endpoint::Directory),
    ("GET", "/api/bots/:name", Endpoint::Profile),
    ("GET", "/api/global/info", Endpoint::GlobalInfo),
    ("GET", "/api/global/messages", Endpoint::GlobalMessages),
    ("POST", "/api/global/messages", Endpoint::GlobalPost),
    ("GET", "/api/global/ws", Endpoint::GlobalStream),
    ("POST", "/api/rooms/create", Endpoint::RoomCreate),
    ("GET", "/api/rooms/list", Endpoint::RoomList),
    ("GET", "/api/rooms/:id", Endpoint::RoomGet),
    ("GET", "/api/rooms/:id/messages", Endpoint::RoomMessages),
    ("POST", "/api/rooms/:id/messages", Endpoint::RoomPost),
    ("POST", "/api/rooms/:id/invite", Endpoint::RoomInvite),
    ("POST", "/api/rooms/:id/join", Endpoint::RoomJoin),
    ("POST", "/api/rooms/:id/leave", Endpoint::RoomLeave),
    ("GET", "/api/rooms/:id/ws", Endpoint::RoomStream),
    (
        "POST",
        "/api/rooms/:id/messages/:seq/report",
        Endpoint::Report,
    ),
    ("GET", "/api/stats", Endpoint::Stats),
    ("POST", "/api/admin/bots/:name/ban", Endpoint::AdminBan),
    ("POST", "/api/admin/bots/:name/unban", Endpoint::AdminUnban),
    (
        "DELETE",
        "/api/admin/rooms/:id/messages/:seq",
        Endpoint::AdminDeleteMessage,
    ),
    ("DELETE", "/api/admin/rooms/:id", Endpoint::AdminEndRoom),
    ("GET", "/api/admin/reports", Endpoint::AdminReports),
    ("GET", "/api/admin/audit", Endpoint::AdminAudit),
    ("POST", "/mcp", Endpoint::Mcp),
];

/// Path → the methods it accepts and their endpoints.
type PathTable = matchit::Router<Vec<(&'static str, Endpoint)>>;

fn table() -> &'static PathTable {
    static TABLE: OnceLock<PathTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut paths: Vec<(&str, Vec<(&str, Endpoint)>)> = Vec::new();
        for (method, path, endpoint) in ROUTES {
            match paths.iter_mut().find(|(p, _)| p == path) {
                Some((_, methods)) => methods.push((method, *endpoint)),
                None => paths.push((path, vec![(method, *endpoint)])),
            }
        }
        let mut router = matchit::Router::new();
        for (path, methods) in paths {
            router
                .insert(path, methods)
                .expect("route table paths are valid");
        }
        router
    })
}

/// What the router decided for a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// The endpoint and its path parameters, in the order the path names them.
    Endpoint(Endpoint, Vec<String>),
    /// A CORS preflight for a path that exists.
    Preflight,
}

/// Matches `method` and `path` against the table.
pub fn resolve(method: &str, path: &str) -> ApiResult<Resolved> {
    let found = table().at(path).map_err(|_| {
        ApiError::NotFound(format!(
            "There is no endpoint at {path}; see /openapi.json."
        ))
    })?;
    if method == "OPTIONS" {
        return Ok(Resolved::Preflight);
    }
    let method = if method == "HEAD" { "GET" } else { method };
    let params = found
        .params
        .iter()
        .map(|(_, value)| value.to_string())
        .collect();
    found
        .value
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, endpoint)| Resolved::Endpoint(*endpoint, params))
        .ok_or_else(|| ApiError::MethodNotAllowed(allowed_methods(found.value)))
}

/// The methods a path accepts, for `Allow`: HEAD wherever GET is (it is answered).
fn allowed_methods(methods: &[(&'static str, Endpoint)]) -> Vec<&'static str> {
    let mut allowed = Vec::new();
    for (method, _) in methods {
        allowed.push(*method);
        if *method == "GET" {
            allowed.push("HEAD");
        }
    }
    allowed
}

impl Endpoint {
    /// Whether an anonymous `GET` of this endpoint reads public data that every anonymous
    /// caller gets alike, so the edge cache may answer it (see `edge_cache`).
    fn cacheable(self) -> bool {
        use Endpoint::*;
        matches!(
            self,
            GlobalInfo
                | GlobalMessages
                | RoomList
                | RoomGet
                | RoomMessages
                | Directory
                | Profile
                | Stats
        )
    }
}

/// Serves an `/api/*` request. Read-only answers allow any origin (CORS); every answer
/// says where its time went (`Server-Timing`: storage, total).
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
        "storage;dur={}, total;dur={}",
        storage.total_ms(),
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

/// Resolves the route, then answers from the edge cache when it may, else dispatches.
async fn handle(req: Request, env: Env, ctx: Context, storage: Stopwatch) -> ApiResult<Response> {
    let method = raw_method(&req);
    let resolved = resolve(&method, &req.path())?;
    let Resolved::Endpoint(endpoint, params) = resolved else {
        return preflight();
    };
    let app = App::new(env, ctx, storage)?;
    let ttl_ms = app.config.edge_cache_seconds as i64 * 1000;
    let cached = ttl_ms > 0
        && method == "GET"
        && endpoint.cacheable()
        && req.headers().get("Authorization")?.is_none();
    if !cached {
        return dispatch(req, &app, endpoint, &params).await;
    }
    let url = req.url()?.to_string();
    if let Lookup::Hit(response) = edge_cache::lookup(&url, ttl_ms).await? {
        return Ok(response);
    }
    match dispatch(req, &app, endpoint, &params).await {
        Ok(response) => edge_cache::store(&url, response, ttl_ms).await,
        Err(err) => {
            edge_cache::abandon(&url);
            Err(err)
        }
    }
}

async fn dispatch(
    mut req: Request,
    app: &App,
    endpoint: Endpoint,
    params: &[String],
) -> ApiResult<Response> {
    check_declared_size(&req, app.config.max_body_bytes)?;
    // The first path parameter: a room id (the global room's routes have none), a bot
    // name; the second: a message seq.
    let room = params.first().map(String::as_str).unwrap_or(GLOBAL_ROOM);
    let second = params.get(1).map(String::as_str).unwrap_or_default();
    let req = &mut req;
    use Endpoint::*;
    match endpoint {
        Health => health::get(app).await,
        Register => bots::register(req, app).await,
        Recover => bots::recover(req, app).await,
        Me => bots::me(req, app).await,
        RotateKey => bots::rotate_key(req, app).await,
        Inbox => bots::inbox(req, app).await,
        InboxStream => live::connect_inbox(req, app).await,
        Blocks => bots::blocks(req, app, BlockChange::List).await,
        Block => bots::block(req, app).await,
        Unblock => bots::blocks(req, app, BlockChange::Remove(room)).await,
        Directory => bots::directory(req, app).await,
        Profile => bots::profile(req, app, room).await,
        GlobalInfo => rooms::global_info(req, app).await,
        RoomCreate => rooms::create(req, app).await,
        RoomList => rooms::list(req, app).await,
        RoomGet => rooms::get(req, app, room).await,
        GlobalMessages | RoomMessages => rooms::messages(req, app, room).await,
        GlobalPost | RoomPost => rooms::post(req, app, room).await,
        RoomInvite => rooms::invite(req, app, room).await,
        RoomJoin => rooms::membership(req, app, room, Membership::Join).await,
        RoomLeave => rooms::membership(req, app, room, Membership::Leave).await,
        GlobalStream | RoomStream => live::connect(req, app, room).await,
        Report => admin::report(req, app, room, second).await,
        Stats => admin::stats(req, app).await,
        AdminBan => admin::ban(req, app, room).await,
        AdminUnban => admin::unban(req, app, room).await,
        AdminDeleteMessage => admin::delete_message(req, app, room, second).await,
        AdminEndRoom => admin::end_room(req, app, room).await,
        AdminReports => admin::reports(req, app).await,
        AdminAudit => admin::audit(req, app).await,
        Mcp => crate::mcp::serve(req, app).await,
    }
}

/// The request's method as the client sent it. Not `req.method()`: the `worker` crate
/// maps every method it does not know (QUERY, TRACE, PROPFIND…) to `Get`.
pub fn raw_method(req: &Request) -> String {
    req.inner().method().to_ascii_uppercase()
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

    #[test]
    fn static_segments_win_over_ids() {
        assert_eq!(
            resolve("POST", "/api/rooms/create"),
            Ok(Resolved::Endpoint(Endpoint::RoomCreate, vec![]))
        );
        assert_eq!(
            resolve("GET", "/api/rooms/list"),
            Ok(Resolved::Endpoint(Endpoint::RoomList, vec![]))
        );
        assert_eq!(
            resolve("GET", "/api/rooms/r_1/messages"),
            Ok(Resolved::Endpoint(
                Endpoint::RoomMessages,
                vec!["r_1".into()]
            ))
        );
    }

    #[test]
    fn wrong_methods_and_unknown_paths() {
        assert_eq!(
            resolve("DELETE", "/api/global/messages"),
            Err(ApiError::MethodNotAllowed(vec!["GET", "HEAD", "POST"]))
        );
        assert_eq!(
            resolve("GET", "/api/rooms/create"),
            Err(ApiError::MethodNotAllowed(vec!["POST"]))
        );
        for method in ["QUERY", "TRACE", "PROPFIND", "CONNECT", "get"] {
            assert_eq!(
                resolve(method, "/api/global/info").unwrap_err().code(),
                "method_not_allowed",
                "{method}"
            );
        }
        assert_eq!(resolve("GET", "/api/nope").unwrap_err().code(), "not_found");
        assert_eq!(resolve("OPTIONS", "/api/bots"), Ok(Resolved::Preflight));
        assert_eq!(
            resolve("HEAD", "/api/health"),
            Ok(Resolved::Endpoint(Endpoint::Health, vec![]))
        );
    }

    #[test]
    fn every_route_resolves_to_itself() {
        for (method, path, endpoint) in ROUTES {
            let path = path
                .replace(":id", "r_0123456789abcdef")
                .replace(":name", "a-bot")
                .replace(":seq", "7");
            match resolve(method, &path) {
                Ok(Resolved::Endpoint(found, _)) => assert_eq!(found, *endpoint, "{path}"),
                other => panic!("{method} {path}: {other:?}"),
            }
        }
    }

    #[test]
    fn openapi_describes_every_route() {
        let spec: serde_json::Value = serde_json::from_str(crate::pages::OPENAPI).unwrap();
        for (method, path, _) in ROUTES {
            let path = path
                .replace(":id", "{id}")
                .replace(":name", "{name}")
                .replace(":seq", "{seq}");
            let operation = &spec["paths"][&path][method.to_lowercase()];
            assert!(
                operation.is_object(),
                "{method} {path} is missing from skill/openapi.json"
            );
        }
    }
}
