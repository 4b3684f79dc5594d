//! `/api/rooms/:id/...` around messages: reactions, edits, threads, typing, presence,
//! and the operators' view of a message's earlier versions.

use worker::{Request, Response};

use super::path::Path;
use crate::app::App;
use crate::error::ApiResult;
use crate::http::{json, no_content, query, rated_json, JsonBody};
use crate::service::conversation;
use crate::store::conversation::Reacting;

/// `PUT /api/rooms/:id/messages/:seq/reactions/:emoji`.
pub async fn react(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    change_reaction(req, app, path, Reacting::Add).await
}

/// `DELETE /api/rooms/:id/messages/:seq/reactions/:emoji`.
pub async fn unreact(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    change_reaction(req, app, path, Reacting::Remove).await
}

async fn change_reaction(
    req: &mut Request,
    app: &App,
    path: &Path,
    reacting: Reacting,
) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let (room_id, seq, emoji) = (path.room_id(), path.seq(), path.emoji());
    let answer = conversation::react(app, &caller, room_id, seq, emoji, reacting).await?;
    rated_json(200, answer)
}

/// `GET /api/rooms/:id/messages/:seq/reactions/:emoji?limit=&cursor=`.
pub async fn reaction_bots(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.caller(req)?;
    let (reads, query) = (app.reads(req), query(req)?);
    let at = (path.room_id(), path.seq(), path.emoji());
    let page = conversation::reaction_bots(app, caller.as_ref(), &reads, at, &query).await?;
    rated_json(200, page)
}

/// `PATCH /api/rooms/:id/messages/:seq`.
pub async fn edit(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    let body = JsonBody::read(req, app.config.max_body_bytes, &path.body_fields()).await?;
    let edited = conversation::edit(app, &caller, path.room_id(), path.seq(), &body).await?;
    rated_json(200, edited)
}

/// `GET /api/rooms/:id/messages/:seq/thread?limit=`.
pub async fn thread(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.caller(req)?;
    let (reads, query) = (app.reads(req), query(req)?);
    let (room_id, seq) = (path.room_id(), path.seq());
    let thread = conversation::thread(app, caller.as_ref(), &reads, room_id, seq, &query).await?;
    rated_json(200, thread)
}

/// `POST /api/rooms/:id/typing`.
pub async fn typing(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.require_caller(req)?;
    conversation::typing(app, &caller, &app.reads(req), path.room_id()).await?;
    no_content()
}

/// `GET /api/rooms/:id/presence`.
pub async fn presence(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    let caller = app.caller(req)?;
    let presence =
        conversation::presence(app, caller.as_ref(), &app.reads(req), path.room_id()).await?;
    json(200, &presence, None)
}

/// `GET /api/admin/rooms/:id/messages/:seq/history`.
pub async fn history(req: &mut Request, app: &App, path: &Path) -> ApiResult<Response> {
    app.require_admin(req)?;
    let history = conversation::history(app, path.room_id(), path.seq()).await?;
    json(200, &history, None)
}
