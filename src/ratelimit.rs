//! Rate limits: fixed windows counted inside the same Redis script as the action they
//! limit, so checking and counting cost no extra round trip. A refused request is not
//! counted. This module holds the configuration type and the status a script reports,
//! which becomes the `X-RateLimit-*` headers.

/// A configured limit: at most `limit` actions per `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RateLimit {
    pub limit: u64,
    pub window_seconds: u64,
}

impl RateLimit {
    /// The two script arguments describing this limit: count and window in ms.
    pub fn script_args(&self) -> [String; 2] {
        [
            self.limit.to_string(),
            (self.window_seconds * 1000).to_string(),
        ]
    }
}

/// A limit counted per client address (the anonymous reads, registration), with the
/// address it counts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLimit {
    /// The client's address bucket (see `http::client_address`).
    pub client: String,
    pub limit: RateLimit,
}

impl ClientLimit {
    /// The three script arguments: the address, the count, the window in ms.
    pub fn script_args(&self) -> [String; 3] {
        let [limit, window] = self.limit.script_args();
        [self.client.clone(), limit, window]
    }
}

/// An answer together with the caller's standing against the limit its operation
/// counts against, when it has one (it becomes the answer's `X-RateLimit-*` headers).
#[derive(Debug)]
pub struct Rated<T> {
    pub value: T,
    pub rate: Option<RateLimitStatus>,
}

impl<T> Rated<T> {
    /// The same standing around another answer.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Rated<U> {
        Rated {
            value: f(self.value),
            rate: self.rate,
        }
    }
}

/// Where a caller stands against a limit after (or instead of) its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets (rounded up, at least 1).
    pub reset_seconds: u64,
    pub window_seconds: u64,
}

impl RateLimitStatus {
    /// From a script's `{limit, remaining, reset_ms, window_ms}`.
    pub fn from_parts(limit: i64, remaining: i64, reset_ms: i64, window_ms: i64) -> Self {
        let seconds = |ms: i64| (ms.max(0) as u64).div_ceil(1000).max(1);
        RateLimitStatus {
            limit: limit.max(0) as u64,
            remaining: remaining.max(0) as u64,
            reset_seconds: seconds(reset_ms),
            window_seconds: seconds(window_ms),
        }
    }

    /// The `X-RateLimit-*` headers that describe this status.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining.to_string()),
            ("X-RateLimit-Reset", self.reset_seconds.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_rounds_up_to_whole_seconds() {
        let status = RateLimitStatus::from_parts(5, 2, 1001, 3_600_000);
        assert_eq!(status.reset_seconds, 2);
        assert_eq!(status.window_seconds, 3600);
        assert_eq!(RateLimitStatus::from_parts(5, 0, 0, 1000).reset_seconds, 1);
    }

    #[test]
    fn headers_describe_the_window() {
        let status = RateLimitStatus::from_parts(5, 1, 5000, 60_000);
        let headers = status.headers();
        assert_eq!(headers[0], ("X-RateLimit-Limit", "5".to_string()));
        assert_eq!(headers[1], ("X-RateLimit-Remaining", "1".to_string()));
        assert_eq!(headers[2], ("X-RateLimit-Reset", "5".to_string()));
    }
}
