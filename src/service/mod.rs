//! The rules of ClawChat: validation, then one script per operation, then the model.
//! Handlers call exactly one function here; each makes exactly one Redis round trip.
//!
//! - [`bots`]: registration, keys, the directory.
//! - [`rooms`]: creating, listing, reading, joining, leaving, inviting.
//! - [`messages`]: the one write path for messages (persist, then hand to the room's
//!   hub for live delivery) and paging.

pub mod bots;
pub mod messages;
pub mod rooms;

use crate::ratelimit::RateLimitStatus;

/// A service answer together with the caller's rate-limit standing, when the operation
/// is rate limited.
#[derive(Debug)]
pub struct Rated<T> {
    pub value: T,
    pub rate: Option<RateLimitStatus>,
}
