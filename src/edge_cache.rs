//! The edge cache of anonymous public reads. A room that goes viral gets thousands of
//! page views a minute, all reading the same public answers; for `EDGE_CACHE_SECONDS`
//! (2 s by default) they share one.
//!
//! Only a `GET` without `Authorization` of an endpoint that answers the same public data
//! to every anonymous caller is cached (see `routes::table::Route::cached`), and only its
//! `200` answers. An anonymous answer never holds member-only data — a private room's
//! anonymous view is its metadata — so nothing private can enter the cache; a request
//! with a key is never answered from it nor stored in it. Live streams are never cached:
//! what a cached read missed arrives over the stream (`?after=`).
//!
//! Two layers: this isolate's memory, which also makes concurrent misses of one URL wait
//! for the first (one Redis read per URL per period per isolate, however fast requests
//! come), and the Workers Cache API, shared by the isolates of a data centre (it only
//! works on a custom domain; on `*.workers.dev` it stores nothing and the first layer
//! does the work). Cached answers drop the per-client `X-RateLimit-*` headers.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use worker::{Cache, Headers, Response};

use crate::error::ApiResult;
use crate::time::now_ms;

/// URLs remembered per isolate; the oldest go first beyond this.
const MAX_ENTRIES: usize = 256;
/// Largest answer worth keeping in memory.
const MAX_BODY: usize = 256 * 1024;
/// How long a request waits for another one's read of the same URL before reading itself.
const WAIT_MS: i64 = 3_000;
const POLL: Duration = Duration::from_millis(10);

/// A cached answer.
#[derive(Debug)]
struct Answer {
    body: String,
    content_type: String,
    stored_at: i64,
}

#[derive(Debug)]
enum Entry {
    /// A request is reading this URL now.
    Filling {
        since: i64,
    },
    Ready(Rc<Answer>),
}

thread_local! {
    static ENTRIES: RefCell<HashMap<String, Entry>> = RefCell::new(HashMap::new());
}

/// What a request finds for its URL.
pub enum Lookup {
    /// A fresh answer: serve it.
    Hit(Response),
    /// Nothing fresh, and this request reads it (and must call [`store`] or [`abandon`]).
    Miss,
}

/// Finds a fresh answer for `url` (waiting for another request's read of it), or claims
/// the read.
pub async fn lookup(url: &str, ttl_ms: i64) -> ApiResult<Lookup> {
    let started = now_ms();
    loop {
        let now = now_ms();
        let found = ENTRIES.with(|entries| {
            let mut entries = entries.borrow_mut();
            match entries.get(url) {
                Some(Entry::Ready(answer)) if now - answer.stored_at < ttl_ms => {
                    Some(Some(answer.clone()))
                }
                Some(Entry::Filling { since })
                    if now - since < WAIT_MS && now - started < WAIT_MS =>
                {
                    None
                }
                _ => {
                    entries.insert(url.to_string(), Entry::Filling { since: now });
                    Some(None)
                }
            }
        });
        match found {
            Some(Some(answer)) => return Ok(Lookup::Hit(respond(&answer, ttl_ms, "memory")?)),
            Some(None) => break,
            None => worker::Delay::from(POLL).await,
        }
    }
    // This request reads: first from the data centre's cache.
    if let Ok(Some(mut shared)) = Cache::default().get(url, false).await {
        if shared.status_code() == 200 {
            let content_type = shared.headers().get("Content-Type")?.unwrap_or_default();
            let body = shared.text().await?;
            let answer = remember(url, body, content_type);
            return Ok(Lookup::Hit(respond(&answer, ttl_ms, "edge")?));
        }
    }
    Ok(Lookup::Miss)
}

/// Stores the answer a claimed read produced (a `200` of bounded size), in memory and in
/// the data centre's cache, and returns it for the client.
pub async fn store(url: &str, mut response: Response, ttl_ms: i64) -> ApiResult<Response> {
    if response.status_code() != 200 {
        abandon(url);
        return Ok(response);
    }
    let content_type = response.headers().get("Content-Type")?.unwrap_or_default();
    let body = response.text().await?;
    if body.len() > MAX_BODY {
        abandon(url);
        return rebuilt(response.headers(), body);
    }
    let answer = remember(url, body, content_type);
    let mut fresh = respond(&answer, ttl_ms, "miss")?;
    // The shared layer is best effort: a failure only costs its hit rate.
    let _ = Cache::default().put(url, fresh.cloned()?).await;
    Ok(fresh)
}

/// Gives up a claimed read (its answer is not cacheable).
pub fn abandon(url: &str) {
    ENTRIES.with(|entries| {
        entries.borrow_mut().remove(url);
    });
}

fn remember(url: &str, body: String, content_type: String) -> Rc<Answer> {
    let answer = Rc::new(Answer {
        body,
        content_type,
        stored_at: now_ms(),
    });
    ENTRIES.with(|entries| {
        let mut entries = entries.borrow_mut();
        if entries.len() >= MAX_ENTRIES {
            let oldest = entries
                .iter()
                .filter_map(|(url, entry)| match entry {
                    Entry::Ready(answer) => Some((answer.stored_at, url.clone())),
                    Entry::Filling { .. } => None,
                })
                .min();
            if let Some((_, url)) = oldest {
                entries.remove(&url);
            }
        }
        entries.insert(url.to_string(), Entry::Ready(answer.clone()));
    });
    answer
}

/// A cached answer as a response: public for `ttl_ms`, saying which layer served it.
fn respond(answer: &Answer, ttl_ms: i64, layer: &str) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", &answer.content_type)?;
    headers.set(
        "Cache-Control",
        &format!("public, max-age={}", (ttl_ms / 1000).max(1)),
    )?;
    headers.set("X-Cache", layer)?;
    Ok(Response::ok(answer.body.clone())?.with_headers(headers))
}

/// A response rebuilt around a body already read (the headers kept).
fn rebuilt(headers: &Headers, body: String) -> ApiResult<Response> {
    Ok(Response::ok(body)?.with_headers(headers.clone()))
}
