//! HTTP in and out: method check, authentication (the `token` module), routing,
//! and turning a gateway answer into the JSON the Upstash SDKs expect.
//!
//! Every request goes through one handler rather than axum's per-route method
//! filters, so that 404 and 405 answers carry the same `{"error":…}` body as
//! everything else.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::gateway::Gateway;
use crate::protocol::{self, Encoding};
use crate::token::Token;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

/// Upstash's documented request size limit.
const MAX_BODY: usize = 10 * 1024 * 1024;

struct App {
    gateway: Gateway,
    token: Token,
}

/// Binds, announces the address on stdout (test harnesses wait for that line), and
/// serves until SIGTERM or SIGINT, letting requests in flight finish. An address
/// beyond loopback is served too, after a warning on stderr: a container or a VM
/// may need it, but the person starting it should know what it opens.
pub async fn run(config: Config) -> Result<()> {
    let mut terminate = signal(SignalKind::terminate()).map_err(Error::Startup)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(Error::Startup)?;
    let address = listener.local_addr().map_err(Error::Startup)?;
    if let Some(warning) = config.exposure_warning() {
        eprintln!("redis-rest-gateway: {warning}");
    }
    println!("redis-rest-gateway listening on http://{address}");
    let app = Arc::new(App {
        gateway: Gateway::new(config.redis),
        token: Token::new(&config.token),
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

/// Runs `work` to its end even when the client goes away meanwhile, as Upstash does: a
/// request it has received is executed whether or not anyone reads the answer. Run in
/// the handler instead, the commands would be dropped with the HTTP connection (and
/// their Redis connection with them), so a client that gave up waiting could never find
/// its write applied, which on Upstash it can.
async fn to_the_end<T, F>(app: &Arc<App>, work: impl FnOnce(Arc<App>) -> F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    tokio::spawn(work(Arc::clone(app)))
        .await
        .map_err(|err| Error::Unavailable(format!("ERR {err}")))?
}

async fn respond(app: &Arc<App>, request: Request) -> Result<Response> {
    let (parts, body) = request.into_parts();
    if !matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::POST | Method::PUT
    ) {
        return Err(Error::MethodNotAllowed);
    }
    app.token.authorize(&parts.headers)?;
    let encoding = Encoding::from_headers(&parts.headers);
    let writes = matches!(parts.method, Method::POST | Method::PUT);
    match (parts.uri.path(), writes) {
        ("/", true) => {
            app.gateway.stats.count_request();
            let command = protocol::parse_command(&read_body(body).await?)?;
            let reply =
                to_the_end(app, |app| async move { app.gateway.command(command).await }).await?;
            Ok(ok(json!({ "result": protocol::to_json(reply, encoding) })))
        }
        ("/pipeline", true) => {
            app.gateway.stats.count_request();
            let commands = protocol::parse_commands(&read_body(body).await?)?;
            let replies = to_the_end(
                app,
                |app| async move { app.gateway.pipeline(commands).await },
            )
            .await?;
            Ok(ok(protocol::entries(replies, encoding)))
        }
        ("/multi-exec", true) => {
            app.gateway.stats.count_request();
            let commands = protocol::parse_commands(&read_body(body).await?)?;
            let replies = to_the_end(
                app,
                |app| async move { app.gateway.transaction(commands).await },
            )
            .await?;
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

async fn read_body(body: Body) -> Result<Bytes> {
    to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Error::PayloadTooLarge)
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    /// Sends one request to an app whose Redis cannot be reached (nothing listens
    /// on port 1): every answer checked here is given before Redis would be asked.
    async fn send(
        method: Method,
        uri: &str,
        bearer: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let app = Arc::new(App {
            gateway: Gateway::new("127.0.0.1:1".to_owned()),
            token: Token::new("t0ken"),
        });
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = handle(
            State(app),
            request.body(Body::from(body.to_owned())).unwrap(),
        )
        .await;
        let status = response.status();
        let bytes = to_bytes(response.into_body(), MAX_BODY).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    /// POSTs `body` to `path` with the right token.
    async fn post(path: &str, body: &str) -> (StatusCode, Value) {
        send(Method::POST, path, Some("t0ken"), body).await
    }

    #[tokio::test]
    async fn the_token_is_accepted_in_the_authorization_header_only() {
        let unauthorized = (
            StatusCode::UNAUTHORIZED,
            json!({ "error": "WRONGPASS invalid or missing auth token" }),
        );
        let (status, _) = send(Method::GET, "/_gateway/stats", Some("t0ken"), "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            send(Method::GET, "/_gateway/stats?_token=t0ken", None, "").await,
            unauthorized
        );
        assert_eq!(
            send(Method::POST, "/?_token=t0ken", None, r#"["PING"]"#).await,
            unauthorized
        );
        assert_eq!(
            send(Method::POST, "/", Some("t0keN"), r#"["PING"]"#).await,
            unauthorized
        );
        assert_eq!(
            send(Method::POST, "/", Some("t0ken-and-more"), r#"["PING"]"#).await,
            unauthorized
        );
        assert_eq!(
            send(Method::POST, "/", None, r#"["PING"]"#).await,
            unauthorized
        );
    }

    #[tokio::test]
    async fn administrative_commands_are_refused_before_redis_is_asked() {
        let refused = |name: &str| {
            let text = format!("ERR administrative command '{name}' is not supported over REST");
            (StatusCode::BAD_REQUEST, json!({ "error": text }))
        };
        assert_eq!(post("/", r#"["FLUSHALL"]"#).await, refused("flushall"));
        let pipeline = r#"[["SET","k","v"],["config","set","dir","/tmp"]]"#;
        assert_eq!(post("/pipeline", pipeline).await, refused("config|set"));
        let transaction = r#"[["SET","k","v"],["SHUTDOWN"]]"#;
        assert_eq!(post("/multi-exec", transaction).await, refused("shutdown"));
        // An allowed command does reach for Redis, which is not there.
        let (status, _) = post("/", r#"["DBSIZE"]"#).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
