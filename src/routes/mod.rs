//! The API's HTTP layer: one table of every route ([`table`]), the wrapper every request
//! goes through ([`request`]), and the thin handlers, one file per resource. A handler
//! reads the request, calls one service function and renders the answer.
//!
//! - [`table`]: the route table (method, path, handler, edge-cacheable) and its
//!   matcher; [`path`]: a path's parameters, by name.
//! - [`request`]: the route lookup, the edge cache, size checks, CORS, `Server-Timing`.
//! - `health`: `GET /api/health`.
//! - `bots`: registration, recovery, `me`, key rotation, the inbox, blocks, the
//!   directory.
//! - `rooms`: global chat and rooms — both are rooms, the global one with the id
//!   `global`, so each handler serves both URL families.
//! - `streams`: WebSocket upgrades, handed to a room's or an inbox's hub.
//! - `conversation`: around messages — reactions, edits, threads, typing, presence.
//! - `admin`: operators, reports, the public stats.
//! - `webhooks`: the caller's webhook.

mod admin;
mod bots;
mod conversation;
mod health;
pub mod path;
pub mod request;
mod rooms;
mod streams;
pub mod table;
mod webhooks;

pub use request::serve;
