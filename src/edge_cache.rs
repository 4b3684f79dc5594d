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
//!
//! Bounded: an answer is cached under its path and only the query parameters its route
//! reads ([`CacheKey`]), so junk parameters (`?bust=1`, `?bust=2`…) are all one entry;
//! memory holds at most [`MAX_BYTES`] of answers, the oldest going first.
//!
//! Moderation reaches it: deleting a message, ending a room or banning a bot [`purge`]s
//! the scopes it changed — a room's reads, or the directory's (room list, bots, stats) —
//! from this isolate's memory, and moves that scope to a new *generation* in the data
//! centre's cache (the generation is part of every shared key, so older entries are
//! never matched again). Other isolates of the data centre keep a memory copy for at
//! most [`MEMORY_MS`]; other data centres keep theirs until `EDGE_CACHE_SECONDS` ends.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use worker::{url, Cache, Headers, Response, Url};

use crate::error::ApiResult;
use crate::time::now_ms;

/// Most bytes of answers one isolate keeps in memory; the oldest go first beyond this.
pub const MAX_BYTES: usize = 8 << 20;
/// Largest answer worth keeping in memory.
const MAX_BODY: usize = 256 * 1024;
/// How long a memory copy is trusted at most, whatever `EDGE_CACHE_SECONDS` says: the
/// longest an isolate that did not see a moderation action serves what it removed.
pub const MEMORY_MS: i64 = 5_000;
/// How long a request waits for another one's read of the same URL before reading itself.
const WAIT_MS: i64 = 3_000;
const POLL: Duration = Duration::from_millis(10);
/// How long a scope's generation lives in the data centre's cache: longer than any
/// cached answer (`EDGE_CACHE_SECONDS` is at most an hour).
const GENERATION_SECONDS: u64 = 86_400;

/// What a cached answer belongs to, so moderation can drop exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A room's reads (its metadata, its messages); the global room's too.
    Room(&'a str),
    /// The directory: the room list, the bots, profiles, the stats.
    Directory,
}

impl Scope<'_> {
    fn name(self) -> String {
        match self {
            Scope::Room(id) => format!("room:{id}"),
            Scope::Directory => "directory".to_string(),
        }
    }
}

/// What an answer is cached under: its origin and path, and the query parameters its
/// route reads, in the route's order (the first value of each), nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    origin: String,
    url: String,
    scope: String,
}

impl CacheKey {
    pub fn new(url: &Url, reads: &[&str], scope: Scope) -> Self {
        let origin = url.origin().ascii_serialization();
        let mut canonical = url::form_urlencoded::Serializer::new(String::new());
        for name in reads {
            if let Some((_, value)) = url.query_pairs().find(|(key, _)| key == name) {
                canonical.append_pair(name, &value);
            }
        }
        let query = canonical.finish();
        let mut key = format!("{origin}{}", url.path());
        if !query.is_empty() {
            key = format!("{key}?{query}");
        }
        CacheKey {
            origin,
            url: key,
            scope: scope.name(),
        }
    }

    /// The key in the data centre's cache: this one, in its scope's generation.
    fn shared(&self, generation: &str) -> String {
        let join = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{join}_generation={generation}", self.url)
    }
}

/// A cached answer.
#[derive(Debug)]
struct Answer {
    body: String,
    content_type: String,
    stored_at: i64,
    scope: String,
}

#[derive(Debug)]
enum Entry {
    /// A request is reading this URL now.
    Filling {
        since: i64,
    },
    Ready(Rc<Answer>),
}

/// This isolate's answers, and the bytes they hold.
#[derive(Debug, Default)]
struct Memory {
    entries: HashMap<String, Entry>,
    bytes: usize,
}

impl Memory {
    fn remove(&mut self, url: &str) {
        if let Some(Entry::Ready(answer)) = self.entries.remove(url) {
            self.bytes -= answer.body.len();
        }
    }

    /// Keeps `answer` under `url`, dropping the oldest answers while over [`MAX_BYTES`].
    fn keep(&mut self, url: &str, answer: Rc<Answer>) {
        self.remove(url);
        self.bytes += answer.body.len();
        self.entries.insert(url.to_string(), Entry::Ready(answer));
        while self.bytes > MAX_BYTES {
            let oldest = self
                .entries
                .iter()
                .filter_map(|(url, entry)| match entry {
                    Entry::Ready(answer) => Some((answer.stored_at, url.clone())),
                    Entry::Filling { .. } => None,
                })
                .min();
            match oldest {
                Some((_, url)) => self.remove(&url),
                None => break,
            }
        }
    }

    /// Drops every answer of `scope`.
    fn purge(&mut self, scope: &str) {
        let urls: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, entry)| matches!(entry, Entry::Ready(answer) if answer.scope == scope))
            .map(|(url, _)| url.clone())
            .collect();
        for url in urls {
            self.remove(&url);
        }
    }
}

thread_local! {
    static MEMORY: RefCell<Memory> = RefCell::new(Memory::default());
}

/// What a request finds for its key.
pub enum Lookup {
    /// A fresh answer: serve it.
    Hit(Response),
    /// Nothing fresh, and this request reads it (and must call [`store`] or [`abandon`]).
    Miss(Claim),
}

/// A claimed read: where its answer goes in the data centre's cache (the scope's
/// generation, read once per miss).
pub struct Claim {
    shared: String,
}

/// Finds a fresh answer for `key` (waiting for another request's read of it), or claims
/// the read.
pub async fn lookup(key: &CacheKey, ttl_ms: i64) -> ApiResult<Lookup> {
    let started = now_ms();
    let fresh_ms = ttl_ms.min(MEMORY_MS);
    loop {
        let now = now_ms();
        let found = MEMORY.with(|memory| {
            let mut memory = memory.borrow_mut();
            match memory.entries.get(&key.url) {
                Some(Entry::Ready(answer)) if now - answer.stored_at < fresh_ms => {
                    Some(Some(answer.clone()))
                }
                Some(Entry::Filling { since })
                    if now - since < WAIT_MS && now - started < WAIT_MS =>
                {
                    None
                }
                _ => {
                    memory.remove(&key.url);
                    memory
                        .entries
                        .insert(key.url.clone(), Entry::Filling { since: now });
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
    // This request reads: first from the data centre's cache, in the scope's generation.
    let shared = key.shared(&generation(key).await);
    if let Ok(Some(mut stored)) = Cache::default().get(shared.as_str(), false).await {
        if stored.status_code() == 200 {
            let content_type = stored.headers().get("Content-Type")?.unwrap_or_default();
            let body = stored.text().await?;
            let answer = remember(key, body, content_type);
            return Ok(Lookup::Hit(respond(&answer, ttl_ms, "edge")?));
        }
    }
    Ok(Lookup::Miss(Claim { shared }))
}

/// Stores the answer a claimed read produced (a `200` of bounded size), in memory and in
/// the data centre's cache, and returns it for the client.
pub async fn store(
    key: &CacheKey,
    claim: Claim,
    mut response: Response,
    ttl_ms: i64,
) -> ApiResult<Response> {
    if response.status_code() != 200 {
        abandon(key);
        return Ok(response);
    }
    let content_type = response.headers().get("Content-Type")?.unwrap_or_default();
    let body = response.text().await?;
    if body.len() > MAX_BODY {
        abandon(key);
        return rebuilt(response.headers(), body);
    }
    let answer = remember(key, body, content_type);
    // The shared layer is best effort: a failure only costs its hit rate. It gets a
    // response of its own rather than a clone: a cloned body is a tee, and a client's
    // half of a tee the cache had read could stall (seen in `wrangler dev` under load:
    // the answer's headers went out, its body never ended).
    let _ = Cache::default()
        .put(claim.shared.as_str(), respond(&answer, ttl_ms, "edge")?)
        .await;
    respond(&answer, ttl_ms, "miss")
}

/// Gives up a claimed read (its answer is not cacheable).
pub fn abandon(key: &CacheKey) {
    MEMORY.with(|memory| memory.borrow_mut().remove(&key.url));
}

/// Drops what this data centre cached of `scopes` on `origin` (after a moderation
/// action): this isolate's memory copies, and every shared entry, by moving each scope
/// to a new generation.
pub async fn purge(origin: &str, scopes: &[Scope<'_>]) {
    for scope in scopes {
        let name = scope.name();
        MEMORY.with(|memory| memory.borrow_mut().purge(&name));
        let _ = new_generation(origin, &name).await;
    }
}

/// Where a scope's generation is kept in the data centre's cache.
fn generation_url(origin: &str, scope: &str) -> String {
    format!("{origin}/_edge_cache/generation/{scope}")
}

/// The scope's current generation. A generation the cache lost is replaced by a new one
/// rather than read as the first, so entries of an older generation never come back.
async fn generation(key: &CacheKey) -> String {
    let url = generation_url(&key.origin, &key.scope);
    if let Ok(Some(mut stored)) = Cache::default().get(url.as_str(), false).await {
        if let Ok(text) = stored.text().await {
            if !text.is_empty() {
                return text;
            }
        }
    }
    new_generation(&key.origin, &key.scope)
        .await
        .unwrap_or_else(|_| "0".to_string())
}

async fn new_generation(origin: &str, scope: &str) -> ApiResult<String> {
    let generation = now_ms().to_string();
    let headers = Headers::new();
    headers.set(
        "Cache-Control",
        &format!("public, max-age={GENERATION_SECONDS}"),
    )?;
    let response = Response::ok(generation.clone())?.with_headers(headers);
    Cache::default()
        .put(generation_url(origin, scope).as_str(), response)
        .await?;
    Ok(generation)
}

fn remember(key: &CacheKey, body: String, content_type: String) -> Rc<Answer> {
    let answer = Rc::new(Answer {
        body,
        content_type,
        stored_at: now_ms(),
        scope: key.scope.clone(),
    });
    MEMORY.with(|memory| memory.borrow_mut().keep(&key.url, answer.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str, reads: &[&str]) -> CacheKey {
        CacheKey::new(&Url::parse(url).unwrap(), reads, Scope::Room("r_1"))
    }

    #[test]
    fn a_key_holds_only_the_parameters_its_route_reads() {
        let reads = ["limit", "after", "before"];
        let plain = key("https://x.example/api/rooms/r_1/messages?limit=5", &reads);
        for junk in [
            "https://x.example/api/rooms/r_1/messages?limit=5&bust=1",
            "https://x.example/api/rooms/r_1/messages?bust=2&limit=5",
            "https://x.example/api/rooms/r_1/messages?limit=5&limit=9",
        ] {
            assert_eq!(key(junk, &reads), plain, "{junk}");
        }
        assert_ne!(
            key("https://x.example/api/rooms/r_1/messages?limit=6", &reads),
            plain
        );
        let bare = key("https://x.example/api/stats?x=1", &[]);
        assert_eq!(bare.url, "https://x.example/api/stats");
        assert_eq!(
            bare.shared("7"),
            "https://x.example/api/stats?_generation=7"
        );
        assert_eq!(
            plain.shared("7"),
            "https://x.example/api/rooms/r_1/messages?limit=5&_generation=7"
        );
    }

    fn answer(scope: &str, bytes: usize, at: i64) -> Rc<Answer> {
        Rc::new(Answer {
            body: "x".repeat(bytes),
            content_type: String::new(),
            stored_at: at,
            scope: scope.into(),
        })
    }

    #[test]
    fn memory_is_bounded_by_bytes_and_purged_by_scope() {
        let mut memory = Memory::default();
        let big = MAX_BYTES / 4;
        for i in 0..6 {
            memory.keep(&format!("u{i}"), answer("room:a", big, i));
        }
        assert!(memory.bytes <= MAX_BYTES);
        assert!(!memory.entries.contains_key("u0") && !memory.entries.contains_key("u1"));
        assert!(memory.entries.contains_key("u5"));
        memory.keep("d", answer("directory", 10, 9));
        memory.keep("u5", answer("room:a", 3, 10));
        assert_eq!(
            memory.bytes,
            big * 2 + 10 + 3,
            "replacing an entry frees its bytes"
        );
        memory.purge("room:a");
        assert_eq!(memory.entries.len(), 1);
        assert_eq!(memory.bytes, 10);
    }
}
