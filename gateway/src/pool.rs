//! A small pool of idle Redis connections.
//!
//! A connection goes back into the pool only after a complete exchange, when every
//! reply has been read and no transaction is open; a connection that failed in any
//! way is simply dropped. Idle connections are checked before reuse, so after a
//! Redis restart the stale ones are discarded and fresh ones are opened: the
//! gateway recovers without being restarted.

use crate::connection::Connection;
use crate::error::Result;
use std::sync::Mutex;

/// Enough for the concurrency of local development and tests; beyond it, extra
/// connections are closed after use rather than kept.
const MAX_IDLE: usize = 16;

#[derive(Debug)]
pub struct Pool {
    redis_addr: String,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    pub fn new(redis_addr: String) -> Pool {
        Pool {
            redis_addr,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection that is still usable, or a new one.
    pub async fn get(&self) -> Result<Connection> {
        while let Some(connection) = self.pop_idle() {
            if connection.is_reusable() {
                return Ok(connection);
            }
        }
        Connection::connect(&self.redis_addr).await
    }

    /// Returns a connection after a complete exchange, for the next request.
    pub fn put(&self, connection: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    fn pop_idle(&self) -> Option<Connection> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
    }
}
