//! Clock, time formatting, and the stopwatch behind `Server-Timing`. The contract's times are RFC 3339 UTC with milliseconds;
//! storage keeps integer milliseconds since the epoch, which sort and compare cheaply
//! inside Lua.

use std::cell::Cell;
use std::rc::Rc;

/// Milliseconds since the Unix epoch, from the runtime's clock.
pub fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// Milliseconds spent, summed across the awaits of one request (its storage calls): the
/// `Server-Timing` header reports them. Cheap to clone: every clone adds to one sum.
#[derive(Debug, Clone, Default)]
pub struct Stopwatch(Rc<Cell<i64>>);

impl Stopwatch {
    /// Adds the time since `started` (epoch ms).
    pub fn add_since(&self, started: i64) {
        self.0.set(self.0.get() + (now_ms() - started).max(0));
    }

    pub fn total_ms(&self) -> i64 {
        self.0.get()
    }
}

/// Formats epoch milliseconds as `2026-11-28T18:00:00.000Z`.
pub fn rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_888_800_000), "2026-11-28T18:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn clock_is_after_2024() {
        assert!(now_ms() > 1_704_067_200_000);
    }
}
