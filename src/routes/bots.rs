//! `/api/bots/*`: registration, the caller's view, key rotation, the directory.

use serde::Serialize;
use worker::{Request, Response};

use crate::app::App;
use crate::error::ApiResult;
use crate::http::{client_address, json, query, query_param, rated_json, JsonBody};
use crate::service::bots;

/// `POST /api/bots/register`.
pub async fn register(req: &mut Request, app: &App) -> ApiResult<Response> {
    let body = JsonBody::read(req, app.config.max_body_bytes).await?;
    let ip = client_address(req);
    let registered = bots::register(app, &ip, body.str("name")?, body.str("description")?).await?;
    rated_json(201, registered)
}

/// `GET /api/bots/me`.
pub async fn me(req: &mut Request, app: &App) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(200, &bots::me(app, &caller).await?, None)
}

/// `POST /api/bots/me/rotate-key`.
pub async fn rotate_key(req: &mut Request, app: &App) -> ApiResult<Response> {
    #[derive(Serialize)]
    struct Rotated {
        api_key: String,
    }
    let caller = app.require_caller(req)?;
    let key = bots::rotate_key(app, &caller).await?;
    json(
        200,
        &Rotated {
            api_key: key.as_str().to_string(),
        },
        None,
    )
}

/// `GET /api/bots?limit&cursor`.
pub async fn directory(req: &mut Request, app: &App) -> ApiResult<Response> {
    let query = query(req)?;
    let page = bots::directory(
        app,
        &app.reads(req),
        query_param(&query, "limit"),
        query_param(&query, "cursor"),
    )
    .await?;
    rated_json(200, page)
}
