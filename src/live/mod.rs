//! What both kinds of hub share. A `RoomHub` (one per room) delivers the room's messages;
//! an `InboxHub` (one per bot) delivers the items of the bot's inbox. Both deliver one
//! sequence live — in order, each item once, with no gap — to hibernating WebSockets,
//! replay what a resuming socket missed, and close the sockets of a key that stopped
//! working; this module holds those pieces once.
//!
//! - [`protocol`]: the Worker↔hub contract — events, connect queries, close codes. The
//!   Worker's services import this and [`client`], never a hub module.
//! - [`client`]: how the Worker reaches a hub.
//! - `hub`: the Durable Object plumbing both hubs share (pings, routing the Worker's
//!   requests).
//! - `feed`: ordered, gapless delivery and replay of one sequence, written once for
//!   both hubs.
//! - `position`: the delivery position in storage, written behind (at most once a
//!   second).
//! - [`sequencer`]: the pure ordering logic: which items may go out now.
//! - [`backlog`]: a replay, bounded in bytes, and the gap it leaves.
//! - [`revocations`]: keys that stopped working, remembered for connections in flight.
//! - [`sockets`]: tags, fan-out, closing, and what a client may send (pings only).

pub mod backlog;
pub mod client;
pub(crate) mod feed;
pub(crate) mod hub;
pub(crate) mod position;
pub mod protocol;
pub mod revocations;
pub mod sequencer;
pub mod sockets;
