//! The command line: where to listen, which Redis to front, and the token clients
//! must present; and whether the chosen address reaches beyond this machine.

use crate::error::{Error, Result};
use std::net::{IpAddr, SocketAddr};

pub const USAGE: &str = "\
usage: redis-rest-gateway --token TOKEN [--listen 127.0.0.1:8079] [--redis 127.0.0.1:6379]

Serves the Upstash Redis REST protocol in front of a local redis-server, for local
development and tests.
  --listen ADDR   address to serve HTTP on (default 127.0.0.1:8079; port 0 picks a free one);
                  an address beyond loopback is served, with a warning on stderr
  --redis ADDR    redis-server to forward commands to (default 127.0.0.1:6379)
  --token TOKEN   bearer token clients must send (or set GATEWAY_TOKEN)

Clients send the token as 'Authorization: Bearer TOKEN'; the '?_token=' query
parameter that Upstash also accepts is refused. Commands that would block or change
a shared connection, and administrative ones (CONFIG, FLUSHALL, FLUSHDB, DEBUG,
SHUTDOWN, MODULE, SAVE, REPLICAOF, ACL, CLUSTER, CLIENT KILL, SCRIPT FLUSH, ...),
are answered 400 without reaching Redis.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub redis: String,
    pub token: String,
}

/// What the command line asks for: run, or just print the usage.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    Run(Config),
    Help,
}

impl Config {
    /// Parses `--flag value` or `--flag=value` arguments (program name excluded);
    /// `env_token` is the `GATEWAY_TOKEN` fallback for `--token`, which keeps the
    /// token out of process listings.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        env_token: Option<String>,
    ) -> Result<Invocation> {
        let mut listen = "127.0.0.1:8079".to_owned();
        let mut redis = "127.0.0.1:6379".to_owned();
        let mut token = env_token;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            if flag == "--help" || flag == "-h" {
                return Ok(Invocation::Help);
            }
            let slot = match flag.as_str() {
                "--listen" => &mut listen,
                "--redis" => &mut redis,
                "--token" => token.insert(String::new()),
                other => return Err(usage(&format!("unknown argument '{other}'"))),
            };
            *slot = match inline.or_else(|| args.next()) {
                Some(value) => value,
                None => return Err(usage(&format!("{flag} needs a value"))),
            };
        }
        let listen = listen
            .parse()
            .map_err(|_| usage(&format!("--listen '{listen}' is not an IP:PORT address")))?;
        let token = token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| usage("a token is required: pass --token or set GATEWAY_TOKEN"))?;
        Ok(Invocation::Run(Config {
            listen,
            redis,
            token,
        }))
    }

    /// A warning for a listening address that other machines may reach, where
    /// anyone who has the token can run Redis commands.
    pub fn exposure_warning(&self) -> Option<String> {
        (!is_loopback(self.listen.ip())).then(|| {
            format!(
                "warning: listening on {}, which is not a loopback address: anyone who can \
                 reach it and has the token can run Redis commands. This gateway is meant \
                 for local development and tests; use --listen 127.0.0.1:PORT unless \
                 another machine or a container must reach it.",
                self.listen
            )
        })
    }
}

/// 127.0.0.0/8 and ::1, also when written as an IPv4-mapped IPv6 address
/// (`::ffff:127.0.0.1`). The unspecified 0.0.0.0 and :: listen on every interface,
/// so they are not loopback.
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

fn usage(problem: &str) -> Error {
    Error::Usage(format!("{problem}\n\n{USAGE}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env_token: Option<&str>) -> Result<Invocation> {
        Config::parse(
            args.iter().map(|arg| arg.to_string()),
            env_token.map(str::to_owned),
        )
    }

    #[test]
    fn defaults_need_only_a_token() {
        let Ok(Invocation::Run(config)) = parse(&["--token", "t"], None) else {
            panic!("should parse");
        };
        assert_eq!(config.listen, "127.0.0.1:8079".parse().unwrap());
        assert_eq!(config.redis, "127.0.0.1:6379");
        assert_eq!(config.token, "t");
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let invocation = parse(
            &[
                "--listen=127.0.0.1:0",
                "--redis",
                "127.0.0.1:7000",
                "--token=a=b",
            ],
            Some("env"),
        )
        .unwrap();
        let expected = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            redis: "127.0.0.1:7000".to_owned(),
            token: "a=b".to_owned(),
        };
        assert_eq!(invocation, Invocation::Run(expected));
    }

    #[test]
    fn token_falls_back_to_the_environment() {
        let Ok(Invocation::Run(config)) = parse(&[], Some("from-env")) else {
            panic!("should parse");
        };
        assert_eq!(config.token, "from-env");
    }

    #[test]
    fn bad_command_lines_are_refused() {
        for args in [
            &[][..],
            &["--token", ""],
            &["--token"],
            &["--token", "t", "--port", "1"],
            &["--token", "t", "--listen", "localhost"],
        ] {
            assert!(
                matches!(parse(args, None), Err(Error::Usage(_))),
                "{args:?}"
            );
        }
        assert_eq!(parse(&["--help"], None).unwrap(), Invocation::Help);
    }

    #[test]
    fn loopback_is_127_0_0_0_slash_8_and_ipv6_one() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.254",
            "::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "0.0.0.0",
            "::",
            "10.0.0.1",
            "192.168.1.20",
            "128.0.0.1",
            "126.255.255.255",
            "172.17.0.1",
            "fe80::1",
            "::2",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_loopback(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_addresses_beyond_loopback_are_warned_about() {
        let config = |listen: &str| Config {
            listen: listen.parse().unwrap(),
            redis: "127.0.0.1:6379".to_owned(),
            token: "t".to_owned(),
        };
        assert_eq!(config("127.0.0.1:8079").exposure_warning(), None);
        assert_eq!(config("[::1]:0").exposure_warning(), None);
        let warning = config("0.0.0.0:8079").exposure_warning().unwrap();
        assert!(warning.contains("0.0.0.0:8079"), "{warning}");
        assert!(warning.contains("not a loopback address"), "{warning}");
        assert!(config("[::]:8079").exposure_warning().is_some());
    }
}
