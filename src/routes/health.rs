//! `GET /api/limits`: the deployment's limits, caps and bounds, so a bot plans instead of
//! probing (no storage: they are its configuration).
//!
//! `GET /api/health`: whether this deployment is configured, can reach Redis right now,
//! and holds data in the key layout it reads. The deploy script's smoke check reads it
//! after every deploy, which is also when it brings a database to a new release's
//! layout (`store/lua/layout_upgrade.lua`).

use serde::Serialize;
use serde_json::json;
use worker::Response;

use crate::app::App;
use crate::error::ApiResult;
use crate::http;
use crate::log::{self, Level};
use crate::store::Layout;

#[derive(Serialize)]
struct Health {
    ok: bool,
    redis: String,
    version: &'static str,
    /// The key layout the data is in (absent when Redis did not answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    layout: Option<i64>,
    /// What is wrong, naming the secret or the layout, never a secret's value; absent
    /// when nothing is.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

/// 200 when every secret is usable, Redis answers and the data is in this release's
/// layout; 503 with a short reason otherwise. The reason is public, so it names the kind
/// of failure only; the details (which can quote Upstash's answers or the storage URL)
/// go to the log.
pub async fn get(app: &App) -> ApiResult<Response> {
    let mut problem = app.check_secrets().err().map(|err| err.message());
    let mut layout = None;
    let redis = match app.store() {
        Ok(store) => match store.layout().await {
            Ok(found) => {
                // After the check the data is in this release's layout, or a newer one.
                layout = Some(found.found.max(found.current));
                problem = problem.or_else(|| newer_layout(found));
                "ok".to_string()
            }
            Err(err) => {
                let reason = err.to_string();
                log::event(
                    Level::Error,
                    "storage_unavailable",
                    json!({ "reason": reason }),
                );
                err.kind().to_string()
            }
        },
        Err(err) => {
            log::api_error(&err);
            "misconfigured".to_string()
        }
    };
    let ok = redis == "ok" && problem.is_none();
    let body = Health {
        ok,
        redis,
        version: env!("CARGO_PKG_VERSION"),
        layout,
        problem,
    };
    http::json(if ok { 200 } else { 503 }, &body, None)
}

/// `GET /api/limits`.
pub async fn limits(app: &App) -> ApiResult<Response> {
    http::json(200, &app.config.limits(), None)
}

/// The problem of data written by a newer release, if it is.
fn newer_layout(layout: Layout) -> Option<String> {
    layout.is_newer().then(|| {
        let message = format!(
            "the data is in key layout {}, newer than this release's {}: deploy the release that wrote it (see README, Upgrades).",
            layout.found, layout.current
        );
        log::event(Level::Error, "layout_newer", json!({ "found": layout.found, "current": layout.current }));
        message
    })
}
