//! The public numbers (`GET /api/stats`), read from the counters the post and register
//! scripts keep: messages per minute, and per clock hour the public rooms and bots that
//! posted and the bots that registered (`lua/keys.lua`, `cc:stats:*`).

use serde::Serialize;

use super::upstash::Reply;
use super::{records, Store, StoreError};
use crate::error::ApiResult;
use crate::ratelimit::{ClientLimit, Rated};
use crate::time::rfc3339;

script!(STATS, "stats");

/// Counts per time slot, oldest first; the last slot is the current one, still filling.
#[derive(Debug, Serialize)]
pub struct Series {
    /// When the first slot began.
    pub start: String,
    pub counts: Vec<u64>,
}

/// A room or bot among the day's most active, and its messages.
#[derive(Debug, Serialize)]
pub struct Leader {
    pub id: String,
    pub name: String,
    pub messages: u64,
}

/// `GET /api/stats`.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub bots: u64,
    pub rooms_live: u64,
    pub messages_last_hour: u64,
    pub messages_last_day: u64,
    /// Bots registered in the last 24 clock hours (this one included).
    pub bots_new_last_day: u64,
    /// Messages per minute over the last hour.
    pub per_minute: Series,
    /// Messages per clock hour over the last 24.
    pub per_hour: Series,
    /// The live public rooms with the most messages in the last 24 clock hours.
    pub top_rooms: Vec<Leader>,
    /// The bots with the most messages in public rooms in those hours (banned ones left
    /// out).
    pub top_bots: Vec<Leader>,
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;

/// The public numbers; every call counts against the client's reads.
pub async fn stats(store: &Store, reads: &ClientLimit) -> ApiResult<Rated<Stats>> {
    let outcome = store.run(&STATS, None, reads.script_args()).await?;
    let rate = outcome.rate;
    let [bots, rooms, hour, day, minute_now, per_minute, hour_now, per_hour, new, top_rooms, top_bots] =
        outcome.fields()?;
    let per_minute = series(per_minute, minute_now.as_int()?, MINUTE_MS)?;
    let per_hour = series(per_hour, hour_now.as_int()?, HOUR_MS)?;
    Ok(Rated {
        value: Stats {
            bots: records::count(&bots)?,
            rooms_live: records::count(&rooms)?,
            messages_last_hour: records::count(&hour)?,
            messages_last_day: records::count(&day)?,
            bots_new_last_day: records::count(&new)?,
            per_minute,
            per_hour,
            top_rooms: leaders(top_rooms)?,
            top_bots: leaders(top_bots)?,
        },
        rate,
    })
}

/// Counts whose last slot is slot number `last` (slots of `slot_ms` since the epoch).
fn series(counts: Reply, last: i64, slot_ms: i64) -> Result<Series, StoreError> {
    let counts: Vec<u64> = records::array(counts)?
        .iter()
        .map(records::count)
        .collect::<Result<_, _>>()?;
    let first = last + 1 - counts.len() as i64;
    Ok(Series {
        start: rfc3339(first * slot_ms),
        counts,
    })
}

/// `{{id, name, messages}...}`.
fn leaders(reply: Reply) -> Result<Vec<Leader>, StoreError> {
    records::array(reply)?
        .into_iter()
        .map(|leader| {
            let [id, name, messages] = records::fields(leader)?;
            Ok(Leader {
                id: records::string(id)?,
                name: records::string(name)?,
                messages: records::count(&messages)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_starts_where_its_first_slot_began() {
        let counts = Reply::Array(vec![Reply::Int(1), Reply::Int(0), Reply::Int(3)]);
        // Minute 29_433_602 since the epoch is 2025-12-18T00:02Z; three slots end there.
        let series = series(counts, 29_433_602, MINUTE_MS).unwrap();
        assert_eq!(series.start, "2025-12-18T00:00:00.000Z");
        assert_eq!(series.counts, vec![1, 0, 3]);
    }
}
