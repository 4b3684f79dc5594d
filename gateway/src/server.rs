//! HTTP in and out: method check, authentication, routing, and turning a
//! gateway answer into the JSON the Upstash SDKs expect.
//!
//! Every request goes through one handler rather than axum's per-route method
//! filters, so that 404 and 405 answers carry the same `{"error":…}` body as
//! everything else.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::gateway::Gateway;
use crate::protocol::{self, Encoding};
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

/// Upstash's documented request size limit.
const MAX_BODY: usize = 10 * 1024 * 1024;

struct App {
    gateway: Gateway,
    token: String,
}

/// Binds, announces the address on stdout (test harnesses wait for that line), and
/// serves until SIGTERM or SIGINT, letting requests in flight finish.
pub async fn run(config: Config) -> Result<()> {
    let mut terminate = signal(SignalKind::terminate()).map_err(Error::Startup)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(Error::Startup)?;
    let address = listener.local_addr().map_err(Error::Startup)?;
    println!("redis-rest-gateway listening on http://{address}");
    let app = Arc::new(App {
        gateway: Gateway::new(config.redis),
        token: config.token,
    });
    let router = Router::new().fallback(handle).with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        })
        .await
        .map_err(Error::Startup)
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    respond(&app, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn respond(app: &App, request: Request) -> Result<Response> {
    let (parts, body) = request.into_parts();
    if !matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::POST | Method::PUT
    ) {
        return Err(Error::MethodNotAllowed);
    }
    authorize(&parts, &app.token)?;
    let encoding = Encoding::from_headers(&parts.headers);
    let writes = matches!(parts.method, Method::POST | Method::PUT);
    match (parts.uri.path(), writes) {
        ("/", true) => {
            app.gateway.stats.count_request();
            let command = protocol::parse_command(&read_body(body).await?)?;
            let reply = app.gateway.command(command).await?;
            Ok(ok(json!({ "result": protocol::to_json(reply, encoding) })))
        }
        ("/pipeline", true) => {
            app.gateway.stats.count_request();
            let commands = protocol::parse_commands(&read_body(body).await?)?;
            let replies = app.gateway.pipeline(commands).await?;
            Ok(ok(protocol::entries(replies, encoding)))
        }
        ("/multi-exec", true) => {
            app.gateway.stats.count_request();
            let commands = protocol::parse_commands(&read_body(body).await?)?;
            let replies = app.gateway.transaction(commands).await?;
            Ok(ok(protocol::entries(replies, encoding)))
        }
        // GET / is what a person or a health probe tries first: answer with a PING
        // so it tells whether Redis is reachable too.
        ("/", false) => {
            let reply = app.gateway.ping().await?;
            Ok(ok(json!({ "result": protocol::to_json(reply, encoding) })))
        }
        ("/_gateway/stats", false) => Ok(ok(app.gateway.stats.to_json())),
        ("/pipeline" | "/multi-exec", false) | ("/_gateway/stats", true) => {
            Err(Error::MethodNotAllowed)
        }
        _ => Err(Error::NotFound),
    }
}

/// Accepts `Authorization: Bearer <token>` or `?_token=<token>`, like Upstash.
fn authorize(parts: &Parts, token: &str) -> Result<()> {
    let from_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|given| given.trim() == token);
    let from_query = || {
        Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .is_ok_and(|Query(query)| query.get("_token").is_some_and(|given| given == token))
    };
    if from_header || from_query() {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

async fn read_body(body: Body) -> Result<Bytes> {
    to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Error::PayloadTooLarge)
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}
