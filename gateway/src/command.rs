//! One Redis command as the gateway forwards it, and the rule for which commands
//! may be forwarded at all.
//!
//! Every command runs on a pooled connection that the next request reuses, so a
//! command that blocks, switches the connection into another mode, or changes its
//! state would leak into someone else's request. Those are refused up front, before
//! anything reaches Redis, with an `ERR … not supported over REST` text.

use crate::error::{Error, Result};
use redis_protocol::resp2::encode::encode_borrowed;
use redis_protocol::resp2::types::BorrowedFrame;

#[derive(Debug)]
pub struct Command {
    args: Vec<Vec<u8>>,
}

/// Why a command cannot be served over REST; each kind gets its own wording so the
/// client learns what to do instead.
#[derive(Debug, Clone, Copy)]
enum Unsupported {
    Blocking,
    Subscription,
    Transaction,
    ConnectionState,
}

impl Command {
    /// `args` is the command name followed by its arguments; the caller guarantees
    /// it is not empty.
    pub fn new(args: Vec<Vec<u8>>) -> Command {
        debug_assert!(!args.is_empty(), "a command has at least its name");
        Command { args }
    }

    /// The command name, lowercased, as Redis itself spells it in error texts.
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.args[0]).to_ascii_lowercase()
    }

    pub fn check_supported(&self) -> Result<()> {
        let name = self.name();
        match classify(&name, &self.args[1..]) {
            None => Ok(()),
            Some(kind) => Err(Error::BadRequest(refusal(kind, &name))),
        }
    }

    /// Appends the command as a RESP2 array of bulk strings, the form Redis expects
    /// from clients.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let parts: Vec<BorrowedFrame<'_>> = self
            .args
            .iter()
            .map(|arg| BorrowedFrame::BulkString(arg))
            .collect();
        let frame = BorrowedFrame::Array(&parts);
        let start = out.len();
        out.resize(start + frame.encode_len(false), 0);
        // The buffer was sized with `encode_len`, the one way encoding can fail.
        encode_borrowed(&mut out[start..], &frame, false).expect("buffer sized by encode_len");
    }
}

fn classify(name: &str, args: &[Vec<u8>]) -> Option<Unsupported> {
    match name {
        "blpop" | "brpop" | "brpoplpush" | "blmove" | "blmpop" | "bzpopmin" | "bzpopmax"
        | "bzmpop" | "wait" | "waitaof" => Some(Unsupported::Blocking),
        "xread" if has_block_option(args) => Some(Unsupported::Blocking),
        // XREADGROUP GROUP <group> <consumer> [options] STREAMS …: the group and
        // consumer names may themselves be "block", so options start after them.
        "xreadgroup" if has_block_option(args.get(3..).unwrap_or_default()) => {
            Some(Unsupported::Blocking)
        }
        "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe"
        | "sunsubscribe" | "monitor" | "sync" | "psync" => Some(Unsupported::Subscription),
        "multi" | "exec" | "discard" | "watch" | "unwatch" => Some(Unsupported::Transaction),
        "select" | "hello" | "auth" | "reset" | "quit" => Some(Unsupported::ConnectionState),
        "client" if changes_reply_stream(args) => Some(Unsupported::ConnectionState),
        _ => None,
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

/// `CLIENT REPLY` and `CLIENT TRACKING` change what Redis sends back on this
/// connection, which would desynchronise the gateway's one-reply-per-command reads.
fn changes_reply_stream(args: &[Vec<u8>]) -> bool {
    args.first().is_some_and(|sub| {
        sub.eq_ignore_ascii_case(b"reply") || sub.eq_ignore_ascii_case(b"tracking")
    })
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Command {
        Command::new(args.iter().map(|a| a.as_bytes().to_vec()).collect())
    }

    fn refused_text(args: &[&str]) -> String {
        match command(args).check_supported() {
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
            assert!(command(args).check_supported().is_ok(), "{args:?}");
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
        assert!(refused_text(&["client", "reply", "off"]).contains("'client'"));
    }

    #[test]
    fn encodes_as_array_of_bulk_strings() {
        let mut out = b"prefix".to_vec();
        command(&["SET", "k", "é"]).encode_into(&mut out);
        assert_eq!(
            out,
            b"prefix*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\xc3\xa9\r\n"
        );
    }
}
