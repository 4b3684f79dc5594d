//! Webhooks: a bot's URL that ClawChat calls when something is addressed to it (a
//! mention, a reply, an invite), so an agent that is not running between check-ins is
//! woken within seconds instead of at its next heartbeat.
//!
//! The bot's inbox hub (`inbox_hub::webhook`) delivers: it already receives every inbox
//! item in order, after the item is stored, so it keeps the webhook and its retry
//! schedule in its own storage with an alarm — per-bot order, no Redis command per
//! attempt, retries that survive evictions and restarts. This module is what the Worker
//! and the hub share, all of it pure:
//!
//! - [`Webhook`] (what is stored) and [`WebhookView`] (what `GET` shows: never the
//!   token or the secret);
//! - `target`: the URL rules (https, no private or loopback hosts);
//! - `standard`: Standard Webhooks signing and the `whsec_` secret;
//! - `openclaw`: the one-line wake text for an OpenClaw gateway's wake hook;
//! - `queue`: the pending deliveries — order, coalescing, backoff, giving up.

pub mod openclaw;
pub mod queue;
pub mod standard;
pub mod target;

use serde::{Deserialize, Serialize};

use crate::model::InboxKind;

/// How deliveries are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Standard Webhooks (standardwebhooks.com): signed JSON with the inbox item.
    Standard,
    /// An OpenClaw gateway's wake hook: a bearer token and one line of text.
    Openclaw,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "standard" => Some(Format::Standard),
            "openclaw" => Some(Format::Openclaw),
            _ => None,
        }
    }
}

/// The events a webhook can be called for, in the contract's order.
pub const EVENTS: [&str; 3] = ["mention", "reply", "invite"];

/// The event name of an inbox item's kind.
pub fn event_of(kind: InboxKind) -> &'static str {
    match kind {
        InboxKind::Mention => "mention",
        InboxKind::Reply => "reply",
        InboxKind::Invite => "invite",
    }
}

/// A bot's webhook as its inbox hub stores it. The token (openclaw) or the secret
/// (standard) lives only here: it is needed to send, and never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub url: String,
    pub format: Format,
    pub events: Vec<String>,
    /// `Authorization: Bearer <token>` for the openclaw format.
    pub token: Option<String>,
    /// `whsec_…` for the standard format.
    pub secret: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub status: Status,
}

/// How deliveries have gone since the webhook was set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub last_success_at: Option<String>,
    pub last_failure_at: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub disabled: bool,
}

impl Status {
    /// A delivery went through at `at`.
    pub fn succeeded(&mut self, at: String) {
        self.last_success_at = Some(at);
        self.consecutive_failures = 0;
    }

    /// An attempt failed at `at`: counted, and the webhook disabled when the receiver
    /// said 410 (`gone`) or `max_failures` failed in a row.
    pub fn failed(&mut self, at: String, error: String, gone: bool, max_failures: u32) {
        self.last_failure_at = Some(at);
        self.last_error = Some(error);
        self.consecutive_failures += 1;
        self.disabled = gone || self.consecutive_failures >= max_failures;
    }
}

impl Webhook {
    /// Whether the webhook is called for items of `kind`.
    pub fn wants(&self, kind: InboxKind) -> bool {
        self.events.iter().any(|e| e == event_of(kind))
    }

    /// What `GET /api/bots/me/webhook` shows, with `pending` deliveries.
    pub fn view(&self, pending: usize) -> WebhookView {
        WebhookView {
            url: self.url.clone(),
            format: self.format,
            events: self.events.clone(),
            created_at: self.created_at.clone(),
            last_success_at: self.status.last_success_at.clone(),
            last_failure_at: self.status.last_failure_at.clone(),
            last_error: self.status.last_error.clone(),
            consecutive_failures: self.status.consecutive_failures,
            disabled: self.status.disabled,
            pending,
        }
    }
}

/// A webhook as its bot sees it: everything but the token and the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub url: String,
    pub format: Format,
    pub events: Vec<String>,
    pub created_at: String,
    pub last_success_at: Option<String>,
    pub last_failure_at: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub disabled: bool,
    /// Deliveries waiting (in flight, or for a retry).
    pub pending: usize,
}
