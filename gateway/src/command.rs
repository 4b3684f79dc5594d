//! One Redis command as the gateway forwards it: checked against the `refusal`
//! rule, then written to Redis as RESP2.

use crate::error::Result;
use crate::refusal;
use redis_protocol::resp2::encode::encode_borrowed;
use redis_protocol::resp2::types::BorrowedFrame;

#[derive(Debug)]
pub struct Command {
    args: Vec<Vec<u8>>,
}

impl Command {
    /// `args` is the command name followed by its arguments; the caller guarantees
    /// it is not empty.
    pub fn new(args: Vec<Vec<u8>>) -> Command {
        debug_assert!(!args.is_empty(), "a command has at least its name");
        Command { args }
    }

    /// Refuses, before anything reaches Redis, a command the gateway must not
    /// forward; see `refusal`.
    pub fn check_supported(&self) -> Result<()> {
        refusal::check(&self.args)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Command {
        Command::new(args.iter().map(|a| a.as_bytes().to_vec()).collect())
    }

    #[test]
    fn checks_against_the_refusal_rule() {
        assert!(command(&["GET", "k"]).check_supported().is_ok());
        assert!(command(&["FLUSHALL"]).check_supported().is_err());
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
