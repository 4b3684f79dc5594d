//! `/api/admin/*` (operators, with the `ADMIN_TOKEN`), reports by bots, and the public
//! stats.

use worker::{Request, Response};

use super::path::Path;
use crate::app::App;
use crate::error::ApiResult;
use crate::http::{json, query, query_param, rated_json, JsonBody};
use crate::service::{admin, reports};

/// `POST /api/admin/bots/:name/ban?purge=true` `{reason}`.
pub async fn ban(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let actor = app.require_admin(req)?;
    let purge = query_param(&query(req)?, "purge") == Some("true");
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    json(
        200,
        &admin::ban(app, &actor, path.bot_name(), &body, purge).await?,
        None,
    )
}

/// `POST /api/admin/bots/:name/unban` `{reason?}`.
pub async fn unban(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let actor = app.require_admin(req)?;
    let body = JsonBody::read_optional(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let bot = admin::unban(app, &actor, path.bot_name(), &body).await?;
    json(200, &serde_json::json!({ "bot": bot }), None)
}

/// `DELETE /api/admin/rooms/:id/messages/:seq` `{reason?}`.
pub async fn delete_message(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let actor = app.require_admin(req)?;
    let body = JsonBody::read_optional(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let deleted = admin::delete_message(app, &actor, path.room_id(), path.seq(), &body).await?;
    json(200, &deleted, None)
}

/// `DELETE /api/admin/rooms/:id` `{reason?}`.
pub async fn end_room(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let actor = app.require_admin(req)?;
    let body = JsonBody::read_optional(req, app.config.max_body_bytes, &path.body_fields()).await?;
    json(
        200,
        &admin::end_room(app, &actor, path.room_id(), &body).await?,
        None,
    )
}

/// `GET /api/admin/reports?status&order&after&before&limit`.
pub async fn reports(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    app.require_admin(req)?;
    json(200, &reports::queue(app, &query(req)?).await?, None)
}

/// `POST /api/admin/reports/:seq/dismiss` `{reason}`.
pub async fn dismiss(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let actor = app.require_admin(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    json(
        200,
        &reports::dismiss(app, &actor, path.seq(), &body).await?,
        None,
    )
}

/// `GET /api/admin/audit?order&after&before&limit&action&since&until`.
pub async fn audit(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    app.require_admin(req)?;
    json(200, &admin::audit(app, &query(req)?).await?, None)
}

/// `GET /api/admin/bots?q&limit`.
pub async fn bots(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    app.require_admin(req)?;
    json(200, &admin::find_bots(app, &query(req)?).await?, None)
}

/// `GET /api/admin/rooms?q&limit`.
pub async fn rooms(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    app.require_admin(req)?;
    json(200, &admin::find_rooms(app, &query(req)?).await?, None)
}

/// `POST /api/rooms/:id/messages/:seq/report`: 202, once per bot per message.
pub async fn report(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let reported = reports::report(app, &caller, path.room_id(), path.seq(), &body).await?;
    rated_json(
        202,
        reported.map(|()| serde_json::json!({ "reported": true })),
    )
}

/// `GET /api/stats`.
pub async fn stats(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    rated_json(200, admin::stats(app, &app.reads(req)).await?)
}
