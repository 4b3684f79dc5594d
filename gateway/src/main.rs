//! `redis-rest-gateway`: the Upstash Redis REST protocol served in front of a local
//! `redis-server`, so ClawChat's Worker and its tests can run against a real Redis
//! on a machine without Upstash (the stand-in Upstash suggests needs Docker).
//!
//! A request travels down these modules, each only using the ones below it:
//!
//! - `server` is HTTP in and out: it checks the method and, through `token`, the
//!   bearer token (header only, compared in constant time), routes `/`,
//!   `/pipeline`, `/multi-exec` and `/_gateway/stats`, and writes the JSON.
//! - `protocol` is the wire format: JSON bodies into `Command`s, RESP2 replies into
//!   RESP2-shaped JSON, optionally base64-encoded.
//! - `gateway` runs one command, a pipeline, or a MULTI/EXEC transaction in a
//!   single round trip on a pooled connection, and keeps the `stats` counters.
//! - `command` is one Redis command; `refusal` is the rule that refuses commands
//!   which would block or change a shared connection, and administrative ones
//!   (CONFIG, FLUSHALL, SHUTDOWN, …) that a REST client of application data never
//!   needs.
//! - `pool` keeps idle connections and drops broken ones, so the gateway survives
//!   a Redis restart; `connection` is one TCP connection speaking RESP2 with
//!   deadlines on every step.
//! - `stats` counts requests and commands for tests that assert round trips.
//! - `config` reads the command line and tells whether the listening address
//!   reaches beyond loopback, which start-up warns about; `error` is the one error
//!   type, and the one place that shapes `{"error":…}` answers.
//!
//! The gateway is for local development and tests, but it is written to stay safe
//! if someone exposes it: without the token it runs nothing, and with it a client
//! reaches the data, never the server's configuration or lifetime.

mod command;
mod config;
mod connection;
mod error;
mod gateway;
mod pool;
mod protocol;
mod refusal;
mod server;
mod stats;
mod token;

use config::{Config, Invocation, USAGE};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args();
    let _program = args.next();
    let invocation = Config::parse(args, std::env::var("GATEWAY_TOKEN").ok());
    let outcome = match invocation {
        Ok(Invocation::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Run(config)) => server::run(config).await,
        Err(err) => Err(err),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("redis-rest-gateway: {err}");
            ExitCode::from(2)
        }
    }
}
