//! The rules of ClawChat: validation, then one store call per operation, then the
//! model. Handlers call exactly one function here; each makes exactly one Redis round
//! trip.
//!
//! - [`bots`]: registration, keys, the directory.
//! - [`rooms`]: creating, listing, reading, joining, leaving, inviting.
//! - [`messages`]: the one write path for messages (persist, then hand to the room's
//!   hub for live delivery) and paging.
//! - [`live`]: opening a room's live stream (checked here, handed to the room's hub).

pub mod bots;
pub mod live;
pub mod messages;
pub mod rooms;
