//! The three ways a request runs commands on Redis: one command, a pipeline, and a
//! MULTI/EXEC transaction, each on one pooled connection and in one round trip.

use crate::command::Command;
use crate::error::{Error, Result};
use crate::pool::Pool;
use crate::stats::Stats;
use redis_protocol::resp2::types::OwnedFrame;

#[derive(Debug)]
pub struct Gateway {
    pool: Pool,
    pub stats: Stats,
}

impl Gateway {
    pub fn new(redis_addr: String) -> Gateway {
        Gateway {
            pool: Pool::new(redis_addr),
            stats: Stats::new(),
        }
    }

    /// Runs one command; an error reply becomes `Error::Redis`, since a single
    /// command's failure is the whole answer's failure.
    pub async fn command(&self, command: Command) -> Result<OwnedFrame> {
        let mut replies = self.pipeline(vec![command]).await?;
        match replies.pop() {
            Some(OwnedFrame::Error(text)) => Err(Error::Redis(text)),
            Some(reply) => Ok(reply),
            None => Err(Error::Unavailable("ERR Redis sent no reply".to_owned())),
        }
    }

    /// Runs the commands in order, not atomically; each reply, error or not, is
    /// returned in its place.
    pub async fn pipeline(&self, commands: Vec<Command>) -> Result<Vec<OwnedFrame>> {
        check_all_supported(&commands)?;
        let mut connection = self.pool.get().await?;
        connection.send(&commands).await?;
        self.stats.count_commands(commands.len());
        let replies = connection.receive(commands.len()).await?;
        self.pool.put(connection);
        Ok(replies)
    }

    /// Runs the commands inside MULTI … EXEC, sent together with the wrappers.
    /// Errors that Redis raises while queueing (a wrong argument count, an unknown
    /// command) make EXEC refuse the whole transaction with `EXECABORT`, which
    /// becomes `Error::Redis`; errors of single commands at run time stay in their
    /// place among EXEC's replies.
    ///
    /// The connection goes back to the pool only after EXEC's reply has been read,
    /// so it never carries an open transaction into another request.
    pub async fn transaction(&self, commands: Vec<Command>) -> Result<Vec<OwnedFrame>> {
        check_all_supported(&commands)?;
        let count = commands.len();
        let wrapped: Vec<Command> = std::iter::once(wrapper("MULTI"))
            .chain(commands)
            .chain(std::iter::once(wrapper("EXEC")))
            .collect();
        let mut connection = self.pool.get().await?;
        connection.send(&wrapped).await?;
        self.stats.count_commands(count);
        let mut replies = connection.receive(wrapped.len()).await?;
        self.pool.put(connection);
        match replies.pop() {
            Some(OwnedFrame::Array(results)) => Ok(results),
            Some(OwnedFrame::Error(text)) => Err(Error::Redis(text)),
            // EXEC answers nil only when a WATCHed key changed; WATCH is refused,
            // so this means the transaction was dropped for a reason Redis did not say.
            _ => Err(Error::Redis("EXECABORT Transaction discarded".to_owned())),
        }
    }

    /// A PING for health checks; not a client command, so it is not counted.
    pub async fn ping(&self) -> Result<OwnedFrame> {
        let mut connection = self.pool.get().await?;
        connection.send(&[wrapper("PING")]).await?;
        let mut replies = connection.receive(1).await?;
        self.pool.put(connection);
        replies
            .pop()
            .ok_or_else(|| Error::Unavailable("ERR Redis sent no reply".to_owned()))
    }
}

/// Every command is checked before any is sent, so a refused command never leaves
/// half a pipeline executed.
fn check_all_supported(commands: &[Command]) -> Result<()> {
    commands.iter().try_for_each(Command::check_supported)
}

fn wrapper(name: &str) -> Command {
    Command::new(vec![name.as_bytes().to_vec()])
}
