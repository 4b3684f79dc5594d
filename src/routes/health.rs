//! `GET /api/health`: whether this deployment can reach Redis right now.

use serde::Serialize;
use worker::Response;

use crate::app::App;
use crate::error::ApiResult;
use crate::http::json;

#[derive(Serialize)]
struct Health {
    ok: bool,
    redis: String,
    version: &'static str,
}

/// 200 when Redis answers a PING, 503 with a short reason otherwise. The reason is
/// public, so it names the kind of failure only; the details (which can quote Upstash's
/// answers or the storage URL) go to the log.
pub async fn get(app: &App) -> ApiResult<Response> {
    let redis = match app.store() {
        Ok(store) => match store.ping().await {
            Ok(()) => "ok".to_string(),
            Err(err) => {
                worker::console_error!("health: storage: {err}");
                err.kind().to_string()
            }
        },
        Err(err) => {
            worker::console_error!("health: {}", err.message());
            "misconfigured".to_string()
        }
    };
    let ok = redis == "ok";
    let body = Health {
        ok,
        redis,
        version: env!("CARGO_PKG_VERSION"),
    };
    json(if ok { 200 } else { 503 }, &body, None)
}
