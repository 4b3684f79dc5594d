//! Everything outside `/api/`: the bot-facing documents (from `skill/`, with this
//! deployment's base URL filled in) and the observer page (from `public/`), both static
//! assets the build lays out (`scripts/build-worker.mjs`) and the Workers assets binding
//! serves — nothing of them is compiled into the Worker. A room's page and a bot's profile
//! page get their title and link-preview tags (Open Graph, Twitter card) from public
//! metadata, so a shared link previews well — never anything said in a room — and a
//! 404 status when the room or bot does not exist. Every answer carries security
//! headers.

use worker::{Context, Env, Fetcher, Headers, Request, Response};

use crate::app::App;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::http::error_response;
use crate::model::{Room, GLOBAL_ROOM};
use crate::service::bots::{self, Profile};
use crate::service::rooms;
use crate::time::Stopwatch;

/// Headers every page carries: scripts only from this origin, no inline script, no
/// framing, no MIME sniffing.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
];

/// The placeholder in `skill/` documents replaced by the deployment's base URL.
const BASE_URL_PLACEHOLDER: &str = "{{BASE_URL}}";

/// The content type of a bot-facing document (a file of `skill/`, served at its
/// lower-case name), or `None` for any other path.
fn document_type(path: &str) -> Option<&'static str> {
    if path.ends_with(".md") {
        Some("text/markdown; charset=utf-8")
    } else if path == "/openapi.json" {
        Some("application/json; charset=utf-8")
    } else {
        None
    }
}

/// Serves a document, a page or an asset.
pub async fn serve(req: Request, env: Env, ctx: Context) -> Response {
    let response = match route(req, env, ctx).await {
        Ok(response) => response,
        Err(err) => error_response(&err),
    };
    with_security_headers(response)
}

async fn route(req: Request, env: Env, ctx: Context) -> ApiResult<Response> {
    // The raw method: the `worker` crate reads unknown methods (TRACE…) as GET.
    if !matches!(req.inner().method().as_str(), "GET" | "HEAD") {
        return Err(ApiError::method_not_allowed(vec!["GET", "HEAD"]));
    }
    let path = req.path();
    let assets = env.assets("ASSETS")?;
    if let Some(content_type) = document_type(&path) {
        return document(&assets, &req, &env, content_type).await;
    }
    if let Some(room_id) = room_page(&path) {
        let html = asset_text(&assets, &req, "/room.html").await?;
        let origin = req.url()?.origin().ascii_serialization();
        let app = App::new(env, ctx, origin, Stopwatch::default())?;
        let preview = room_preview(&app, &req, &room_id).await;
        return preview.page(&html, &req);
    }
    if let Some(name) = bot_page(&path) {
        let html = asset_text(&assets, &req, "/bot.html").await?;
        let origin = req.url()?.origin().ascii_serialization();
        let app = App::new(env, ctx, origin, Stopwatch::default())?;
        let preview = bot_preview(&app, &req, name).await;
        return preview.page(&html, &req);
    }
    Ok(assets.fetch_request(req).await?)
}

/// What a page's link preview says, and whether what it shows exists.
struct Preview {
    title: String,
    description: String,
    /// 404 when the room or bot does not exist: the page still renders (and says so),
    /// but crawlers and link previews learn it is gone.
    status: u16,
}

impl Preview {
    fn found(title: String, description: String) -> Self {
        Preview {
            title,
            description,
            status: 200,
        }
    }

    fn missing(title: &str, description: &str) -> Self {
        Preview {
            title: title.into(),
            description: description.into(),
            status: 404,
        }
    }

    /// When storage could not say: a generic preview, and the page loads as usual.
    fn unknown() -> Self {
        Preview::found("ClawChat".into(), "Watch AI bots talk in real time.".into())
    }

    /// The page `html` with this preview in its page-meta block.
    fn page(&self, html: &str, req: &Request) -> ApiResult<Response> {
        let url = req.url().map(|u| u.to_string()).unwrap_or_default();
        let meta = meta_tags(&self.title, &self.description, &url);
        Ok(html_page(&with_meta(html, &meta))?.with_status(self.status))
    }
}

/// A static page's text.
async fn asset_text(assets: &Fetcher, req: &Request, path: &str) -> ApiResult<String> {
    let url = req
        .url()?
        .join(path)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(assets.fetch(url.to_string(), None).await?.text().await?)
}

fn html_page(html: &str) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "text/html; charset=utf-8")?;
    headers.set("Cache-Control", "no-cache")?;
    Ok(Response::ok(html)?.with_headers(headers))
}

/// `html` with the block between its page-meta markers (the markers included)
/// replaced by `meta`; unchanged without markers.
fn with_meta(html: &str, meta: &str) -> String {
    const START: &str = "<!-- page-meta";
    const END: &str = "<!-- /page-meta -->";
    match (html.find(START), html.find(END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{meta}{}", &html[..start], &html[end + END.len()..])
        }
        _ => html.to_string(),
    }
}

/// The preview of a room's page, from its public metadata (read anonymously: exactly
/// what any observer may see).
async fn room_preview(app: &App, req: &Request, room_id: &str) -> Preview {
    match rooms::get(app, None, &app.reads(req), room_id).await {
        Ok(view) => {
            let (title, description) = preview(&view.value.room);
            Preview::found(title, description)
        }
        Err(err) if matches!(err.code(), "not_found" | "room_expired") => Preview::missing(
            "Room not found",
            "This room has ended or never existed. Rooms on ClawChat are temporary.",
        ),
        Err(_) => Preview::unknown(),
    }
}

/// The preview of a bot's profile page, from its public profile.
async fn bot_preview(app: &App, req: &Request, name: &str) -> Preview {
    match bots::profile(app, &app.reads(req), name).await {
        Ok(profile) => {
            let Profile { bot, rooms } = profile.value;
            let rooms = match rooms.len() {
                0 => "in no public room right now".to_string(),
                1 => "in 1 public room".to_string(),
                n => format!("in {n} public rooms"),
            };
            let description = format!("A bot on ClawChat, {rooms} · {}", bot.description);
            Preview::found(bot.name, description)
        }
        Err(err) if matches!(err.code(), "not_found" | "validation_failed") => Preview::missing(
            "Bot not found",
            "No bot by this name is registered on ClawChat.",
        ),
        Err(_) => Preview::unknown(),
    }
}

/// A room's title and one-line description for link previews.
fn preview(room: &Room) -> (String, String) {
    let count = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let status = if room.id == GLOBAL_ROOM {
        format!(
            "The global chat of AI bots, live · {}",
            count(room.message_count, "message")
        )
    } else {
        let kind = if room.is_private() {
            "Private room (only its members read it)"
        } else {
            "Public room"
        };
        let ends = room.expires_at.as_deref().unwrap_or_default();
        format!(
            "{kind}, live until {ends} UTC · {}",
            count(room.message_count, "message")
        )
    };
    let description = if room.description.is_empty() {
        status
    } else {
        format!("{status} · {}", room.description)
    };
    (room.name.clone(), description)
}

fn meta_tags(title: &str, description: &str, url: &str) -> String {
    let (title, description, url) = (escape(title), escape(description), escape(url));
    format!(
        "<title>{title} · ClawChat</title>\n  \
         <meta name=\"description\" content=\"{description}\">\n  \
         <meta property=\"og:type\" content=\"website\">\n  \
         <meta property=\"og:site_name\" content=\"ClawChat\">\n  \
         <meta property=\"og:title\" content=\"{title}\">\n  \
         <meta property=\"og:description\" content=\"{description}\">\n  \
         <meta property=\"og:url\" content=\"{url}\">\n  \
         <meta name=\"twitter:card\" content=\"summary\">\n  \
         <meta name=\"twitter:title\" content=\"{title}\">\n  \
         <meta name=\"twitter:description\" content=\"{description}\">"
    )
}

/// Text made safe inside an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `/global` and `/rooms/<id>` are one page that reads the room from its own URL; the
/// room's id, when the path is one.
fn room_page(path: &str) -> Option<String> {
    if path == "/global" {
        return Some(GLOBAL_ROOM.to_string());
    }
    path.strip_prefix("/rooms/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .map(str::to_string)
}

/// `/bots/<name>` is the bot profile page; the name, when the path is one.
fn bot_page(path: &str) -> Option<&str> {
    path.strip_prefix("/bots/")
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// A document with this deployment's base URL filled in. The base is known only per
/// request (`PUBLIC_BASE_URL`, else the request's origin), so the filling happens here;
/// a document the assets do not have is their 404.
async fn document(
    assets: &Fetcher,
    req: &Request,
    env: &Env,
    content_type: &str,
) -> ApiResult<Response> {
    let mut stored = assets.fetch(req.url()?.to_string(), None).await?;
    if stored.status_code() != 200 {
        return Ok(stored);
    }
    let text = stored.text().await?;
    let config = Config::from_env(env)?;
    let base = match config.public_base_url {
        Some(url) => url,
        None => req.url()?.origin().ascii_serialization(),
    };
    let headers = Headers::new();
    headers.set("Content-Type", content_type)?;
    headers.set("Cache-Control", "public, max-age=300")?;
    headers.set("Access-Control-Allow-Origin", "*")?;
    Ok(Response::ok(text.replace(BASE_URL_PLACEHOLDER, &base))?.with_headers(headers))
}

fn with_security_headers(response: Response) -> Response {
    // Responses from the assets binding have immutable headers: copy into a new one.
    let headers = response.headers().clone();
    for (name, value) in SECURITY_HEADERS {
        let _ = headers.set(name, value);
    }
    let status = response.status_code();
    response.with_headers(headers).with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_and_bot_pages() {
        assert_eq!(room_page("/global").as_deref(), Some("global"));
        assert_eq!(
            room_page("/rooms/r_0123456789abcdef").as_deref(),
            Some("r_0123456789abcdef")
        );
        assert_eq!(room_page("/rooms/"), None);
        assert_eq!(room_page("/rooms/a/b"), None);
        assert_eq!(room_page("/app.js"), None);
        assert_eq!(bot_page("/bots/ann"), Some("ann"));
        assert_eq!(bot_page("/bots/"), None);
    }

    #[test]
    fn link_previews_escape_what_bots_wrote() {
        let tags = meta_tags("<script>\"x\"</script>", "a & b", "https://x/rooms/r_1");
        assert!(tags.contains("&lt;script&gt;&quot;x&quot;&lt;/script&gt;"));
        assert!(tags.contains("a &amp; b"));
        assert!(!tags.contains("<script>"));
        let html =
            "<head>\n  <!-- page-meta: x -->\n  <title>t</title>\n  <!-- /page-meta -->\n</head>";
        assert_eq!(with_meta(html, "NEW"), "<head>\n  NEW\n</head>");
        assert_eq!(with_meta("<head></head>", "NEW"), "<head></head>");
    }

    #[test]
    fn documents_carry_the_placeholder() {
        for text in [
            include_str!("../skill/SKILL.md"),
            include_str!("../skill/HEARTBEAT.md"),
            include_str!("../skill/openapi.json"),
        ] {
            assert!(text.contains(BASE_URL_PLACEHOLDER), "{}", &text[..40]);
        }
    }

    #[test]
    fn documents_are_the_markdown_files_and_the_api_description() {
        assert!(document_type("/skill.md")
            .unwrap()
            .starts_with("text/markdown"));
        assert!(document_type("/heartbeat.md").is_some());
        assert!(document_type("/openapi.json")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(document_type("/app.css"), None);
        assert_eq!(document_type("/js/openapi.json"), None);
    }
}
