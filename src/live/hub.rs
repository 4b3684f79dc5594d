//! What every hub Durable Object does the same way, whichever sequence it delivers:
//! answering pings without waking, and routing the Worker's two requests (an event, a
//! connection) to the hub's own handlers. A hub says what it accepts by implementing
//! [`Hub`]; [`serve`] does the rest.

use serde::de::DeserializeOwned;
use worker::{Request, Response, State, WebSocketRequestResponsePair};

use super::protocol::{CONNECT_PATH, CONNECT_QUERY, EVENT_PATH};
use super::sockets::{PING, PONG};
use crate::error::{ApiError, ApiResult};
use crate::http::error_response;

/// A Durable Object that receives events from the Worker and accepts the sockets it
/// authorises.
pub trait Hub {
    /// What the Worker tells this hub (see `live::protocol`).
    type Event: DeserializeOwned;
    /// What the Worker passes with an upgrade.
    type Connect: DeserializeOwned;

    /// Handles an event; `Some(json)` is the answer of an event that asks for one.
    async fn on_event(&self, event: Self::Event) -> ApiResult<Option<String>>;

    /// Accepts (or refuses) the socket of an upgrade the Worker has authorised.
    async fn on_connect(&self, query: Self::Connect) -> ApiResult<Response>;
}

/// Lets the runtime answer `{"type":"ping"}` itself, so a ping never wakes the hub.
/// Called from the hub's `new()`: the setting lasts as long as the object.
pub fn answer_pings(state: &State) {
    if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
        let _ = state.as_raw().set_websocket_auto_response(&pair);
    }
}

/// A hub's `fetch`: an event, or a connection, or 404. Errors become the contract's
/// JSON (the Worker passes a refused upgrade's answer on to the client).
pub async fn serve<H: Hub>(hub: &H, mut req: Request) -> worker::Result<Response> {
    let result = match req.path().as_str() {
        // Parsed with serde_json, not `req.json()`: messages stay raw JSON text.
        EVENT_PATH => match serde_json::from_str::<H::Event>(&req.text().await?) {
            Ok(event) => match hub.on_event(event).await {
                Ok(None) => Response::empty().map_err(ApiError::from),
                Ok(Some(json)) => crate::http::json_text(200, json),
                Err(err) => Err(err),
            },
            Err(err) => Err(ApiError::Internal(format!("bad hub event: {err}"))),
        },
        CONNECT_PATH => match connect_query::<H::Connect>(&req) {
            Ok(query) => hub.on_connect(query).await,
            Err(err) => Err(err),
        },
        _ => Err(ApiError::NotFound("No such hub endpoint.".to_string())),
    };
    Ok(result.unwrap_or_else(|err| error_response(&err)))
}

/// The connect query an upgrade carries (see `live::client::HubClient::connect`).
fn connect_query<T: DeserializeOwned>(req: &Request) -> ApiResult<T> {
    read_connect_query(&req.url()?)
}

/// The JSON in the URL's [`CONNECT_QUERY`] parameter.
fn read_connect_query<T: DeserializeOwned>(url: &worker::Url) -> ApiResult<T> {
    let json = url
        .query_pairs()
        .find(|(k, _)| k == CONNECT_QUERY)
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| ApiError::Internal("hub connect without a query".into()))?;
    serde_json::from_str(&json).map_err(|e| ApiError::Internal(format!("hub connect: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::client::connect_url;
    use crate::live::protocol::InboxConnect;
    use crate::model::BotRef;

    #[test]
    fn a_connect_query_survives_the_url() {
        let query = InboxConnect {
            bot: BotRef {
                id: "b_1".into(),
                name: "a&b=c d".into(),
            },
            key: "k".into(),
            client: "c".into(),
            last_seq: 4,
            after: None,
            checked_at: 1,
        };
        let url = worker::Url::parse(&connect_url(&query).unwrap()).unwrap();
        assert_eq!(url.path(), CONNECT_PATH);
        let back: InboxConnect = read_connect_query(&url).unwrap();
        assert_eq!((back.bot.name.as_str(), back.last_seq), ("a&b=c d", 4));
        let bare = worker::Url::parse("https://hub/connect").unwrap();
        assert!(read_connect_query::<InboxConnect>(&bare).is_err());
    }
}
