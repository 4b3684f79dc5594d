//! How the stateless Worker reaches a hub: a room's (`RoomHub`) or a bot's inbox's
//! (`InboxHub`). `id_from_name(name)` maps a room id, or a bot id, to exactly one Durable
//! Object worldwide, and getting a stub costs no round trip: the first request through
//! it locates (or creates) the object.

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{url, Env, Headers, Method, Request, RequestInit, Response, Stub};

use super::protocol::{CONNECT_PATH, CONNECT_QUERY, EVENT_PATH};
use crate::error::{ApiError, ApiResult};

/// Hubs ignore the host; any absolute URL will do.
const ORIGIN: &str = "https://hub";

/// A handle on all the hubs of one Durable Object class.
pub struct HubClient {
    env: Env,
    /// The binding name in wrangler.toml.
    binding: &'static str,
}

impl HubClient {
    /// The room hubs, one per room (global included), named by room id.
    pub fn rooms(env: &Env) -> Self {
        HubClient {
            env: env.clone(),
            binding: "ROOM_HUB",
        }
    }

    /// The inbox hubs, one per bot, named by bot id.
    pub fn inboxes(env: &Env) -> Self {
        HubClient {
            env: env.clone(),
            binding: "INBOX_HUB",
        }
    }

    fn stub(&self, name: &str) -> ApiResult<Stub> {
        Ok(self
            .env
            .durable_object(self.binding)?
            .id_from_name(name)?
            .get_stub()?)
    }

    /// Delivers an event (JSON) to the hub called `name`.
    pub async fn send(&self, name: &str, event: &impl Serialize) -> ApiResult<()> {
        self.post(name, event).await.map(|_| ())
    }

    /// Delivers an event that the hub answers, and reads the answer.
    pub async fn ask<T: DeserializeOwned>(
        &self,
        name: &str,
        event: &impl Serialize,
    ) -> ApiResult<T> {
        let mut response = self.post(name, event).await?;
        let text = response.text().await?;
        serde_json::from_str(&text).map_err(|e| ApiError::Internal(format!("hub answer: {e}")))
    }

    async fn post(&self, name: &str, event: &impl Serialize) -> ApiResult<Response> {
        let body = serde_json::to_string(event).map_err(|e| ApiError::Internal(e.to_string()))?;
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        let request = Request::new_with_init(&format!("{ORIGIN}{EVENT_PATH}"), &init)?;
        let response = self.stub(name)?.fetch_with_request(request).await?;
        match response.status_code() {
            200..=299 => Ok(response),
            status => Err(ApiError::Internal(format!("hub answered {status}"))),
        }
    }

    /// Hands a WebSocket upgrade to the hub called `name`, with what the Worker already
    /// checked (`query`, JSON in the URL: an upgrade request has no body).
    pub async fn connect(
        &self,
        name: &str,
        req: &Request,
        query: &impl Serialize,
    ) -> ApiResult<Response> {
        let headers = Headers::new();
        headers.set("Upgrade", "websocket")?;
        for header in [
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol",
        ] {
            if let Some(value) = req.headers().get(header)? {
                headers.set(header, &value)?;
            }
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_headers(headers);
        let request = Request::new_with_init(&connect_url(query)?, &init)?;
        Ok(self.stub(name)?.fetch_with_request(request).await?)
    }
}

/// The internal URL of an upgrade carrying `query` (read back by `live::hub`).
pub fn connect_url(query: &impl Serialize) -> ApiResult<String> {
    let json = serde_json::to_string(query).map_err(|e| ApiError::Internal(e.to_string()))?;
    let encoded: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
    Ok(format!("{ORIGIN}{CONNECT_PATH}?{CONNECT_QUERY}={encoded}"))
}
