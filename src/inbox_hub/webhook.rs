//! The bot's webhook, delivered by its inbox hub: the webhook and its status in the
//! hub's key-value storage, the pending deliveries in a SQLite table (one row each, so
//! a queue of large messages never meets a value size limit), and an alarm for the next
//! retry — so deliveries survive evictions and restarts, keep per-bot order and cost no
//! Redis command for scheduling. Before an attempt that carries items, one Redis read
//! checks what the bot may still hear about (a private room only while a member; a
//! banned bot nothing): nothing about a room reaches a bot that has left it.
//!
//! An item event delivers at once, inline (the Worker sends it after its answer, so no
//! request waits); a retry, a test ping and deliveries left by a replaced webhook go
//! out from the alarm. At most one attempt is in flight; whatever arrives meanwhile is
//! queued (or coalesced) and sent by the same loop.

use std::time::Duration;

use serde::Deserialize;
use worker::{
    AbortSignal, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, SqlStorageValue,
};

use super::InboxHub;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::live::protocol::WebhookAnswer;
use crate::model::InboxItem;
use crate::store::{inbox, Store};
use crate::time::{now_ms, rfc3339};
use crate::webhooks::queue::{Change, Delivery, Queue, Retry};
use crate::webhooks::{openclaw, standard, Format, Webhook};

/// Storage keys.
const WEBHOOK: &str = "webhook";
const BOT_ID: &str = "webhook_bot";
const TABLE: &str =
    "CREATE TABLE IF NOT EXISTS webhook_queue (ord INTEGER PRIMARY KEY, delivery TEXT NOT NULL)";

/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT_MS: u32 = 5_000;
/// The alarm set before an attempt, in case the hub is evicted during it.
const SAFETY_MS: u64 = ATTEMPT_TIMEOUT_MS as u64 + 5_000;

/// The webhook as the hub holds it while awake.
#[derive(Default)]
pub(super) struct WebhookState {
    loaded: bool,
    bot_id: Option<String>,
    hook: Option<Webhook>,
    queue: Queue,
    /// The ord being attempted now.
    in_flight: Option<i64>,
    /// Bumped whenever the webhook is set or deleted: an attempt that started before
    /// does not count against (or for) the new one.
    generation: u64,
}

/// How an attempt went.
enum Outcome {
    Delivered,
    /// 410 Gone: the receiver asks never to be called again.
    Gone,
    Failed(String),
}

impl Outcome {
    /// What went wrong, and whether the receiver asked to stop (410); `None`: delivered.
    fn failure(self) -> Option<(String, bool)> {
        match self {
            Outcome::Delivered => None,
            Outcome::Gone => Some(("HTTP 410 Gone: the webhook is disabled".into(), true)),
            Outcome::Failed(error) => Some((error, false)),
        }
    }
}

#[derive(Deserialize)]
struct Row {
    ord: i64,
    delivery: String,
}

impl InboxHub {
    /// Reads the webhook, its queue and its bot from storage once per wake-up.
    async fn load_webhook(&self) -> ApiResult<()> {
        if self.memory.borrow().webhook.loaded {
            return Ok(());
        }
        let storage = self.state.storage();
        let hook: Option<Webhook> = storage.get(WEBHOOK).await?;
        let bot_id: Option<String> = storage.get(BOT_ID).await?;
        let sql = storage.sql();
        sql.exec(TABLE, None)?;
        let rows: Vec<Row> = sql
            .exec("SELECT ord, delivery FROM webhook_queue ORDER BY ord", None)?
            .to_array()?;
        let queue = Queue::restore(rows.into_iter().filter_map(|row| {
            let delivery: Delivery = serde_json::from_str(&row.delivery).ok()?;
            Some((row.ord, delivery))
        }));
        let mut memory = self.memory.borrow_mut();
        let state = &mut memory.webhook;
        if !state.loaded {
            *state = WebhookState {
                loaded: true,
                bot_id,
                hook,
                queue,
                in_flight: None,
                generation: state.generation,
            };
        }
        Ok(())
    }

    /// Writes what a queue change says to the table.
    fn write(&self, change: Change) -> ApiResult<()> {
        let sql = self.state.storage().sql();
        match change {
            Change::Put(ord, delivery) => {
                let json = serde_json::to_string(&delivery)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                sql.exec(
                    "INSERT OR REPLACE INTO webhook_queue (ord, delivery) VALUES (?, ?)",
                    vec![ord.into(), SqlStorageValue::String(json)],
                )?;
            }
            Change::Delete(ord) => {
                sql.exec("DELETE FROM webhook_queue WHERE ord = ?", vec![ord.into()])?;
            }
        }
        Ok(())
    }

    async fn save_hook(&self) -> ApiResult<()> {
        let hook = self.memory.borrow().webhook.hook.clone();
        let storage = self.state.storage();
        match hook {
            Some(hook) => storage.put(WEBHOOK, hook).await?,
            None => {
                storage.delete(WEBHOOK).await?;
            }
        }
        Ok(())
    }

    /// New inbox items: the ones the webhook is called for are queued, then sent.
    pub(super) async fn webhook_items(&self, bot_id: &str, items: &[InboxItem]) -> ApiResult<()> {
        self.load_webhook().await?;
        let changes: Vec<Change> = {
            let mut memory = self.memory.borrow_mut();
            let state = &mut memory.webhook;
            let Some(hook) = state.hook.clone().filter(|h| !h.status.disabled) else {
                return Ok(());
            };
            let now = now_ms();
            items
                .iter()
                .filter(|item| hook.wants(item.kind))
                .filter_map(|item| {
                    let in_flight = state.in_flight;
                    state
                        .queue
                        .add_item(bot_id, item.clone(), hook.format, in_flight, now)
                })
                .collect()
        };
        if changes.is_empty() {
            return Ok(());
        }
        for change in changes {
            self.write(change)?;
        }
        self.pump().await
    }

    /// Answers the Worker's webhook events.
    pub(super) async fn set_webhook(
        &self,
        bot_id: &str,
        mut hook: Webhook,
    ) -> ApiResult<WebhookAnswer> {
        self.load_webhook().await?;
        let shown_secret = {
            let mut memory = self.memory.borrow_mut();
            let state = &mut memory.webhook;
            let kept = state
                .hook
                .as_ref()
                .filter(|old| old.format == Format::Standard && hook.format == Format::Standard)
                .and_then(|old| old.secret.clone());
            let shown = match (&kept, hook.format) {
                (Some(secret), _) => {
                    hook.secret = Some(secret.clone());
                    None
                }
                (None, Format::Standard) => hook.secret.clone(),
                (None, Format::Openclaw) => {
                    hook.secret = None;
                    None
                }
            };
            state.hook = Some(hook);
            state.bot_id = Some(bot_id.to_string());
            state.generation += 1;
            shown
        };
        self.state.storage().put(BOT_ID, bot_id.to_string()).await?;
        self.save_hook().await?;
        self.wake_soon().await?;
        Ok(self.answer(shown_secret))
    }

    pub(super) async fn get_webhook(&self) -> ApiResult<WebhookAnswer> {
        self.load_webhook().await?;
        Ok(self.answer(None))
    }

    pub(super) async fn delete_webhook(&self) -> ApiResult<WebhookAnswer> {
        self.load_webhook().await?;
        let answer = self.answer(None);
        let cleared = {
            let mut memory = self.memory.borrow_mut();
            let state = &mut memory.webhook;
            state.hook = None;
            state.generation += 1;
            state.queue.clear()
        };
        for ord in cleared {
            self.write(Change::Delete(ord))?;
        }
        self.save_hook().await?;
        self.state.storage().delete_alarm().await?;
        Ok(answer)
    }

    pub(super) async fn test_webhook(&self, bot_id: &str) -> ApiResult<WebhookAnswer> {
        self.load_webhook().await?;
        let change = {
            let mut memory = self.memory.borrow_mut();
            let state = &mut memory.webhook;
            match &state.hook {
                Some(hook) if !hook.status.disabled => Some(state.queue.add_ping(bot_id, now_ms())),
                _ => None,
            }
        };
        if let Some(change) = change {
            self.write(change)?;
            self.wake_soon().await?;
        }
        Ok(self.answer(None))
    }

    pub(super) async fn rotate_secret(&self, secret: String) -> ApiResult<WebhookAnswer> {
        self.load_webhook().await?;
        let rotated = {
            let mut memory = self.memory.borrow_mut();
            match memory.webhook.hook.as_mut() {
                Some(hook) if hook.format == Format::Standard => {
                    hook.secret = Some(secret.clone());
                    true
                }
                _ => false,
            }
        };
        if rotated {
            self.save_hook().await?;
        }
        Ok(self.answer(rotated.then_some(secret)))
    }

    /// The webhook as its bot sees it.
    fn answer(&self, secret: Option<String>) -> WebhookAnswer {
        let memory = self.memory.borrow();
        let state = &memory.webhook;
        WebhookAnswer {
            webhook: state.hook.as_ref().map(|h| h.view(state.queue.len())),
            secret,
        }
    }

    /// The alarm: retries, pings and deliveries left over from before a restart.
    pub(super) async fn webhook_alarm(&self) -> ApiResult<()> {
        self.load_webhook().await?;
        self.pump().await
    }

    /// Lets the alarm send what is queued, without making the caller wait for it.
    async fn wake_soon(&self) -> ApiResult<()> {
        if !self.memory.borrow().webhook.queue.is_empty() {
            self.state.storage().set_alarm(Duration::ZERO).await?;
        }
        Ok(())
    }

    /// Sends due deliveries, head first, one at a time, until none is due; then sets the
    /// alarm for the next one.
    async fn pump(&self) -> ApiResult<()> {
        loop {
            let next = {
                let mut memory = self.memory.borrow_mut();
                let state = &mut memory.webhook;
                if state.in_flight.is_some() {
                    return Ok(()); // the loop already running sends it
                }
                let hook = state.hook.clone().filter(|h| !h.status.disabled);
                match (hook, state.queue.head(), state.bot_id.clone()) {
                    (Some(hook), Some((ord, delivery)), Some(bot_id)) => {
                        if delivery.due_at > now_ms() {
                            Err(Some(delivery.due_at))
                        } else {
                            state.in_flight = Some(ord);
                            Ok((ord, delivery.clone(), hook, bot_id, state.generation))
                        }
                    }
                    _ => Err(None), // nothing to send
                }
            };
            match next {
                Err(None) => {
                    self.state.storage().delete_alarm().await?;
                    return Ok(());
                }
                Err(Some(due_at)) => {
                    let wait = (due_at - now_ms()).max(0) as u64;
                    self.state
                        .storage()
                        .set_alarm(Duration::from_millis(wait))
                        .await?;
                    return Ok(());
                }
                Ok((ord, delivery, hook, bot_id, generation)) => {
                    let result = self
                        .attempt(ord, delivery, &hook, &bot_id, generation)
                        .await;
                    self.memory.borrow_mut().webhook.in_flight = None;
                    result?;
                }
            }
        }
    }

    /// One attempt of the delivery at `ord`, and what follows from it.
    async fn attempt(
        &self,
        ord: i64,
        delivery: Delivery,
        hook: &Webhook,
        bot_id: &str,
        generation: u64,
    ) -> ApiResult<()> {
        self.state
            .storage()
            .set_alarm(Duration::from_millis(SAFETY_MS))
            .await?;
        let Some(delivery) = self.still_visible(ord, delivery, bot_id).await? else {
            return Ok(());
        };
        let outcome = send(hook, &delivery).await;
        let config = Config::from_env(&self.env)?;
        let now = now_ms();
        let changes = {
            let mut memory = self.memory.borrow_mut();
            let state = &mut memory.webhook;
            let current = state.generation == generation;
            let Some(hook) = state.hook.as_mut().filter(|_| current) else {
                return Ok(()); // replaced or deleted meanwhile: the new one starts afresh
            };
            match outcome.failure() {
                None => {
                    hook.status.succeeded(rfc3339(now));
                    vec![state.queue.succeeded(ord)]
                }
                Some((error, gone)) => {
                    hook.status
                        .failed(rfc3339(now), error, gone, config.webhook_max_failures);
                    if hook.status.disabled {
                        state
                            .queue
                            .clear()
                            .into_iter()
                            .map(Change::Delete)
                            .collect()
                    } else {
                        let retry = Retry {
                            base_ms: config.webhook_retry_base_ms as i64,
                        };
                        vec![state.queue.failed(ord, now, retry)]
                    }
                }
            }
        };
        for change in changes {
            self.write(change)?;
        }
        self.save_hook().await
    }

    /// The delivery without the items the bot may no longer hear about (one Redis read;
    /// none for a ping); `None` when nothing is left to send.
    async fn still_visible(
        &self,
        ord: i64,
        delivery: Delivery,
        bot_id: &str,
    ) -> ApiResult<Option<Delivery>> {
        if delivery.items.is_empty() {
            return Ok(Some(delivery));
        }
        let mut rooms: Vec<String> = delivery.items.iter().map(|i| i.room.id.clone()).collect();
        rooms.sort();
        rooms.dedup();
        let visible = inbox::webhook_rooms(&Store::from_env(&self.env)?, bot_id, &rooms).await?;
        let change = self
            .memory
            .borrow_mut()
            .webhook
            .queue
            .keep_items(ord, |item| visible.contains(&item.room.id));
        let Some(change) = change else {
            return Ok(Some(delivery));
        };
        let kept = match &change {
            Change::Put(_, kept) => Some(kept.clone()),
            Change::Delete(_) => None,
        };
        self.write(change)?;
        Ok(kept)
    }
}

/// Makes one attempt: a POST with a 5-second limit, redirects not followed.
async fn send(hook: &Webhook, delivery: &Delivery) -> Outcome {
    match request(hook, delivery) {
        Ok(request) => {
            let signal = AbortSignal::from(worker::web_sys::AbortSignal::timeout_with_u32(
                ATTEMPT_TIMEOUT_MS,
            ));
            match Fetch::Request(request).send_with_signal(&signal).await {
                Ok(response) => match response.status_code() {
                    200..=299 => Outcome::Delivered,
                    410 => Outcome::Gone,
                    status => Outcome::Failed(format!("HTTP {status}")),
                },
                Err(_) if signal.aborted() => Outcome::Failed("no answer within 5 seconds".into()),
                Err(err) => Outcome::Failed(format!("unreachable: {err}")),
            }
        }
        Err(err) => Outcome::Failed(format!("not sent: {}", err.message())),
    }
}

/// The HTTP request of a delivery, in the webhook's format.
fn request(hook: &Webhook, delivery: &Delivery) -> ApiResult<Request> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("User-Agent", "ClawChat-Webhooks/1.0")?;
    let now = now_ms();
    let body = match hook.format {
        Format::Standard => {
            let body = standard::body(delivery.items.first(), &rfc3339(now));
            let secret = hook.secret.as_deref().unwrap_or_default();
            let timestamp = now / 1000;
            headers.set("webhook-id", &delivery.id)?;
            headers.set("webhook-timestamp", &timestamp.to_string())?;
            headers.set(
                "webhook-signature",
                &standard::signature(secret, &delivery.id, timestamp, &body)?,
            )?;
            body
        }
        Format::Openclaw => {
            let token = hook.token.as_deref().unwrap_or_default();
            headers.set("Authorization", &format!("Bearer {token}"))?;
            openclaw::body(&delivery.items)
        }
    };
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(body.into()));
    Ok(Request::new_with_init(&hook.url, &init)?)
}
