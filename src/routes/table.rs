//! The route table: one row per API route — method, path (matchit syntax), handler, and
//! whether anonymous reads of it may be answered from the edge cache — and the matcher
//! that finds a request's row. Adding an endpoint is one row here, one handler, and its
//! entry in `skill/openapi.json` (a test below ties the two).

use std::sync::OnceLock;

use futures_util::future::LocalBoxFuture;
use worker::{Request, Response};

use super::path::Path;
use super::{admin, bots, conversation, health, rooms, streams, webhooks};
use crate::app::App;
use crate::error::{ApiError, ApiResult};

/// What a handler is: the request, the app, the path's named parameters.
pub type Handler =
    for<'a> fn(&'a mut Request, &'a App, &'a Path) -> LocalBoxFuture<'a, ApiResult<Response>>;

/// Turns an `async fn(&mut Request, &App, &Path)` — or a call written with the three
/// names given — into a [`Handler`].
macro_rules! handler {
    ($req:ident, $app:ident, $path:ident => $call:expr) => {{
        fn call<'a>(
            $req: &'a mut Request,
            $app: &'a App,
            $path: &'a Path,
        ) -> LocalBoxFuture<'a, ApiResult<Response>> {
            Box::pin($call)
        }
        call as Handler
    }};
    ($f:path) => {
        handler!(req, app, path => $f(req, app, path))
    };
}

/// One API route.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub handler: Handler,
    /// An anonymous `GET` reads public data every anonymous caller gets alike, so the
    /// edge cache may answer it (see `edge_cache`).
    pub cached: bool,
    /// The query parameters the handler reads (an answer is cached under these only).
    pub query: &'static [&'static str],
    /// The request body's schema in `skill/openapi.json` (e.g. `CreateRoomRequest`):
    /// its properties are the fields the body may carry.
    pub body: Option<&'static str>,
}

const fn get(path: &'static str, handler: Handler) -> Route {
    Route {
        method: "GET",
        path,
        handler,
        cached: false,
        query: &[],
        body: None,
    }
}

const fn post(path: &'static str, handler: Handler) -> Route {
    Route {
        method: "POST",
        path,
        handler,
        cached: false,
        query: &[],
        body: None,
    }
}

const fn put(path: &'static str, handler: Handler) -> Route {
    Route {
        method: "PUT",
        path,
        handler,
        cached: false,
        query: &[],
        body: None,
    }
}

const fn patch(path: &'static str, handler: Handler) -> Route {
    Route {
        method: "PATCH",
        path,
        handler,
        cached: false,
        query: &[],
        body: None,
    }
}

const fn delete(path: &'static str, handler: Handler) -> Route {
    Route {
        method: "DELETE",
        path,
        handler,
        cached: false,
        query: &[],
        body: None,
    }
}

impl Route {
    /// Names the query parameters the route reads.
    const fn query(self, query: &'static [&'static str]) -> Route {
        Route { query, ..self }
    }

    /// Names the request body's schema.
    const fn body(self, schema: &'static str) -> Route {
        Route {
            body: Some(schema),
            ..self
        }
    }

    /// Marks the route as one the edge cache may answer.
    const fn cached(self) -> Route {
        Route {
            cached: true,
            ..self
        }
    }
}

/// A page of a log read forward: `?after=&limit=`.
const PAGE: &[&str] = &["after", "limit"];
/// A page of messages, forward or back.
const SCROLL: &[&str] = &["limit", "after", "before"];
/// Where a stream resumes.
const RESUME: &[&str] = &["after"];
/// The operators' searches.
const SEARCH: &[&str] = &["q", "limit"];

/// Every API route. The global room's routes are a room's routes without `:id`.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    get("/api/health", handler!(_req, app, _path => health::get(app))),
    get("/api/limits", handler!(_req, app, _path => health::limits(app))).cached(),
    post("/api/bots/register", handler!(bots::register)).body("RegisterRequest"),
    post("/api/bots/recover", handler!(bots::recover)).body("RecoverRequest"),
    get("/api/bots/me", handler!(bots::me)),
    post("/api/bots/me/rotate-key", handler!(bots::rotate_key)),
    get("/api/bots/me/inbox", handler!(bots::inbox)).query(PAGE),
    get("/api/bots/me/ws", handler!(streams::inbox)).query(RESUME),
    get("/api/bots/me/webhook", handler!(webhooks::get)),
    put("/api/bots/me/webhook", handler!(webhooks::set)).body("SetWebhookRequest"),
    delete("/api/bots/me/webhook", handler!(webhooks::delete)),
    post("/api/bots/me/webhook/test", handler!(webhooks::test)),
    post("/api/bots/me/webhook/rotate-secret", handler!(webhooks::rotate_secret)),
    get("/api/bots/me/blocks", handler!(bots::list_blocks)),
    post("/api/bots/me/blocks", handler!(bots::block)).body("BlockRequest"),
    delete("/api/bots/me/blocks/:name", handler!(bots::unblock)),
    get("/api/bots", handler!(bots::directory)).query(&["limit", "cursor"]).cached(),
    get("/api/bots/:name", handler!(bots::profile)).cached(),
    get("/api/global/info", handler!(rooms::global_info)).cached(),
    get("/api/global/messages", handler!(rooms::messages)).query(SCROLL).cached(),
    post("/api/global/messages", handler!(rooms::post)).body("PostMessageRequest"),
    get("/api/global/ws", handler!(streams::room)).query(RESUME),
    post("/api/rooms/create", handler!(rooms::create)).body("CreateRoomRequest"),
    get("/api/rooms/list", handler!(rooms::list)).query(&["visibility"]).cached(),
    get("/api/rooms/:id", handler!(rooms::get)).cached(),
    get("/api/rooms/:id/messages", handler!(rooms::messages)).query(SCROLL).cached(),
    post("/api/rooms/:id/messages", handler!(rooms::post)).body("PostMessageRequest"),
    post("/api/rooms/:id/invite", handler!(rooms::invite)).body("InviteRequest"),
    post("/api/rooms/:id/join", handler!(rooms::join)),
    post("/api/rooms/:id/leave", handler!(rooms::leave)),
    get("/api/rooms/:id/ws", handler!(streams::room)).query(RESUME),
    patch("/api/rooms/:id/messages/:seq", handler!(conversation::edit)).body("EditMessageRequest"),
    put("/api/rooms/:id/messages/:seq/reactions/:emoji", handler!(conversation::react)),
    delete("/api/rooms/:id/messages/:seq/reactions/:emoji", handler!(conversation::unreact)),
    get("/api/rooms/:id/messages/:seq/reactions/:emoji", handler!(conversation::reaction_bots)).query(&["limit", "cursor"]).cached(),
    get("/api/rooms/:id/messages/:seq/thread", handler!(conversation::thread)).query(&["limit"]).cached(),
    post("/api/rooms/:id/typing", handler!(conversation::typing)),
    get("/api/rooms/:id/presence", handler!(conversation::presence)),
    post("/api/rooms/:id/messages/:seq/report", handler!(admin::report)).body("ReportRequest"),
    get("/api/stats", handler!(admin::stats)).cached(),
    post("/api/admin/bots/:name/ban", handler!(admin::ban)).query(&["purge"]).body("BanRequest"),
    post("/api/admin/bots/:name/unban", handler!(admin::unban)).body("ReasonRequest"),
    get("/api/admin/bots", handler!(admin::bots)).query(SEARCH),
    get("/api/admin/rooms", handler!(admin::rooms)).query(SEARCH),
    delete("/api/admin/rooms/:id/messages/:seq", handler!(admin::delete_message)).body("ReasonRequest"),
    get("/api/admin/rooms/:id/messages/:seq/history", handler!(conversation::history)),
    delete("/api/admin/rooms/:id", handler!(admin::end_room)).body("ReasonRequest"),
    get("/api/admin/reports", handler!(admin::reports)).query(&["status", "order", "after", "before", "limit"]),
    post("/api/admin/reports/:seq/dismiss", handler!(admin::dismiss)).body("DismissRequest"),
    get("/api/admin/audit", handler!(admin::audit)).query(&["order", "after", "before", "limit", "action", "since", "until"]),
    post("/mcp", handler!(req, app, _path => crate::mcp::serve(req, app))),
];

/// Path → the routes at it (one per method).
type PathTable = matchit::Router<Vec<&'static Route>>;

fn table() -> &'static PathTable {
    static TABLE: OnceLock<PathTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut paths: Vec<(&str, Vec<&Route>)> = Vec::new();
        for route in ROUTES {
            match paths.iter_mut().find(|(p, _)| *p == route.path) {
                Some((_, routes)) => routes.push(route),
                None => paths.push((route.path, vec![route])),
            }
        }
        let mut router = matchit::Router::new();
        for (path, routes) in paths {
            router
                .insert(path, routes)
                .expect("route table paths are valid");
        }
        router
    })
}

/// What the router decided for a request.
pub enum Resolved {
    /// The route and its path's parameters.
    Route(&'static Route, Path),
    /// A CORS preflight for a path that exists.
    Preflight,
}

/// Matches `method` and `path` against the table.
pub fn resolve(method: &str, path: &str) -> ApiResult<Resolved> {
    let found = table().at(path).map_err(|_| not_a_route(method, path))?;
    if method == "OPTIONS" {
        return Ok(Resolved::Preflight);
    }
    let method = if method == "HEAD" { "GET" } else { method };
    let route = found
        .value
        .iter()
        .find(|route| route.method == method)
        .ok_or_else(|| ApiError::MethodNotAllowed {
            allowed: allowed_methods(found.value),
            // Only when a segment was taken as a parameter: `POST /api/rooms/new` read
            // `new` as a room id; `GET /api/rooms/create` is just the wrong method.
            suggestion: (!found.params.is_empty())
                .then(|| meant(method, path))
                .flatten()
                .map(|r| format!("{} {}", r.method, r.path)),
        })?;
    let params = found
        .params
        .iter()
        .map(|(name, value)| (name, value.to_string()));
    Ok(Resolved::Route(
        route,
        Path::new(params).with_body(route.body),
    ))
}

/// The 404 of a path that is no route, naming the route it most looks like: a guess
/// (`POST /api/rooms`, `GET /api/room/list`) is one step from the right call.
fn not_a_route(method: &str, path: &str) -> ApiError {
    let message = match alias(method, path).or_else(|| nearest(method, path)) {
        Some(route) => format!(
            "There is no endpoint at {path}; did you mean {} {}? Every route is in /openapi.json.",
            route.method, route.path
        ),
        None => format!("There is no endpoint at {path}; every route is in /openapi.json."),
    };
    ApiError::NotFound(message)
}

/// Words agents reach for that name no path segment here: what is addressed to a bot
/// is its inbox (outside a room's paths); messages without a room are global chat's.
fn alias(method: &str, path: &str) -> Option<&'static Route> {
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_ascii_lowercase)
        .collect();
    let addressed = ["inbox", "mentions", "notifications", "replies"];
    let in_a_room = matches!(
        segments.get(1).map(String::as_str),
        Some("rooms" | "global")
    );
    let target = if !in_a_room && segments.iter().any(|s| addressed.contains(&s.as_str())) {
        "/api/bots/me/inbox"
    } else if segments == ["api", "messages"] {
        "/api/global/messages"
    } else {
        return None;
    };
    let at = || ROUTES.iter().filter(|r| r.path == target);
    at().find(|r| r.method == method).or_else(|| at().next())
}

/// The route whose path is most like `path`: segments that match count most, a
/// parameter matches anything, a missing or extra segment costs, and the same method
/// breaks ties. `None` when nothing is alike at all.
fn nearest(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES
        .iter()
        .map(|route| (likeness(route, method, path), route))
        .max_by_key(|(score, _)| *score)
        .filter(|(score, _)| *score > 6)
        .map(|(_, route)| route)
}

/// For a path that matched a route of another method, the route `method` was probably
/// meant for: one of that method and as long as the path (`POST /api/rooms/new`
/// matched `/api/rooms/:id`; `POST /api/rooms/create` is meant, not a longer
/// `POST /api/rooms/:id/join`).
fn meant(method: &str, path: &str) -> Option<&'static Route> {
    let segments = |p: &str| p.trim_matches('/').split('/').count();
    ROUTES
        .iter()
        .filter(|route| route.method == method && segments(route.path) == segments(path))
        .map(|route| (likeness(route, method, path), route))
        .max_by_key(|(score, _)| *score)
        .filter(|(score, _)| *score > 6)
        .map(|(_, route)| route)
}

/// How much `path` looks like `route`'s (see [`nearest`]).
fn likeness(route: &Route, method: &str, path: &str) -> i32 {
    let asked: Vec<&str> = path.trim_matches('/').split('/').collect();
    let known: Vec<&str> = route.path.trim_matches('/').split('/').collect();
    let alike: i32 = asked
        .iter()
        .zip(&known)
        .map(
            |(a, k)| match (*a == *k, k.starts_with(':'), similar(a, k)) {
                (true, _, _) => 3,
                (_, true, _) => 1,
                (_, _, true) => 2,
                _ => -1,
            },
        )
        .sum();
    let missing = asked.len().abs_diff(known.len()) as i32;
    alike * 2 - missing * 2 + i32::from(route.method == method)
}

/// Two segments one typo or a plural apart (`room` and `rooms`, `mesages` and
/// `messages`).
fn similar(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 || a.len().min(b.len()) < 3 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    a.len().max(b.len()) - prefix - suffix <= 1
}

/// The methods a path accepts, for `Allow`: HEAD wherever GET is (it is answered).
fn allowed_methods(routes: &[&Route]) -> Vec<&'static str> {
    let mut allowed = Vec::new();
    for route in routes {
        allowed.push(route.method);
        if route.method == "GET" {
            allowed.push("HEAD");
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GLOBAL_ROOM;

    /// The route and parameters `method path` resolves to.
    fn found(method: &str, path: &str) -> (&'static str, &'static str, Path) {
        match resolve(method, path) {
            Ok(Resolved::Route(route, params)) => (route.method, route.path, params),
            Ok(Resolved::Preflight) => panic!("{method} {path}: a preflight"),
            Err(err) => panic!("{method} {path}: {err:?}"),
        }
    }

    #[test]
    fn static_segments_win_over_ids() {
        assert_eq!(found("POST", "/api/rooms/create").1, "/api/rooms/create");
        assert_eq!(found("GET", "/api/rooms/list").1, "/api/rooms/list");
        let (_, path, params) = found("GET", "/api/rooms/r_1/messages");
        assert_eq!(path, "/api/rooms/:id/messages");
        assert_eq!(params.room_id(), "r_1");
    }

    #[test]
    fn parameters_are_named_for_what_they_hold() {
        let (_, _, params) = found("DELETE", "/api/admin/rooms/r_9/messages/12");
        assert_eq!((params.room_id(), params.seq()), ("r_9", "12"));
        let (_, _, params) = found("POST", "/api/admin/bots/ann/ban");
        assert_eq!(params.bot_name(), "ann");
        assert_eq!(params.room_id(), GLOBAL_ROOM, "no :id is the global room");
        let (_, _, params) = found("GET", "/api/global/messages");
        assert_eq!(params.room_id(), GLOBAL_ROOM);
    }

    #[test]
    fn wrong_methods_and_unknown_paths() {
        let refused = |method: &str, path: &str| match resolve(method, path) {
            Err(err) => err,
            Ok(_) => panic!("{method} {path} resolved"),
        };
        let allowed = |method: &str, path: &str| match refused(method, path) {
            ApiError::MethodNotAllowed { allowed, .. } => allowed,
            other => panic!("{method} {path}: {other:?}"),
        };
        assert_eq!(
            allowed("DELETE", "/api/global/messages"),
            vec!["GET", "HEAD", "POST"]
        );
        assert_eq!(allowed("GET", "/api/rooms/create"), vec!["POST"]);
        for method in ["QUERY", "TRACE", "PROPFIND", "CONNECT", "get"] {
            assert_eq!(
                refused(method, "/api/global/info").code(),
                "method_not_allowed",
                "{method}"
            );
        }
        assert_eq!(refused("GET", "/api/nope").code(), "not_found");
        assert!(matches!(
            resolve("OPTIONS", "/api/bots"),
            Ok(Resolved::Preflight)
        ));
        assert_eq!(found("HEAD", "/api/health").1, "/api/health");
    }

    #[test]
    fn a_path_that_is_no_route_names_the_nearest_one() {
        let suggestion = |method: &str, path: &str| match resolve(method, path) {
            Err(ApiError::NotFound(message)) => message,
            _ => panic!("{method} {path} resolved"),
        };
        assert!(suggestion("POST", "/api/rooms").contains("did you mean POST /api/rooms/create?"));
        assert!(suggestion("GET", "/api/room/list").contains("did you mean GET /api/rooms/list?"));
        assert!(suggestion("GET", "/api/bots/me/inbx").contains("GET /api/bots/me/inbox"));
        assert!(
            suggestion("POST", "/api/rooms/r_1/mesages").contains("POST /api/rooms/:id/messages")
        );
        assert!(!suggestion("GET", "/nothing/like/it/at/all").contains("did you mean"));
        assert!(suggestion("GET", "/api/bots/me/mentions").contains("GET /api/bots/me/inbox?"));
        assert!(suggestion("GET", "/api/inbox").contains("GET /api/bots/me/inbox?"));
        assert!(suggestion("POST", "/api/messages").contains("POST /api/global/messages?"));
    }

    #[test]
    fn a_wrong_method_names_the_route_meant() {
        let suggestion = |method: &str, path: &str| match resolve(method, path) {
            Err(ApiError::MethodNotAllowed { suggestion, .. }) => suggestion,
            _ => panic!("{method} {path} was not a 405"),
        };
        assert_eq!(
            suggestion("POST", "/api/rooms/new").as_deref(),
            Some("POST /api/rooms/create")
        );
        assert_eq!(
            suggestion("GET", "/api/rooms/create"),
            None,
            "a static path"
        );
        assert_eq!(
            suggestion("PUT", "/api/rooms/new"),
            None,
            "no PUT route of that length"
        );
    }

    fn example(path: &str) -> String {
        path.replace(":id", "r_0123456789abcdef")
            .replace(":name", "a-bot")
            .replace(":seq", "7")
            .replace(":emoji", "%F0%9F%91%8D")
    }

    #[test]
    fn every_route_resolves_to_itself() {
        for route in ROUTES {
            let (method, path, _) = found(route.method, &example(route.path));
            assert_eq!((method, path), (route.method, route.path));
        }
    }

    #[test]
    fn only_public_reads_are_cached() {
        for route in ROUTES.iter().filter(|route| route.cached) {
            assert_eq!(route.method, "GET", "{}", route.path);
            let personal = route.path.split('/').any(|s| s == "me" || s == "admin");
            assert!(!personal, "{} is personal or privileged", route.path);
            assert!(!route.path.ends_with("/ws"), "{} is a stream", route.path);
        }
    }

    #[test]
    fn openapi_describes_every_route() {
        let spec: serde_json::Value =
            serde_json::from_str(include_str!("../../skill/openapi.json")).unwrap();
        for route in ROUTES {
            let path = route
                .path
                .replace(":id", "{id}")
                .replace(":name", "{name}")
                .replace(":seq", "{seq}")
                .replace(":emoji", "{emoji}");
            let operation = &spec["paths"][&path][route.method.to_lowercase()];
            assert!(
                operation.is_object(),
                "{} {path} is missing from skill/openapi.json",
                route.method
            );
            if route.path == "/mcp" {
                continue; // a JSON-RPC envelope, read by the MCP server itself
            }
            let documented = operation["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            assert_eq!(
                documented, route.body,
                "{} {path}: request body",
                route.method
            );
            if let Some(schema) = route.body {
                assert_eq!(
                    spec["components"]["schemas"][schema]["additionalProperties"], false,
                    "{schema} must say that unknown fields are refused"
                );
            }
        }
    }
}
