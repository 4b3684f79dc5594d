//! The operators' queries: which way a log is read and from where, the audit log's
//! filters, and the console's searches.

use super::{limit, param, seq};
use crate::error::{ApiError, ApiResult};
use crate::model::{AuditFilter, LogCursor};
use crate::time::parse_rfc3339;

/// The audit log's actions, as its entries name them.
pub const AUDIT_ACTIONS: [&str; 5] = [
    "ban",
    "unban",
    "delete_message",
    "end_room",
    "dismiss_report",
];
/// Characters of a search.
const MAX_SEARCH_CHARS: usize = 64;

/// `order`, `after`, `before` and `limit` of an operators' log: oldest first from
/// `after` (0: the start), or newest first before `before` (absent: the newest).
/// `before` alone means newest first; the other pairing is refused rather than half
/// obeyed.
pub fn log_page(query: &[(String, String)]) -> ApiResult<(LogCursor, u64)> {
    Ok((log_cursor(query)?, limit(param(query, "limit"))?))
}

fn log_cursor(query: &[(String, String)]) -> ApiResult<LogCursor> {
    let after = seq("after", param(query, "after"))?;
    let before = seq("before", param(query, "before"))?;
    let newest = match param(query, "order") {
        None => before.is_some(),
        Some("newest") => true,
        Some("oldest") => false,
        Some(_) => {
            return Err(ApiError::invalid(
                "order",
                "must be \"newest\" or \"oldest\"",
            ))
        }
    };
    match (newest, after, before) {
        (true, Some(_), _) => Err(ApiError::invalid(
            "after",
            "pages oldest first; newest first, page with before",
        )),
        (false, _, Some(_)) => Err(ApiError::invalid(
            "before",
            "pages newest first (order=newest); oldest first, page with after",
        )),
        (true, None, before) => Ok(LogCursor::Before(before)),
        (false, after, None) => Ok(LogCursor::After(after.unwrap_or(0))),
    }
}

/// `action`, `since` and `until` (RFC 3339; `until` is exclusive).
pub fn audit_query(query: &[(String, String)]) -> ApiResult<AuditFilter> {
    let action = param(query, "action")
        .map(|action| {
            AUDIT_ACTIONS
                .contains(&action)
                .then(|| action.to_string())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "action",
                        format!("must be one of {}", AUDIT_ACTIONS.join(", ")),
                    )
                })
        })
        .transpose()?;
    let time = |name: &str| {
        param(query, name)
            .map(|text| {
                parse_rfc3339(text).ok_or_else(|| {
                    ApiError::invalid(name, "must be an RFC 3339 time, e.g. 2026-12-07T09:30:00Z")
                })
            })
            .transpose()
    };
    Ok(AuditFilter {
        action,
        since_ms: time("since")?,
        until_ms: time("until")?,
    })
}

/// `q` (trimmed, lower case: searches ignore case; empty finds any) and `limit`.
pub fn search_query(query: &[(String, String)]) -> ApiResult<(String, u64)> {
    let q = param(query, "q").unwrap_or_default().trim().to_lowercase();
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    Ok((q, limit(param(query, "limit"))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn logs_page_oldest_first_unless_asked_or_paged_back() {
        assert_eq!(log_cursor(&query(&[])), Ok(LogCursor::After(0)));
        assert_eq!(
            log_cursor(&query(&[("after", "7")])),
            Ok(LogCursor::After(7))
        );
        assert_eq!(
            log_cursor(&query(&[("order", "newest")])),
            Ok(LogCursor::Before(None))
        );
        assert_eq!(
            log_cursor(&query(&[("before", "9")])),
            Ok(LogCursor::Before(Some(9)))
        );
        let refused = |pairs: &[(&str, &str)]| log_cursor(&query(pairs)).unwrap_err().message();
        assert!(refused(&[("order", "newest"), ("after", "3")]).starts_with("after:"));
        assert!(refused(&[("order", "oldest"), ("before", "3")]).starts_with("before:"));
        assert!(refused(&[("order", "latest")]).starts_with("order:"));
    }

    #[test]
    fn audit_filters_name_known_actions_and_real_times() {
        let q = audit_query(&query(&[
            ("action", "ban"),
            ("since", "1970-01-01T00:00:01Z"),
        ]));
        assert_eq!(
            q,
            Ok(AuditFilter {
                action: Some("ban".into()),
                since_ms: Some(1000),
                until_ms: None
            })
        );
        assert!(audit_query(&query(&[("action", "kick")])).is_err());
        assert!(audit_query(&query(&[("until", "yesterday")])).is_err());
    }

    #[test]
    fn searches_ignore_case_and_surrounding_space() {
        assert_eq!(
            search_query(&query(&[("q", " Ann ")])),
            Ok(("ann".into(), 50))
        );
        assert!(search_query(&query(&[("q", &"x".repeat(65))])).is_err());
    }
}
