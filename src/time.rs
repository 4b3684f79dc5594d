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

/// What one request spent in storage, summed across its awaits: milliseconds and round
/// trips. The `Server-Timing` header reports both. Cheap to clone: every clone adds to
/// one sum.
#[derive(Debug, Clone, Default)]
pub struct Stopwatch(Rc<Cell<(i64, u32)>>);

impl Stopwatch {
    /// Adds one round trip that began at `started` (epoch ms).
    pub fn add_since(&self, started: i64) {
        let (ms, trips) = self.0.get();
        self.0.set((ms + (now_ms() - started).max(0), trips + 1));
    }

    pub fn total_ms(&self) -> i64 {
        self.0.get().0
    }

    /// Round trips to storage so far.
    pub fn round_trips(&self) -> u32 {
        self.0.get().1
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

/// Reads an RFC 3339 time (`2026-11-28T18:00:00Z`, `…00.5+01:00`; `T`/`Z` in either
/// case; seconds' fraction optional) as epoch milliseconds; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let at = |i: usize, want: u8| b.get(i).is_some_and(|c| c.eq_ignore_ascii_case(&want));
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid = (1..=12).contains(&month)
        && (1..=month_days[(month - 1) as usize]).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &fraction[..len.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[len..];
    }
    let offset_minutes = match rest.as_bytes() {
        [z] if z.eq_ignore_ascii_case(&b'Z') => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits_of(&[*h1, *h2])?;
            let minutes = digits_of(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local = ((days * 24 + hour) * 60 + minute) * 60 + second;
    Some((local - offset_minutes * 60) * 1000 + millis)
}

/// Two ASCII digits as a number.
fn digits_of(pair: &[u8; 2]) -> Option<i64> {
    pair.iter().try_fold(0, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

/// Howard Hinnant's civil-to-days algorithm, the inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn stopwatch_clones_add_to_one_sum() {
        let stopwatch = Stopwatch::default();
        let clone = stopwatch.clone();
        stopwatch.add_since(now_ms() - 5);
        clone.add_since(now_ms() - 7);
        assert_eq!(stopwatch.round_trips(), 2);
        assert!(stopwatch.total_ms() >= 12, "{}", stopwatch.total_ms());
        assert_eq!(clone.total_ms(), stopwatch.total_ms());
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_888_800_000), "2026-11-28T18:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn rfc3339_times_read_back_to_the_same_instant() {
        for ms in [0, 951_782_400_123, 1_795_888_800_000, 4_107_542_399_999] {
            assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        }
        assert_eq!(
            parse_rfc3339("2026-11-28t18:00:00z"),
            Some(1_795_888_800_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T19:30:00.5+01:30"),
            Some(1_795_888_800_500)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T16:00:00-02:00"),
            Some(1_795_888_800_000)
        );
        for wrong in [
            "",
            "2026-11-28",
            "2026-11-28T18:00:00",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T18:00:00.Z",
            "2026-11-28T18:00:00+1:00",
            "2026-11-28 18:00:00Z",
            "２026-11-28T18:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn clock_is_after_2024() {
        assert!(now_ms() > 1_704_067_200_000);
    }
}
