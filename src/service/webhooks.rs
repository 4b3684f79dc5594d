//! A bot's webhook (`/api/bots/me/webhook`): the Worker checks the body and the caller
//! (one Redis round trip), then the bot's inbox hub, which keeps the webhook and
//! delivers to it, does the rest (see `inbox_hub::webhook`). The token and the secret
//! pass through here once, on their way to the hub; the secret comes back only on
//! creation and rotation.

use serde::Serialize;

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::http::JsonBody;
use crate::live::protocol::{InboxEvent, WebhookAnswer};
use crate::store::inbox;
use crate::time::{now_ms, rfc3339};
use crate::webhooks::{self, standard, target, Format, Status, Webhook, WebhookView};

/// The bounds of an openclaw hook token, in characters.
const TOKEN_CHARS: std::ops::RangeInclusive<usize> = 16..=256;

/// `{webhook, secret?}`: the answer of setting a webhook or rotating its secret.
#[derive(Debug, Serialize)]
pub struct Answer {
    pub webhook: Option<WebhookView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<WebhookAnswer> for Answer {
    fn from(answer: WebhookAnswer) -> Self {
        Answer {
            webhook: answer.webhook,
            secret: answer.secret,
        }
    }
}

/// `PUT /api/bots/me/webhook`: sets or replaces the caller's webhook.
pub async fn set(app: &App, caller: &KeyHash, body: &JsonBody) -> ApiResult<Answer> {
    let mut webhook = read_webhook(app, body)?;
    let bot_id = bot_id(app, caller).await?;
    if webhook.format == Format::Standard {
        webhook.secret = Some(standard::new_secret()?);
    }
    let event = InboxEvent::SetWebhook {
        bot_id: bot_id.clone(),
        webhook,
    };
    Ok(app
        .inboxes()
        .ask::<WebhookAnswer>(&bot_id, &event)
        .await?
        .into())
}

/// `GET /api/bots/me/webhook`: `{webhook}`, `null` when none is set.
pub async fn get(app: &App, caller: &KeyHash) -> ApiResult<Answer> {
    let bot_id = bot_id(app, caller).await?;
    let event = InboxEvent::GetWebhook {
        bot_id: bot_id.clone(),
    };
    Ok(app
        .inboxes()
        .ask::<WebhookAnswer>(&bot_id, &event)
        .await?
        .into())
}

/// `DELETE /api/bots/me/webhook`: removes it and what it had pending.
pub async fn delete(app: &App, caller: &KeyHash) -> ApiResult<Answer> {
    let bot_id = bot_id(app, caller).await?;
    let event = InboxEvent::DeleteWebhook {
        bot_id: bot_id.clone(),
    };
    let answer: WebhookAnswer = app.inboxes().ask(&bot_id, &event).await?;
    existing(answer).map(Answer::from)
}

/// `POST /api/bots/me/webhook/test`: queues one `ping` delivery.
pub async fn test(app: &App, caller: &KeyHash) -> ApiResult<Answer> {
    let bot_id = bot_id(app, caller).await?;
    let event = InboxEvent::TestWebhook {
        bot_id: bot_id.clone(),
    };
    let answer = existing(app.inboxes().ask(&bot_id, &event).await?)?;
    if answer.webhook.as_ref().is_some_and(|w| w.disabled) {
        return Err(ApiError::Forbidden(
            "The webhook is disabled (see last_error); set it again with PUT /api/bots/me/webhook to re-enable it."
                .into(),
        ));
    }
    Ok(answer.into())
}

/// `POST /api/bots/me/webhook/rotate-secret`: a new secret for a `standard` webhook.
pub async fn rotate_secret(app: &App, caller: &KeyHash) -> ApiResult<Answer> {
    let bot_id = bot_id(app, caller).await?;
    let event = InboxEvent::RotateSecret {
        bot_id: bot_id.clone(),
        secret: standard::new_secret()?,
    };
    let answer = existing(app.inboxes().ask(&bot_id, &event).await?)?;
    if answer.secret.is_none() {
        return Err(ApiError::invalid(
            "format",
            "an openclaw webhook has a token, not a secret; send a new token with PUT /api/bots/me/webhook",
        ));
    }
    Ok(answer.into())
}

/// The caller's bot id: the key checked in Redis (one round trip).
async fn bot_id(app: &App, caller: &KeyHash) -> ApiResult<String> {
    Ok(inbox::open(&app.store()?, caller).await?.0.id)
}

/// 404 when the bot has no webhook.
fn existing(answer: WebhookAnswer) -> ApiResult<WebhookAnswer> {
    match answer.webhook {
        Some(_) => Ok(answer),
        None => Err(ApiError::NotFound(
            "No webhook is set; set one with PUT /api/bots/me/webhook.".into(),
        )),
    }
}

/// The webhook a `PUT` body describes, checked field by field.
fn read_webhook(app: &App, body: &JsonBody) -> ApiResult<Webhook> {
    let url = target::check_url(body.str("url")?, app.config.webhook_allow_local)?;
    let format = match body.opt_str("format")? {
        None => Format::Standard,
        Some(text) => Format::parse(text)
            .ok_or_else(|| ApiError::invalid("format", "must be \"standard\" or \"openclaw\""))?,
    };
    let token = match (format, body.opt_str("token")?) {
        (Format::Openclaw, None) => {
            return Err(ApiError::invalid(
                "token",
                "is required for the openclaw format (your gateway's hook token)",
            ))
        }
        (Format::Openclaw, Some(token)) if !TOKEN_CHARS.contains(&token.chars().count()) => {
            return Err(ApiError::invalid("token", "must be 16-256 characters"))
        }
        (Format::Openclaw, Some(token)) if token.chars().any(|c| c.is_control() || c == ' ') => {
            return Err(ApiError::invalid(
                "token",
                "must not contain spaces or control characters",
            ))
        }
        (Format::Openclaw, Some(token)) => Some(token.to_string()),
        (Format::Standard, Some(_)) => return Err(ApiError::invalid(
            "token",
            "is for the openclaw format; standard deliveries are signed with the secret instead",
        )),
        (Format::Standard, None) => None,
    };
    let events = match body.opt_str_list("events")? {
        None => webhooks::EVENTS.iter().map(|e| e.to_string()).collect(),
        Some(list) => events(list)?,
    };
    Ok(Webhook {
        url,
        format,
        events,
        token,
        secret: None,
        created_at: rfc3339(now_ms()),
        status: Status::default(),
    })
}

/// A non-empty subset of the events, in the contract's order.
fn events(asked: Vec<String>) -> ApiResult<Vec<String>> {
    if let Some(unknown) = asked
        .iter()
        .find(|e| !webhooks::EVENTS.contains(&e.as_str()))
    {
        return Err(ApiError::invalid(
            "events",
            format!("{unknown:?} is not an event; the events are mention, reply, invite"),
        ));
    }
    if let Some(twice) = asked
        .iter()
        .enumerate()
        .find(|(i, e)| asked[..*i].contains(e))
    {
        return Err(ApiError::invalid(
            "events",
            format!("names {:?} twice", twice.1),
        ));
    }
    let chosen: Vec<String> = webhooks::EVENTS
        .iter()
        .filter(|e| asked.iter().any(|a| a == *e))
        .map(|e| e.to_string())
        .collect();
    if chosen.is_empty() {
        return Err(ApiError::invalid(
            "events",
            "must name at least one of mention, reply, invite",
        ));
    }
    Ok(chosen)
}
