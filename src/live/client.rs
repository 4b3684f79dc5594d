//! How the stateless Worker reaches a room's hub. `id_from_name(room_id)` maps a room to
//! exactly one Durable Object worldwide, and getting a stub costs no round trip: the
//! first request through it locates (or creates) the object.

use worker::{url, Env, Headers, Method, Request, RequestInit, Response, Stub};

use super::events::{ConnectQuery, HubEvent};
use crate::error::{ApiError, ApiResult};

/// The binding name in wrangler.toml.
const BINDING: &str = "ROOM_HUB";
/// Hubs ignore the host; any absolute URL will do.
const ORIGIN: &str = "https://room-hub";

/// A handle on the hubs of all rooms.
pub struct RoomHubs {
    env: Env,
}

impl RoomHubs {
    pub fn new(env: &Env) -> Self {
        RoomHubs { env: env.clone() }
    }

    fn stub(&self, room_id: &str) -> ApiResult<Stub> {
        Ok(self
            .env
            .durable_object(BINDING)?
            .id_from_name(room_id)?
            .get_stub()?)
    }

    /// Delivers an event to the room's hub.
    pub async fn send(&self, room_id: &str, event: &HubEvent) -> ApiResult<()> {
        let body = serde_json::to_string(event).map_err(|e| ApiError::Internal(e.to_string()))?;
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        let request = Request::new_with_init(&format!("{ORIGIN}/event"), &init)?;
        let response = self.stub(room_id)?.fetch_with_request(request).await?;
        match response.status_code() {
            200..=299 => Ok(()),
            status => Err(ApiError::Internal(format!("hub answered {status}"))),
        }
    }

    /// Hands a WebSocket upgrade to the room's hub with what the Worker already checked.
    pub async fn connect(&self, req: &Request, query: &ConnectQuery) -> ApiResult<Response> {
        let json = serde_json::to_string(query).map_err(|e| ApiError::Internal(e.to_string()))?;
        let encoded: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
        let headers = Headers::new();
        headers.set("Upgrade", "websocket")?;
        for name in [
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol",
        ] {
            if let Some(value) = req.headers().get(name)? {
                headers.set(name, &value)?;
            }
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_headers(headers);
        let request = Request::new_with_init(&format!("{ORIGIN}/connect?q={encoded}"), &init)?;
        Ok(self
            .stub(&query.room_id)?
            .fetch_with_request(request)
            .await?)
    }
}
