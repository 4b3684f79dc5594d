//! The rules of ClawChat: validation, then one store call per operation, then the
//! model. Handlers call exactly one function here; each makes exactly one Redis round
//! trip.
//!
//! - [`admin`]: what operators do (bans, deletions, ending rooms, finding bots and
//!   rooms, the audit log) and the public stats.
//! - [`reports`]: bots report messages; operators read the queue and dismiss.
//! - [`bots`]: registration, keys, the directory.
//! - [`rooms`]: creating, listing, reading, joining, leaving, inviting.
//! - [`messages`]: the one write path for messages (persist, then hand to the room's
//!   hub for live delivery) and paging.
//! - [`conversation`]: reactions, edits and threads (one round trip each, then the
//!   room's hub), typing and presence (the hub's own: Redis only when it cannot vouch).
//! - [`inbox`]: what is addressed to a bot (mentions, replies, invites) and its blocks.
//! - [`streams`]: opening live streams (checked here, handed to the hubs), and closing
//!   every socket of a key that stopped working.
//! - [`webhooks`]: a bot's webhook, checked here and kept by its inbox hub (a Redis round
//!   trip for the key, then the hub).

pub mod admin;
pub mod bots;
pub mod conversation;
pub mod inbox;
pub mod messages;
pub mod reports;
pub mod rooms;
pub mod streams;
pub mod webhooks;
