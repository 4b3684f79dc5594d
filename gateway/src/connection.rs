//! One TCP connection to Redis, speaking RESP2 through `redis-protocol`.
//!
//! Commands are written in one batch and their replies read back in order, which is
//! all that pipelines and MULTI/EXEC need. Every connect, write and read has a
//! deadline, so a Redis that stops answering costs a client a few seconds and a
//! 503, never a hung request.

use crate::command::Command;
use crate::error::{Error, Result};
use redis_protocol::resp2::decode::decode;
use redis_protocol::resp2::types::OwnedFrame;
use std::future::Future;
use std::io::ErrorKind;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Applies to each write and to each wait for more reply bytes, so a large reply
/// that keeps arriving is never cut off, while a silent Redis is.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    /// Reply bytes read but not yet decoded; empty between exchanges.
    buffer: Vec<u8>,
}

impl Connection {
    pub async fn connect(addr: &str) -> Result<Connection> {
        let stream = deadline(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|err| unavailable(&format!("cannot connect to Redis at {addr}"), err))?;
        // Commands are written whole, so Nagle's delay would only add latency.
        stream
            .set_nodelay(true)
            .map_err(|err| unavailable("socket setup failed", err))?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(4096),
        })
    }

    /// Writes all `commands` in one batch, so Redis sees a pipeline.
    pub async fn send(&mut self, commands: &[Command]) -> Result<()> {
        let mut out = Vec::new();
        for command in commands {
            command.encode_into(&mut out);
        }
        deadline(IO_TIMEOUT, self.stream.write_all(&out))
            .await
            .map_err(|err| unavailable("writing to Redis failed", err))
    }

    /// Reads exactly `count` replies, in the order the commands were sent.
    pub async fn receive(&mut self, count: usize) -> Result<Vec<OwnedFrame>> {
        let mut replies = Vec::with_capacity(count);
        let mut consumed = 0;
        while replies.len() < count {
            match decode(&self.buffer[consumed..]) {
                Ok(Some((frame, length))) => {
                    replies.push(frame);
                    consumed += length;
                }
                Ok(None) => {
                    self.buffer.drain(..consumed);
                    consumed = 0;
                    self.fill_buffer().await?;
                }
                Err(err) => {
                    return Err(Error::Unavailable(format!(
                        "ERR unreadable reply from Redis: {err}"
                    )))
                }
            }
        }
        self.buffer.drain(..consumed);
        Ok(replies)
    }

    async fn fill_buffer(&mut self) -> Result<()> {
        self.buffer.reserve(self.buffer.len().max(4096));
        let read = deadline(IO_TIMEOUT, self.stream.read_buf(&mut self.buffer))
            .await
            .map_err(|err| unavailable("reading from Redis failed", err))?;
        if read == 0 {
            return Err(Error::Unavailable(
                "ERR Redis closed the connection".to_owned(),
            ));
        }
        Ok(())
    }

    /// Whether an idle connection can still be used: Redis has not closed it (a
    /// restart closes every connection) and it holds no unexpected bytes. Checked
    /// without waiting, before a pooled connection is handed out again.
    pub fn is_reusable(&self) -> bool {
        let mut probe = [0u8; 1];
        self.buffer.is_empty()
            && matches!(
                self.stream.try_read(&mut probe),
                Err(err) if err.kind() == ErrorKind::WouldBlock
            )
    }
}

/// Runs an I/O future under a deadline, folding the timeout into an I/O error.
async fn deadline<T>(
    limit: Duration,
    io: impl Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    timeout(limit, io)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::new(ErrorKind::TimedOut, "timed out")))
}

fn unavailable(what: &str, err: std::io::Error) -> Error {
    Error::Unavailable(format!("ERR {what}: {err}"))
}
