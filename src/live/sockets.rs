//! Sockets as both kinds of hub hold them: the tags they are accepted with, fanning a
//! frame out, closing, and what a client may send.
//!
//! Tags are kept by the runtime across hibernation, so they are how a hub finds sockets
//! after a wake-up: `key:<fingerprint>` for a socket opened with a key, `client:<address>`
//! for its client's address bucket (each hub adds its own, e.g. a room's viewer).
//!
//! Clients send nothing but `{"type":"ping"}`, which the runtime answers by itself
//! (`set_websocket_auto_response`) without waking the hub. Any other frame wakes it, so
//! each is counted in the socket's attachment (kept across hibernation; no storage read)
//! and answered with a `read_only` error — and a socket that sends more than
//! `CLIENT_FRAMES` of them in `CLIENT_WINDOW_MS`, or a frame over
//! `MAX_CLIENT_FRAME` bytes, is closed (1008 / 1009). A room stream also takes posts:
//! accepted ones are bounded by the messages limit, refused ones count like any frame.

use js_sys::{Array, JsString};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::wasm_bindgen;
use worker::worker_sys::DurableObjectState;
use worker::{web_sys, WebSocket, WebSocketIncomingMessage};

use crate::time::now_ms;

/// The client frame the runtime answers by itself.
pub const PING: &str = r#"{"type":"ping"}"#;
/// The answer to [`PING`].
pub const PONG: &str = r#"{"type":"pong"}"#;

/// Client frames (other than exact pings) a socket may send per window.
const CLIENT_FRAMES: u32 = 20;
const CLIENT_WINDOW_MS: i64 = 10_000;
/// The largest client frame worth reading: a ping is 15 bytes.
const MAX_CLIENT_FRAME: usize = 4096;
/// Close codes for sockets that misbehave (RFC 6455: policy violation, too big).
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;

#[wasm_bindgen(inline_js = r#"
export function broadcast(state, tag, texts) {
  const sockets = tag === undefined ? state.getWebSockets() : state.getWebSockets(tag);
  for (const ws of sockets) {
    for (const text of texts) {
      try {
        ws.send(text);
      } catch (_) {
        // A socket closing under us: its close handler tidies up.
      }
    }
  }
  return sockets.length > 0;
}
"#)]
extern "C" {
    /// Sends every text to every socket of `state` (those with `tag`, or all), in one
    /// call into JavaScript: the socket list never crosses into wasm, so a message costs
    /// the runtime's sends and nothing per socket on our side. True if any socket was
    /// there.
    #[wasm_bindgen(js_name = broadcast)]
    fn broadcast_texts(state: &DurableObjectState, tag: Option<&str>, texts: &Array) -> bool;
}

/// Sends every frame, in order, to every socket of the hub (those with `tag`, or all),
/// converting each frame to a JS string once. Returns whether any socket was there.
///
/// The loop runs in JavaScript: brought into wasm (as `web_sys` values), every socket
/// took a slot in wasm-bindgen's heap and every send a crossing back out.
pub fn broadcast<'a>(
    state: &DurableObjectState,
    tag: Option<&str>,
    frames: impl IntoIterator<Item = &'a str>,
) -> bool {
    let texts: Array = frames.into_iter().map(JsString::from).collect();
    broadcast_texts(state, tag, &texts)
}

/// The tag of the sockets opened with one key.
pub fn key_tag(fingerprint: &str) -> String {
    format!("key:{fingerprint}")
}

/// The tag of the sockets of one client address bucket.
pub fn client_tag(client: &str) -> String {
    format!("client:{client}")
}

/// Completes the closing handshake a client started. A socket the hub closed itself is
/// already CLOSED here. 1005 and 1006 are reserved: they may be reported, never sent.
pub fn finish_close(ws: &WebSocket, code: usize) {
    let code = match code {
        1005 | 1006 => 1000,
        other => u16::try_from(other).unwrap_or(1000),
    };
    if ws.as_ref().ready_state() != web_sys::WebSocket::CLOSED {
        let _ = ws.close(Some(code), Some("closing"));
    }
}

/// Per-socket state that survives hibernation (the socket's attachment).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Attachment {
    /// What to tell a client that sends something: where writing happens instead.
    hint: String,
    /// Client frames counted in the current window, and when it began.
    frames: u32,
    since: i64,
    /// The keyed hash of the key the socket was opened with (never the key): what a
    /// post over the socket is made with. `None` for anonymous sockets.
    #[serde(default)]
    key_hash: Option<String>,
}

impl Attachment {
    /// The attachment of a new socket; `hint` ends the read-only answer's sentence.
    pub fn new(hint: impl Into<String>) -> Self {
        Attachment {
            hint: hint.into(),
            ..Attachment::default()
        }
    }

    /// The same, for a socket opened with the key of this keyed hash.
    pub fn with_key(self, key_hash: Option<String>) -> Self {
        Attachment { key_hash, ..self }
    }

    /// A socket's attachment (a fresh one if it has none).
    pub fn of(ws: &WebSocket) -> Self {
        ws.deserialize_attachment()
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The keyed hash of the socket's key, if it was opened with one.
    pub fn key_hash(&self) -> Option<&str> {
        self.key_hash.as_deref()
    }

    /// Counts one client frame; false once the socket is over its allowance.
    fn count_frame(&mut self, now: i64) -> bool {
        if now - self.since >= CLIENT_WINDOW_MS {
            self.since = now;
            self.frames = 0;
        }
        self.frames += 1;
        self.frames <= CLIENT_FRAMES
    }
}

/// Whether a client frame is a ping, however it is spaced.
pub fn is_ping(text: &str) -> bool {
    #[derive(Deserialize)]
    struct ClientFrame<'a> {
        #[serde(borrow)]
        r#type: std::borrow::Cow<'a, str>,
    }
    serde_json::from_str::<ClientFrame>(text).is_ok_and(|f| f.r#type == "ping")
}

/// The answer to a client frame the stream does not take (rooms take pings and posts,
/// inboxes pings only): `hint` says how to write instead.
pub fn read_only(hint: &str) -> String {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        error: Error<'a>,
    }
    #[derive(Serialize)]
    struct Error<'a> {
        code: &'static str,
        message: &'a str,
    }
    let message = format!("This stream takes no such frame; {hint}.");
    serde_json::to_string(&Frame {
        r#type: "error",
        error: Error {
            code: "read_only",
            message: &message,
        },
    })
    .unwrap_or_default()
}

/// Counts a client frame against the socket's allowance (kept in its attachment) and
/// closes the socket once it is over (1008); returns the attachment while it may go on.
/// Every frame but a ping and an accepted post counts.
pub fn count_client_frame(ws: &WebSocket) -> Option<Attachment> {
    let mut attachment = Attachment::of(ws);
    let allowed = attachment.count_frame(now_ms());
    let _ = ws.serialize_attachment(&attachment);
    if !allowed {
        let _ = ws.close(Some(CLOSE_POLICY), Some("too many client frames"));
        return None;
    }
    Some(attachment)
}

/// Answers a client frame that woke the hub (an exact ping never does): a ping spelled
/// differently gets its pong, anything else the read-only error; a flood or an oversized
/// frame closes the socket.
pub fn answer_client_frame(ws: &WebSocket, message: WebSocketIncomingMessage) {
    let len = match &message {
        WebSocketIncomingMessage::String(text) => text.len(),
        WebSocketIncomingMessage::Binary(bytes) => bytes.len(),
    };
    if len > MAX_CLIENT_FRAME {
        let _ = ws.close(Some(CLOSE_TOO_BIG), Some("client frames are pings only"));
        return;
    }
    let Some(attachment) = count_client_frame(ws) else {
        return;
    };
    let reply = match message {
        WebSocketIncomingMessage::String(text) if is_ping(&text) => PONG.to_string(),
        _ => read_only(&attachment.hint),
    };
    let _ = ws.send_with_str(reply);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flooding_sockets_run_out_of_frames() {
        let mut attachment = Attachment::new("post elsewhere");
        for _ in 0..CLIENT_FRAMES {
            assert!(attachment.count_frame(100));
        }
        assert!(!attachment.count_frame(200));
        assert!(attachment.count_frame(100 + CLIENT_WINDOW_MS));
    }

    #[test]
    fn pings_are_recognised_however_spaced() {
        assert!(is_ping(PING));
        assert!(is_ping(r#" { "type" : "ping" } "#));
        assert!(!is_ping(r#"{"type":"pong"}"#));
        assert!(!is_ping("ping"));
        let frame: serde_json::Value =
            serde_json::from_str(&read_only("post with POST /api/global/messages")).unwrap();
        assert_eq!(frame["error"]["code"], "read_only");
        assert_eq!(
            frame["error"]["message"],
            "This stream takes no such frame; post with POST /api/global/messages."
        );
    }
}
