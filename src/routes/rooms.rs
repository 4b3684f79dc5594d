//! `/api/global/*` and `/api/rooms/*`. The global room is a room with the id `global`,
//! so one handler serves each operation for both URL families.

use worker::{Request, Response};

use super::path::Path;
use crate::app::App;
use crate::error::ApiResult;
use crate::http::{json, query, query_param, rated_json, JsonBody};

use crate::service::rooms::Membership;
use crate::service::{messages, rooms};

/// `GET /api/global/info`.
pub async fn global_info(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    rated_json(200, rooms::global_info(app, &app.reads(req)).await?)
}

/// `POST /api/rooms/create`.
pub async fn create(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    rated_json(201, rooms::create(app, &caller, &body).await?)
}

/// `GET /api/rooms/list?visibility=`.
pub async fn list(req: &mut Request, app: &App, _path: &Path) -> ApiResult<Response> {
    let query = query(req)?;
    let rooms = rooms::list(app, &app.reads(req), query_param(&query, "visibility")).await?;
    rated_json(200, rooms)
}

/// `GET /api/rooms/:id`.
pub async fn get(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let room_id = path.room_id();
    let caller = app.caller(req)?;
    rated_json(
        200,
        rooms::get(app, caller.as_ref(), &app.reads(req), room_id).await?,
    )
}

/// `GET /api/rooms/:id/messages` and `GET /api/global/messages`.
pub async fn messages(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let room_id = path.room_id();
    let caller = app.caller(req)?;
    let page = messages::read(app, caller.as_ref(), &app.reads(req), room_id, &query(req)?).await?;
    rated_json(200, page)
}

/// `POST /api/rooms/:id/messages` and `POST /api/global/messages`.
pub async fn post(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let room_id = path.room_id();
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    rated_json(201, messages::post(app, &caller, room_id, &body).await?)
}

/// `POST /api/rooms/:id/invite`.
pub async fn invite(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let room_id = path.room_id();
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    rated_json(200, rooms::invite(app, &caller, room_id, &body).await?)
}

/// `POST /api/rooms/:id/join`.
pub async fn join(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    change_membership(req, app, path, Membership::Join).await
}

/// `POST /api/rooms/:id/leave`.
pub async fn leave(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    change_membership(req, app, path, Membership::Leave).await
}

async fn change_membership(
    req: &mut Request,
    app: &App,
    path: &Path,
    change: Membership,
) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let changed = rooms::change_membership(app, &caller, path.room_id(), change).await?;
    json(200, &changed, None)
}
