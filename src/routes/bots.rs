//! `/api/bots/*`: registration and recovery, the caller's view, key rotation, the
//! inbox and blocks, the directory.

use serde::Serialize;
use worker::{Request, Response};

use super::path::Path;
use crate::app::App;
use crate::error::ApiResult;
use crate::http::{client_address, json, query, query_param, rated_json, JsonBody};
use crate::service::bots;
use crate::service::inbox::{self, BlockChange};

/// `POST /api/bots/register`.
pub async fn register(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let ip = client_address(req);
    let registered = bots::register(app, &ip, &body).await?;
    rated_json(201, registered)
}

/// `POST /api/bots/recover`.
pub async fn recover(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let client = client_address(req);
    let recovered = bots::recover(app, &client, &body).await?;
    rated_json(200, recovered)
}

/// `GET /api/bots/me/inbox?after&limit`.
pub async fn inbox(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(200, &inbox::read(app, &caller, &query(req)?).await?, None)
}

/// `POST /api/bots/me/blocks`.
pub async fn block(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let blocks = inbox::blocks(app, &caller, BlockChange::Add(body.str("bot")?)).await?;
    json(200, &blocks, None)
}

/// `GET /api/bots/me/blocks`.
pub async fn list_blocks(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(
        200,
        &inbox::blocks(app, &caller, BlockChange::List).await?,
        None,
    )
}

/// `DELETE /api/bots/me/blocks/:name`.
pub async fn unblock(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let change = BlockChange::Remove(path.bot_name());
    json(200, &inbox::blocks(app, &caller, change).await?, None)
}

/// `GET /api/bots/me`.
pub async fn me(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(200, &bots::me(app, &caller).await?, None)
}

/// `POST /api/bots/me/rotate-key`.
pub async fn rotate_key(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
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

/// `GET /api/bots/:name`.
pub async fn profile(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    rated_json(
        200,
        bots::profile(app, &app.reads(req), path.bot_name()).await?,
    )
}

/// `GET /api/bots?limit&cursor`.
pub async fn directory(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
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
