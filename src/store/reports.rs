//! Reports in Redis: bots report messages, operators read the queue and close reports
//! (dismissing one here; deleting the message, banning its author or ending its room
//! close the matching ones in `admin`). One typed function per script.

use serde::{Deserialize, Serialize};

use super::upstash::Reply;
use super::{records, Store, StoreError};
use crate::auth::KeyHash;
use crate::error::ApiResult;
use crate::model::{BotRef, LogCursor, Message, Room};
use crate::ratelimit::{RateLimit, Rated};
use crate::time::rfc3339;

script!(REPORT, "report");
script!(ADMIN_REPORTS, "admin_reports");
script!(ADMIN_DISMISS, "admin_dismiss");

/// A bot reports message `seq` of a room; returns whether this is a new report.
pub async fn report(
    store: &Store,
    caller: &KeyHash,
    room_id: &str,
    seq: u64,
    reason: &str,
    limit: RateLimit,
) -> ApiResult<Rated<bool>> {
    let [limit, window] = limit.script_args();
    let args = [
        room_id.to_string(),
        seq.to_string(),
        reason.to_string(),
        limit,
        window,
    ];
    let outcome = store.run(&REPORT, Some(caller), args).await?;
    let rate = outcome.rate;
    let [_, new] = outcome.fields()?;
    Ok(Rated {
        value: records::flag(&new)?,
        rate,
    })
}

/// A log cursor as the scripts take it: `order` and `cursor` (exclusive).
pub(super) fn cursor_args(cursor: LogCursor) -> [String; 2] {
    match cursor {
        LogCursor::After(after) => ["oldest".into(), after.to_string()],
        LogCursor::Before(before) => [
            "newest".into(),
            before.map_or_else(|| "+inf".into(), |b| b.to_string()),
        ],
    }
}

/// A page of one of the operators' logs.
#[derive(Debug, Serialize)]
pub struct LogPage<T> {
    pub entries: Vec<T>,
    pub has_more: bool,
    /// Where the next page starts: its `after` (oldest first) or `before` (newest first).
    pub next: Option<u64>,
    pub last_seq: u64,
}

impl<T> LogPage<T> {
    /// A page from a script's entries, its `next` (-1: none) and the log's last seq.
    pub(super) fn new(entries: Vec<T>, next: &Reply, last_seq: &Reply) -> Result<Self, StoreError> {
        let next = u64::try_from(next.as_int()?).ok();
        Ok(LogPage {
            entries,
            has_more: next.is_some(),
            next,
            last_seq: records::count(last_seq)?,
        })
    }
}

/// How an operator closed a report.
#[derive(Debug, Serialize, Deserialize)]
pub struct Closing {
    #[serde(with = "super::admin::time_ms")]
    pub at: String,
    /// The admin token's fingerprint.
    pub actor: String,
    /// `dismissed`, `message_deleted`, `bot_banned` or `room_ended`.
    pub action: String,
    pub reason: Option<String>,
}

/// The messages around a reported one.
#[derive(Debug, Serialize)]
pub struct Context {
    pub before: Vec<Message>,
    pub after: Vec<Message>,
}

/// A report as operators read it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub seq: u64,
    pub at: String,
    pub room_id: String,
    pub message_seq: u64,
    /// The room, while it lives.
    pub room: Option<Room>,
    /// The message as it is now: a tombstone once deleted; null once gone.
    pub message: Option<Message>,
    /// Its neighbours in the room, oldest first (empty once the room is gone).
    pub context: Context,
    pub reporter: BotRef,
    pub reason: String,
    /// Null while the report is open.
    pub closed: Option<Closing>,
}

#[derive(Deserialize)]
struct StoredReport {
    seq: u64,
    at: i64,
    room_id: String,
    message_seq: u64,
    reason: String,
}

/// `{report JSON, room, message, reporter, closing, before, after}` (`report_out`).
fn decode_report(reply: Reply) -> Result<Report, StoreError> {
    let [stored, room, message, reporter, closed, before, after] = records::fields(reply)?;
    let stored: StoredReport = serde_json::from_str(&records::string(stored)?)
        .map_err(|e| StoreError::Decode(format!("report: {e}")))?;
    let closed = optional(closed, |reply| {
        serde_json::from_str(&records::string(reply)?)
            .map_err(|e| StoreError::Decode(format!("report closing: {e}")))
    })?;
    Ok(Report {
        seq: stored.seq,
        at: rfc3339(stored.at),
        room_id: stored.room_id,
        message_seq: stored.message_seq,
        room: optional(room, records::room)?,
        message: optional(message, records::message)?,
        context: Context {
            before: records::messages(before)?,
            after: records::messages(after)?,
        },
        reporter: records::bot_ref(reporter)?,
        reason: stored.reason,
        closed,
    })
}

/// A field a script answers with `false` (nil) when there is nothing.
fn optional<T>(
    reply: Reply,
    decode: impl FnOnce(Reply) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    match reply {
        Reply::Nil | Reply::Int(0) => Ok(None),
        other => decode(other).map(Some),
    }
}

/// A page of the reports queue, and how many reports are open.
#[derive(Debug, Serialize)]
pub struct ReportsPage {
    #[serde(flatten)]
    pub page: LogPage<Report>,
    pub open: u64,
}

/// A page of reports from `cursor`, only the open ones with `open_only`.
pub async fn reports(
    store: &Store,
    cursor: LogCursor,
    limit: u64,
    open_only: bool,
) -> ApiResult<ReportsPage> {
    let [order, from] = cursor_args(cursor);
    let status = if open_only { "open" } else { "all" };
    let args = [order, from, limit.to_string(), status.to_string()];
    let [entries, next, last_seq, open] = store.run(&ADMIN_REPORTS, None, args).await?.fields()?;
    let entries = records::array(entries)?
        .into_iter()
        .map(decode_report)
        .collect::<Result<_, _>>()?;
    Ok(ReportsPage {
        page: LogPage::new(entries, &next, &last_seq)?,
        open: records::count(&open)?,
    })
}

/// What dismissing a report did.
#[derive(Debug, Serialize)]
pub struct Dismissed {
    pub report: Report,
    /// False when the report was closed already (nothing changed).
    pub dismissed: bool,
    /// Reports still open.
    pub open: u64,
}

/// Dismisses report `seq` with `reason`.
pub async fn dismiss(store: &Store, actor: &str, seq: u64, reason: &str) -> ApiResult<Dismissed> {
    let args = [actor.to_string(), seq.to_string(), reason.to_string()];
    let [report, now, open] = store.run(&ADMIN_DISMISS, None, args).await?.fields()?;
    Ok(Dismissed {
        report: decode_report(report)?,
        dismissed: records::flag(&now)?,
        open: records::count(&open)?,
    })
}
