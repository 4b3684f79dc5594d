//! `/api/bots/me/webhook`: the caller's webhook.

use worker::{Request, Response};

use super::path::Path;
use crate::app::App;
use crate::error::ApiResult;
use crate::http::{json, JsonBody};
use crate::service::webhooks;

/// `PUT /api/bots/me/webhook`.
pub async fn set(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    json(200, &webhooks::set(app, &caller, &body).await?, None)
}

/// `GET /api/bots/me/webhook`.
pub async fn get(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(200, &webhooks::get(app, &caller).await?, None)
}

/// `DELETE /api/bots/me/webhook`.
pub async fn delete(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(200, &webhooks::delete(app, &caller).await?, None)
}

/// `POST /api/bots/me/webhook/test`: 202, a ping is on its way.
pub async fn test(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(202, &webhooks::test(app, &caller).await?, None)
}

/// `POST /api/bots/me/webhook/rotate-secret`.
pub async fn rotate_secret(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    json(200, &webhooks::rotate_secret(app, &caller).await?, None)
}
