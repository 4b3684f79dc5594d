//! Posting over a socket: a bot holding a stream of the room opened with its key sends
//! `{"type":"post","content","reply_to"?,"client_id"?}`, and the hub does what
//! `POST …/messages` does — the same validation and the same post script
//! (`store::messages`: the same rules, limits, duplicate guard and privacy), the same
//! live delivery (the events the Worker would have sent, handled here without the
//! hop), the same inbox items. The sender is answered `posted` with the stored message
//! (or an `error` frame), each with its `client_id`, as soon as Redis answered: before
//! the fan-out, which is what it would otherwise wait for. Its own stream then carries
//! the `message` frame like everyone's, so every stream stays the room's whole ordered
//! log.
//!
//! Posts that arrive while the hub's last round trip to Redis is out wait for it in the
//! [`Outbox`], then go together in one request (`store::messages::post_many`, over
//! Upstash's pipeline): each is still its own atomic script, run in arrival order, so a
//! busy room pays one round trip per batch instead of one per post, and a lone post
//! waits for nothing. Seqs are handed out in that order and the sequencer delivers by
//! seq, so the order of seqs is the order of delivery.
//!
//! One round trip is out at a time (so a bot's posts are stored in the order it sent
//! them), but it overlaps the fan-out: when a batch's answers come back, the next batch
//! is sent first and the answered one delivered while Redis works on it.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use serde_json::Value;
use worker::WebSocket;

use super::sockets::ROOM;
use super::{frames, RoomHub};
use crate::auth::KeyHash;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::http::JsonBody;
use crate::live::client::HubClient;
use crate::live::sockets::{count_client_frame, Attachment};
use crate::ratelimit::Rated;
use crate::service::messages;
use crate::store::messages::{post_many, NewMessage, Posted};

/// The fields a post frame may carry.
const FIELDS: [&str; 4] = ["type", "content", "reply_to", "client_id"];
/// The longest `client_id` echoed back.
const MAX_CLIENT_ID: usize = 128;
/// The largest frame read as a post: a body at the default limit (16 KiB) and its
/// frame's fields. A larger one is treated as any oversized client frame (closed).
const MAX_POST_FRAME: usize = 20 * 1024;
/// Posts stored in one round trip, at most.
const MAX_BATCH: usize = 64;
/// Posts one key may have waiting for a round trip: a bot that sends faster than Redis
/// answers is told to wait for its `posted` answers instead of queueing without bound.
const MAX_WAITING_PER_KEY: usize = 32;

/// A client frame that asks to post.
pub(super) struct PostFrame {
    body: JsonBody,
    client_id: Option<String>,
}

impl PostFrame {
    /// The frame, when `text` is a JSON object of `"type": "post"`; `None` for any other
    /// frame (answered as before: see `live::sockets`).
    pub fn parse(text: &str) -> Option<PostFrame> {
        if text.len() > MAX_POST_FRAME {
            return None;
        }
        let value: Value = serde_json::from_str(text).ok()?;
        if value.get("type")?.as_str()? != "post" {
            return None;
        }
        let client_id = match value.get("client_id") {
            Some(Value::String(id)) => Some(id.chars().take(MAX_CLIENT_ID).collect()),
            _ => None,
        };
        let body = JsonBody::from_value(value).ok()?;
        Some(PostFrame { body, client_id })
    }
}

/// A validated post waiting for its round trip, and whom to answer.
pub(super) struct Waiting {
    ws: WebSocket,
    client_id: Option<String>,
    key: KeyHash,
    message: NewMessage,
}

/// Posts waiting for the round trip that will store them, oldest first, with who sent
/// them (a key's keyed hash).
pub(super) struct Outbox<T> {
    queue: VecDeque<(String, T)>,
    /// Posts waiting per key.
    per_key: HashMap<String, usize>,
    /// A round trip is out: whoever sent it takes the next batch when it is back.
    flushing: bool,
}

impl<T> Default for Outbox<T> {
    fn default() -> Self {
        Outbox {
            queue: VecDeque::new(),
            per_key: HashMap::new(),
            flushing: false,
        }
    }
}

impl<T> Outbox<T> {
    /// Queues a post of `key`, unless that key has too many waiting already.
    fn push(&mut self, key: &str, post: T) -> ApiResult<()> {
        let count = self.per_key.entry(key.to_string()).or_default();
        if *count >= MAX_WAITING_PER_KEY {
            return Err(ApiError::Capped(format!(
                "{MAX_WAITING_PER_KEY} of your posts are waiting to be stored; wait for their \
                 posted answers before sending more."
            )));
        }
        *count += 1;
        self.queue.push_back((key.to_string(), post));
        Ok(())
    }

    /// Becomes the one sending round trips, unless one is out already.
    fn start_flushing(&mut self) -> bool {
        !std::mem::replace(&mut self.flushing, true)
    }

    /// The one sending round trips found nothing more to send.
    fn finish_flushing(&mut self) {
        self.flushing = false;
    }

    /// The next batch, oldest first; empty when none waits.
    fn next_batch(&mut self) -> Vec<T> {
        let taken = self.queue.len().min(MAX_BATCH);
        let batch: Vec<T> = self
            .queue
            .drain(..taken)
            .map(|(key, post)| {
                if let Some(count) = self.per_key.get_mut(&key) {
                    *count -= 1;
                    if *count == 0 {
                        self.per_key.remove(&key);
                    }
                }
                post
            })
            .collect();
        batch
    }
}

/// Whom to answer for each post of a batch: its socket, its `client_id`, its room.
type AnswerTo = (WebSocket, Option<String>, String);
/// A batch's answers from Redis, one per post.
type Results = Vec<ApiResult<Rated<Posted>>>;

/// A batch's round trip, sent: whom to answer, and the answers on their way.
struct Trip {
    answer_to: Vec<AnswerTo>,
    results: Pin<Box<dyn Future<Output = Results>>>,
    /// The answers, when they were there at once (storage failed before any request).
    early: Option<Results>,
}

impl Trip {
    /// Sends a batch now: its future is polled once here, which hands the request to
    /// the runtime before the hub goes on with anything else.
    fn send(answer_to: Vec<AnswerTo>, results: impl Future<Output = Results> + 'static) -> Trip {
        let mut results: Pin<Box<dyn Future<Output = Results>>> = Box::pin(results);
        let early = match results
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(results) => Some(results),
            Poll::Pending => None,
        };
        Trip {
            answer_to,
            results,
            early,
        }
    }

    /// Whom to answer, and how, once Redis answered.
    async fn finish(self) -> (Vec<AnswerTo>, Results) {
        let results = match self.early {
            Some(results) => results,
            None => self.results.await,
        };
        (self.answer_to, results)
    }
}

impl RoomHub {
    /// Validates what a socket sent and queues it; the posts waiting are stored and
    /// answered unless a round trip is out already (then its sender does that).
    pub(super) async fn post_from_socket(&self, ws: &WebSocket, frame: PostFrame) {
        let queued = self.validate_post(ws, &frame).and_then(|waiting| {
            let key = waiting.key.as_str().to_string();
            self.memory.borrow_mut().outbox.push(&key, waiting)
        });
        if let Err(err) = queued {
            refuse(ws, frame.client_id.as_deref(), &err);
            return;
        }
        if self.memory.borrow_mut().outbox.start_flushing() {
            self.flush().await;
            self.memory.borrow_mut().outbox.finish_flushing();
        }
    }

    /// Stores and answers what waits, batch after batch, until nothing does. The next
    /// batch goes out before the last one is delivered (only after Redis answered the
    /// last one, so everything is stored in arrival order).
    async fn flush(&self) {
        let mut out = self.send_next();
        while let Some(trip) = out {
            let (answer_to, results) = trip.finish().await;
            out = self.send_next();
            self.answer(answer_to, results).await;
            if out.is_none() {
                // Posts that arrived while this batch was delivered.
                out = self.send_next();
            }
        }
    }

    /// A post frame, checked as `POST …/messages` checks its body, ready to store.
    fn validate_post(&self, ws: &WebSocket, frame: &PostFrame) -> ApiResult<Waiting> {
        let key = Attachment::of(ws)
            .key_hash()
            .map(|hash| KeyHash::from_stored(hash.to_string()))
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "This stream was opened without a key; to post over a socket, open the \
                     stream with Authorization: Bearer <api_key>."
                        .to_string(),
                )
            })?;
        frame.body.only(&FIELDS, "field")?;
        let config = Config::from_env(&self.env)?;
        let message = messages::new_message(&config, &self.room_of(ws)?, &frame.body)?;
        Ok(Waiting {
            ws: ws.clone(),
            client_id: frame.client_id.clone(),
            key,
            message,
        })
    }

    /// Sends the next batch's round trip, if any post waits.
    fn send_next(&self) -> Option<Trip> {
        let batch = self.memory.borrow_mut().outbox.next_batch();
        if batch.is_empty() {
            return None;
        }
        let (answer_to, posts): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|w| {
                (
                    (w.ws, w.client_id, w.message.room_id.clone()),
                    (w.key, w.message),
                )
            })
            .unzip();
        let store = self.store();
        Some(Trip::send(answer_to, async move {
            match store {
                Ok(store) => post_many(&store, &posts).await,
                Err(err) => posts.iter().map(|_| Err(err.clone())).collect(),
            }
        }))
    }

    /// Answers each post of a batch Redis answered — `posted` (it is stored: that is
    /// what the sender waits for, so it is told before the fan-out) or refused — then
    /// delivers the stored ones live.
    async fn answer(&self, answer_to: Vec<AnswerTo>, results: Results) {
        let mut stored = Vec::with_capacity(results.len());
        for ((ws, client_id, room_id), result) in answer_to.into_iter().zip(results) {
            match result {
                Ok(posted) => {
                    let _ = ws
                        .send_with_str(frames::posted(client_id.as_deref(), &posted.value.message));
                    stored.push((room_id, posted.value));
                }
                Err(err) => refuse(&ws, client_id.as_deref(), &err),
            }
        }
        for (room_id, posted) in stored {
            self.deliver_posted(&room_id, posted).await;
        }
    }

    /// A stored post, delivered live (the sender's socket included); its inbox items go
    /// to their hubs.
    async fn deliver_posted(&self, room_id: &str, posted: Posted) {
        for event in messages::room_events(room_id, &posted) {
            // Stored whatever happens here: a socket that missed it reads it on resume.
            if let Err(err) = self.on_room_event(event).await {
                crate::log::hub_call_failed("deliver a post", room_id, &err);
            }
        }
        let inbox = messages::inbox_events(room_id, &posted);
        if !inbox.is_empty() {
            let inboxes = HubClient::inboxes(&self.env);
            worker::wasm_bindgen_futures::spawn_local(async move {
                for (bot_id, event) in inbox {
                    if let Err(err) = inboxes.send(&bot_id, &event).await {
                        crate::log::hub_call_failed("event", &bot_id, &err);
                    }
                }
            });
        }
    }

    /// The room a socket streams (its `room:` tag).
    fn room_of(&self, ws: &WebSocket) -> ApiResult<String> {
        self.state
            .as_raw()
            .get_tags(ws.as_ref())
            .unwrap_or_default()
            .into_iter()
            .find_map(|tag| tag.strip_prefix(ROOM).map(str::to_string))
            .ok_or_else(|| ApiError::Internal("a room socket without its room tag".to_string()))
    }
}

/// Answers a refused post with its error. A refusal counts against the socket's client
/// frames (a socket sending posts that cannot be stored is closed like any flood),
/// unless storage failed: that is not the sender's doing.
fn refuse(ws: &WebSocket, client_id: Option<&str>, err: &ApiError) {
    crate::log::api_error(err);
    let _ = ws.send_with_str(frames::post_error(client_id, err));
    if !matches!(err, ApiError::StorageUnavailable { .. }) {
        count_client_frame(ws);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sender_takes_batches_in_arrival_order_until_none_waits() {
        let mut outbox = Outbox::default();
        for i in 0..MAX_BATCH + 3 {
            outbox.push(&format!("key{}", i % 8), i).unwrap();
        }
        assert!(outbox.start_flushing());
        assert!(
            !outbox.start_flushing(),
            "a round trip is out: the others only queue"
        );
        assert_eq!(outbox.next_batch(), (0..MAX_BATCH).collect::<Vec<_>>());
        outbox.push("late", 99).unwrap();
        assert_eq!(
            outbox.next_batch(),
            vec![MAX_BATCH, MAX_BATCH + 1, MAX_BATCH + 2, 99]
        );
        assert!(outbox.next_batch().is_empty());
        assert!(
            !outbox.start_flushing(),
            "still the sender's until it says it is done"
        );
        outbox.finish_flushing();
        assert!(
            outbox.start_flushing(),
            "the next post sends its own round trip"
        );
    }

    #[test]
    fn a_key_may_have_only_so_many_posts_waiting() {
        let mut outbox = Outbox::default();
        for i in 0..MAX_WAITING_PER_KEY {
            outbox.push("busy", i).unwrap();
        }
        assert!(matches!(outbox.push("busy", 0), Err(ApiError::Capped(_))));
        outbox.push("other", 0).unwrap();
        outbox.start_flushing();
        outbox.next_batch();
        outbox.push("busy", 0).expect("taken posts no longer wait");
    }
}
