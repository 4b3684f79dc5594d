//! The rule for which commands the gateway forwards at all, and the text that
//! tells a client why one was refused.
//!
//! Every command runs on a pooled connection that the next request reuses, so a
//! command that blocks, switches the connection into another mode, or changes its
//! state would leak into someone else's request. Those are refused up front, before
//! anything reaches Redis, with an `ERR … not supported over REST` text.
//!
//! Administrative commands are refused the same way: the gateway serves an
//! application's data, and a token that leaks (or a gateway listening on more than
//! loopback) should not also hand out the server's configuration, persistence,
//! replication or lifetime, nor a one-word wipe of every key. Redis itself marks
//! most of them `noscript`, so a Lua script cannot reach them either; FLUSHALL,
//! FLUSHDB, SWAPDB and MIGRATE it does not, and a script sent with EVAL can still
//! call them. Tests that need such commands send them with `redis-cli` straight to
//! their own `redis-server`.

use crate::error::{Error, Result};

/// Refuses `args` (a command name and its arguments) with `Error::BadRequest` when
/// the gateway must not forward it.
pub fn check(args: &[Vec<u8>]) -> Result<()> {
    let name = lowercase(&args[0]);
    let subcommand = args.get(1).map(|arg| lowercase(arg));
    match classify(&name, subcommand.as_deref(), &args[1..]) {
        None => Ok(()),
        Some(kind) => Err(Error::BadRequest(refusal(
            kind,
            &spelled(&name, subcommand.as_deref()),
        ))),
    }
}

/// Redis matches command and subcommand names without regard to ASCII case, and
/// spells them in lowercase in its error texts.
fn lowercase(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).to_ascii_lowercase()
}

/// Why a command cannot be served over REST; each kind gets its own wording so the
/// client learns what to do instead.
#[derive(Debug, Clone, Copy)]
enum Unsupported {
    Blocking,
    Subscription,
    Transaction,
    ConnectionState,
    Administrative,
}

/// Administrative whatever their arguments; see `is_administrative`.
const ADMINISTRATIVE: [&str; 22] = [
    "acl",
    "bgrewriteaof",
    "bgsave",
    "cluster",
    "config",
    "debug",
    "failover",
    "flushall",
    "flushdb",
    "latency",
    "migrate",
    "module",
    "pfdebug",
    "pfselftest",
    "replconf",
    "replicaof",
    "restore-asking",
    "save",
    "shutdown",
    "slaveof",
    "slowlog",
    "swapdb",
];

/// Redis' container commands among those refused: their first argument names a
/// subcommand, and a refusal names both, `config|set`, as Redis' own ACL errors do.
const CONTAINER_COMMANDS: [&str; 9] = [
    "acl", "client", "cluster", "config", "function", "latency", "module", "script", "slowlog",
];

/// `subcommand` is the first argument, lowercased; `args` are all the arguments.
fn classify(name: &str, subcommand: Option<&str>, args: &[Vec<u8>]) -> Option<Unsupported> {
    match (name, subcommand) {
        (
            "blpop" | "brpop" | "brpoplpush" | "blmove" | "blmpop" | "bzpopmin" | "bzpopmax"
            | "bzmpop" | "wait" | "waitaof",
            _,
        ) => Some(Unsupported::Blocking),
        ("xread", _) if has_block_option(args) => Some(Unsupported::Blocking),
        // XREADGROUP GROUP <group> <consumer> [options] STREAMS …: the group and
        // consumer names may themselves be "block", so options start after them.
        ("xreadgroup", _) if has_block_option(args.get(3..).unwrap_or_default()) => {
            Some(Unsupported::Blocking)
        }
        (
            "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe"
            | "sunsubscribe" | "monitor" | "sync" | "psync",
            _,
        ) => Some(Unsupported::Subscription),
        ("multi" | "exec" | "discard" | "watch" | "unwatch", _) => Some(Unsupported::Transaction),
        ("select" | "hello" | "auth" | "reset" | "quit", _) => Some(Unsupported::ConnectionState),
        // CLIENT REPLY and CLIENT TRACKING change what Redis sends back on this
        // connection, which would desynchronise the gateway's one-reply-per-command
        // reads; the others change how Redis treats the connection's later commands.
        ("client", Some("reply" | "tracking" | "no-evict" | "no-touch"))
        | ("script", Some("debug")) => Some(Unsupported::ConnectionState),
        _ if is_administrative(name, subcommand) => Some(Unsupported::Administrative),
        _ => None,
    }
}

/// Commands that change the server rather than the data (configuration,
/// persistence, replication, cluster, users, modules, diagnostics), stop it, stall
/// other clients, or wipe data wholesale. Data commands, EVAL and EVALSHA, SCRIPT
/// LOAD and EXISTS, FUNCTION LOAD, and reads such as INFO, DBSIZE and KEYS stay
/// allowed: the Worker and the tests use them.
fn is_administrative(name: &str, subcommand: Option<&str>) -> bool {
    ADMINISTRATIVE.contains(&name)
        || matches!(
            (name, subcommand),
            ("client", Some("kill" | "pause" | "unpause"))
                | ("script", Some("flush" | "kill"))
                | ("function", Some("flush" | "delete" | "restore" | "kill"))
        )
}

/// The command as a refusal names it: `client|kill` for a container command's
/// subcommand, the bare name otherwise.
fn spelled(name: &str, subcommand: Option<&str>) -> String {
    match subcommand {
        Some(subcommand) if CONTAINER_COMMANDS.contains(&name) => format!("{name}|{subcommand}"),
        _ => name.to_owned(),
    }
}

/// Looks for `BLOCK` among the options of XREAD/XREADGROUP, which all come before
/// `STREAMS`; after it, keys and ids may be named anything.
fn has_block_option(options: &[Vec<u8>]) -> bool {
    options
        .iter()
        .take_while(|arg| !arg.eq_ignore_ascii_case(b"streams"))
        .any(|arg| arg.eq_ignore_ascii_case(b"block"))
}

fn refusal(kind: Unsupported, name: &str) -> String {
    match kind {
        Unsupported::Blocking => {
            format!("ERR blocking command '{name}' is not supported over REST")
        }
        Unsupported::Subscription => {
            format!("ERR '{name}' is not supported over REST: it takes over the connection")
        }
        Unsupported::Transaction => format!(
            "ERR '{name}' is not supported over REST: send the whole transaction to /multi-exec"
        ),
        Unsupported::ConnectionState => format!(
            "ERR '{name}' is not supported over REST: connections are shared between requests"
        ),
        Unsupported::Administrative => {
            format!("ERR administrative command '{name}' is not supported over REST")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_str(args: &[&str]) -> Result<()> {
        check(
            &args
                .iter()
                .map(|a| a.as_bytes().to_vec())
                .collect::<Vec<_>>(),
        )
    }

    fn refused_text(args: &[&str]) -> String {
        match check_str(args) {
            Err(Error::BadRequest(text)) => text,
            other => panic!("{args:?} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn ordinary_commands_are_supported() {
        for args in [
            &["SET", "k", "v", "EX", "100"][..],
            &["get", "k"],
            &["EVAL", "return 1", "0"],
            &["XREAD", "COUNT", "2", "STREAMS", "block", "0"],
            &["XREADGROUP", "GROUP", "block", "block", "STREAMS", "s", ">"],
            &["CLIENT", "ID"],
        ] {
            assert!(check_str(args).is_ok(), "{args:?}");
        }
    }

    #[test]
    fn what_the_worker_and_the_tests_send_stays_allowed() {
        for args in [
            &["PING"][..],
            &["INFO", "server"],
            &["DBSIZE"],
            &["KEYS", "cc:*"],
            &["TYPE", "k"],
            &["HGETALL", "k"],
            &["ZRANGE", "k", "0", "-1"],
            &["PTTL", "k"],
            &["EVAL", "return redis.call('GET', KEYS[1])", "1", "k"],
            &["EVALSHA", "0123456789012345678901234567890123456789", "0"],
            &["SCRIPT", "LOAD", "return 1"],
            &[
                "script",
                "exists",
                "0123456789012345678901234567890123456789",
            ],
            &["FUNCTION", "LIST"],
            &["CLIENT", "GETNAME"],
            &["CLIENT", "INFO"],
            // Keys and values are data, whatever they are called.
            &["SET", "flushall", "config"],
            &["GET", "shutdown"],
        ] {
            assert!(check_str(args).is_ok(), "{args:?}");
        }
    }

    #[test]
    fn administrative_commands_are_refused_in_any_case() {
        for (args, spelled) in [
            (&["ACL", "SETUSER", "eve", "on"][..], "acl|setuser"),
            (&["BGREWRITEAOF"], "bgrewriteaof"),
            (&["BGSAVE"], "bgsave"),
            (&["CLUSTER", "RESET"], "cluster|reset"),
            (&["CONFIG", "GET", "*"], "config|get"),
            (&["config", "set", "dir", "/tmp"], "config|set"),
            (&["DEBUG", "SLEEP", "0"], "debug"),
            (&["FAILOVER"], "failover"),
            (&["FLUSHALL"], "flushall"),
            (&["flushdb", "ASYNC"], "flushdb"),
            (&["LATENCY", "RESET"], "latency|reset"),
            (&["MIGRATE", "h", "6379", "k", "0", "1000"], "migrate"),
            (&["Module", "Load", "/tmp/x.so"], "module|load"),
            (&["MODULE", "LIST"], "module|list"),
            (&["PFDEBUG", "GETREG", "k"], "pfdebug"),
            (&["PFSELFTEST"], "pfselftest"),
            (&["REPLCONF", "listening-port", "1"], "replconf"),
            (&["REPLICAOF", "h", "6379"], "replicaof"),
            (&["RESTORE-ASKING", "k", "0", "x"], "restore-asking"),
            (&["SAVE"], "save"),
            (&["ShutDown", "NOSAVE"], "shutdown"),
            (&["SLAVEOF", "NO", "ONE"], "slaveof"),
            (&["SLOWLOG", "RESET"], "slowlog|reset"),
            (&["SWAPDB", "0", "1"], "swapdb"),
            (&["CLIENT", "KILL", "ID", "7"], "client|kill"),
            (&["client", "Pause", "1000"], "client|pause"),
            (&["CLIENT", "UNPAUSE"], "client|unpause"),
            (&["SCRIPT", "FLUSH"], "script|flush"),
            (&["script", "kill"], "script|kill"),
            (&["FUNCTION", "FLUSH"], "function|flush"),
            (&["FUNCTION", "DELETE", "lib"], "function|delete"),
            (&["FUNCTION", "RESTORE", "payload"], "function|restore"),
            (&["FUNCTION", "KILL"], "function|kill"),
        ] {
            assert_eq!(
                refused_text(args),
                format!("ERR administrative command '{spelled}' is not supported over REST"),
                "{args:?}"
            );
        }
    }

    #[test]
    fn blocking_commands_are_refused_by_name_in_any_case() {
        assert_eq!(
            refused_text(&["BLPOP", "list", "0"]),
            "ERR blocking command 'blpop' is not supported over REST"
        );
        assert!(refused_text(&["bzPopMin", "z", "1"]).contains("'bzpopmin'"));
    }

    #[test]
    fn xread_is_refused_only_with_block() {
        assert!(refused_text(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]).contains("blocking"));
        assert!(refused_text(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "block",
            "10",
            "STREAMS",
            "s",
            ">"
        ])
        .contains("blocking"));
    }

    #[test]
    fn state_changing_commands_are_refused() {
        assert!(refused_text(&["MULTI"]).contains("/multi-exec"));
        assert!(refused_text(&["watch", "k"]).contains("/multi-exec"));
        assert!(refused_text(&["SUBSCRIBE", "ch"]).ends_with("it takes over the connection"));
        assert!(refused_text(&["MONITOR"]).contains("not supported over REST"));
        assert!(refused_text(&["SELECT", "1"]).contains("shared between requests"));
        assert!(refused_text(&["client", "reply", "off"]).contains("'client|reply'"));
        assert!(refused_text(&["CLIENT", "NO-EVICT", "on"]).contains("shared between requests"));
        assert!(refused_text(&["CLIENT", "no-touch", "on"]).contains("shared between requests"));
        assert!(refused_text(&["SCRIPT", "DEBUG", "YES"]).contains("'script|debug'"));
    }
}
