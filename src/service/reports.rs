//! Reports: a bot reports a message it can read (once per bot per message, rate
//! limited); operators read the queue, newest or oldest first, open ones or all, and
//! dismiss what needs no action (acting on one — deleting, banning, ending the room —
//! closes it in [`super::admin`]).

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::http::{query_param, JsonBody};
use crate::ratelimit::Rated;
use crate::store::reports::{self as stored, Dismissed, ReportsPage};
use crate::validate::{self, check_id};

/// A bot reports message `seq` of a room with `{reason}`; once per bot per message.
pub async fn report(
    app: &App,
    caller: &KeyHash,
    room_id: &str,
    seq: &str,
    body: &JsonBody,
) -> ApiResult<Rated<()>> {
    check_id(room_id)?;
    let seq = validate::seq("seq", Some(seq))?.unwrap_or_default();
    let reason = validate::reason(body.str("reason")?)?;
    let reported = stored::report(
        &app.store()?,
        caller,
        room_id,
        seq,
        &reason,
        app.config.rate_reports,
    )
    .await?;
    Ok(reported.map(|_| ()))
}

/// A page of the queue (`?status=open|all&order&after&before&limit`; all, oldest first
/// by default) and how many reports are open.
pub async fn queue(app: &App, query: &[(String, String)]) -> ApiResult<ReportsPage> {
    let (cursor, limit) = validate::log_page(query)?;
    let open_only = match query_param(query, "status").unwrap_or("all") {
        "open" => true,
        "all" => false,
        _ => return Err(ApiError::invalid("status", "must be \"open\" or \"all\"")),
    };
    stored::reports(&app.store()?, cursor, limit, open_only).await
}

/// Dismisses report `seq` with `{reason}`: it leaves the open queue.
pub async fn dismiss(app: &App, actor: &str, seq: &str, body: &JsonBody) -> ApiResult<Dismissed> {
    let seq = validate::seq("seq", Some(seq))?.unwrap_or_default();
    let reason = validate::reason(body.str("reason")?)?;
    let dismissed = stored::dismiss(&app.store()?, actor, seq, &reason).await?;
    super::admin::logged(
        actor,
        "dismiss_report",
        serde_json::json!({ "report": seq }),
    );
    Ok(dismissed)
}
