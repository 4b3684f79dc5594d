//! The Upstash REST wire format: JSON request bodies in, RESP2-shaped JSON out.
//!
//! Requests are JSON arrays of arguments. Strings go to Redis as they are; numbers
//! go as the exact text the client wrote (no float round trip, so
//! `12345678901234567890123` stays exact); booleans as `true`/`false`. Anything
//! else has no obvious Redis spelling and is refused.
//!
//! Replies keep RESP2's shape: integers are numbers, bulk and simple strings are
//! strings, nil is `null`, arrays nest. With `Upstash-Encoding: base64` every
//! string is base64 except the simple-string reply `OK`, which is how the SDKs tell
//! a status reply from data without a type tag.

use crate::command::Command;
use crate::error::{Error, Result};
use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use redis_protocol::resp2::types::OwnedFrame;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// How strings in a result are written, chosen per request by the
/// `Upstash-Encoding` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Plain,
    Base64,
}

impl Encoding {
    pub fn from_headers(headers: &HeaderMap) -> Encoding {
        let base64 = headers
            .get("upstash-encoding")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("base64"));
        if base64 {
            Encoding::Base64
        } else {
            Encoding::Plain
        }
    }

    fn string(self, bytes: &[u8]) -> Value {
        match self {
            Encoding::Plain => Value::String(String::from_utf8_lossy(bytes).into_owned()),
            Encoding::Base64 => Value::String(STANDARD.encode(bytes)),
        }
    }
}

/// Parses the body of `POST /`: one command.
pub fn parse_command(body: &[u8]) -> Result<Command> {
    command_from_json(parse_array(body)?, "")
}

/// Parses the body of `POST /pipeline` and `POST /multi-exec`: an array of commands.
pub fn parse_commands(body: &[u8]) -> Result<Vec<Command>> {
    let commands = parse_array(body)?;
    if commands.is_empty() {
        return Err(bad_request(
            "empty pipeline: send an array of commands, like [[\"GET\",\"k\"]]",
        ));
    }
    commands
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            let context = format!("command {}: ", index + 1);
            let args = serde_json::from_str::<Vec<&RawValue>>(raw.get())
                .map_err(|_| bad_request(&format!("{context}{NOT_A_COMMAND}")))?;
            command_from_json(args, &context)
        })
        .collect()
}

const NOT_A_COMMAND: &str =
    "a command must be a JSON array of strings, numbers or booleans, like [\"SET\",\"k\",\"v\"]";

/// Splits the body into its top-level array items without interpreting them yet,
/// so each item's raw text is still at hand.
fn parse_array(body: &[u8]) -> Result<Vec<&RawValue>> {
    let value: &RawValue = serde_json::from_slice(body)
        .map_err(|err| bad_request(&format!("request body is not valid JSON: {err}")))?;
    serde_json::from_str(value.get()).map_err(|_| {
        bad_request(&format!(
            "request body must be a JSON array: {NOT_A_COMMAND}"
        ))
    })
}

fn command_from_json(items: Vec<&RawValue>, context: &str) -> Result<Command> {
    if items.is_empty() {
        return Err(bad_request(&format!("{context}empty command")));
    }
    let args = items
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            argument(raw).map_err(|kind| {
                bad_request(&format!(
                    "{context}argument {} is {kind}; {NOT_A_COMMAND}",
                    index + 1
                ))
            })
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Command::new(args))
}

/// One argument's bytes, or the name of the JSON type that cannot be one.
fn argument(raw: &RawValue) -> std::result::Result<Vec<u8>, &'static str> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(String::into_bytes)
            .map_err(|_| "an invalid string"),
        Some(b'-' | b'0'..=b'9') | Some(b't' | b'f') => Ok(text.as_bytes().to_vec()),
        Some(b'n') => Err("null"),
        Some(b'{') => Err("an object"),
        Some(b'[') => Err("a nested array"),
        _ => Err("not a JSON value"),
    }
}

fn bad_request(detail: &str) -> Error {
    Error::BadRequest(format!("ERR {detail}"))
}

/// The answer of a pipeline or transaction: one entry per command, in order.
pub fn entries(replies: Vec<OwnedFrame>, encoding: Encoding) -> Value {
    Value::Array(
        replies
            .into_iter()
            .map(|reply| entry(reply, encoding))
            .collect(),
    )
}

/// What Redis answered for one command: a value, or its error text. The error text
/// is never encoded, whatever the encoding.
fn entry(frame: OwnedFrame, encoding: Encoding) -> Value {
    match frame {
        OwnedFrame::Error(text) => json!({ "error": text }),
        value => json!({ "result": to_json(value, encoding) }),
    }
}

/// The JSON form of a reply value, at any depth.
pub fn to_json(frame: OwnedFrame, encoding: Encoding) -> Value {
    match frame {
        OwnedFrame::SimpleString(text) if text == b"OK" => Value::String("OK".to_owned()),
        OwnedFrame::SimpleString(bytes) | OwnedFrame::BulkString(bytes) => encoding.string(&bytes),
        OwnedFrame::Integer(number) => Value::from(number),
        OwnedFrame::Null => Value::Null,
        OwnedFrame::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| to_json(item, encoding))
                .collect(),
        ),
        // An error nested in an array (a Lua table holding an error reply) has no
        // slot of its own in the format; its text is kept readable.
        OwnedFrame::Error(text) => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn args(command: &Command) -> Vec<String> {
        let mut out = Vec::new();
        command.encode_into(&mut out);
        // Decode the RESP we produced back into plain strings for readable asserts.
        let frame = redis_protocol::resp2::decode::decode(&out)
            .unwrap()
            .unwrap()
            .0;
        match frame {
            OwnedFrame::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    OwnedFrame::BulkString(bytes) => String::from_utf8(bytes).unwrap(),
                    other => panic!("not a bulk string: {other:?}"),
                })
                .collect(),
            other => panic!("not an array: {other:?}"),
        }
    }

    fn rejection(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::BadRequest(text)) => text,
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn strings_numbers_and_booleans_become_arguments() {
        let command = parse_command(
            br#"["SET","k","v \"q\" \u00e9 \ud83d\ude00","EX",100,1.50,-2e+21,true,false]"#,
        )
        .unwrap();
        assert_eq!(
            args(&command),
            [
                "SET",
                "k",
                "v \"q\" é 😀",
                "EX",
                "100",
                "1.50",
                "-2e+21",
                "true",
                "false"
            ]
        );
    }

    #[test]
    fn big_integers_keep_every_digit() {
        let command = parse_command(b"[\"INCRBY\",\"k\",12345678901234567890123]").unwrap();
        assert_eq!(args(&command)[2], "12345678901234567890123");
    }

    #[test]
    fn pipelines_parse_each_command() {
        let commands = parse_commands(br#" [ ["SET","a",1] , ["GET","a"] ] "#).unwrap();
        assert_eq!(commands.len(), 2);
        assert_eq!(args(&commands[0]), ["SET", "a", "1"]);
        assert_eq!(args(&commands[1]), ["GET", "a"]);
    }

    #[test]
    fn arguments_without_a_redis_spelling_are_refused() {
        for (body, kind) in [
            (&br#"["SET","k",null]"#[..], "argument 3 is null"),
            (br#"["SET",{"a":1},"v"]"#, "argument 2 is an object"),
            (br#"["SET","k",["v"]]"#, "argument 3 is a nested array"),
        ] {
            let text = rejection(parse_command(body));
            assert!(text.starts_with("ERR "), "{text}");
            assert!(text.contains(kind), "{text}");
        }
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(rejection(parse_command(b"[\"GET\",")).contains("not valid JSON"));
        assert!(rejection(parse_command(b"")).contains("not valid JSON"));
        assert!(rejection(parse_command(br#"{"cmd":"GET"}"#)).contains("must be a JSON array"));
        assert!(rejection(parse_command(b"[]")).contains("empty command"));
        assert!(rejection(parse_commands(b"[]")).contains("empty pipeline"));
        assert!(rejection(parse_commands(br#"[["GET","a"],"GET"]"#)).starts_with("ERR command 2:"));
        assert!(rejection(parse_commands(br#"[["GET","a"],[]]"#)).contains("command 2: empty"));
        assert!(rejection(parse_commands(br#"[["GET",null]]"#)).contains("command 1: argument 2"));
    }

    fn nested_reply() -> OwnedFrame {
        OwnedFrame::Array(vec![
            OwnedFrame::Integer(7),
            OwnedFrame::BulkString(b"hello".to_vec()),
            OwnedFrame::Null,
            OwnedFrame::Array(vec![
                OwnedFrame::SimpleString(b"OK".to_vec()),
                OwnedFrame::BulkString(b"OK".to_vec()),
                OwnedFrame::SimpleString(b"PONG".to_vec()),
            ]),
        ])
    }

    #[test]
    fn replies_keep_resp2_shape() {
        assert_eq!(
            to_json(nested_reply(), Encoding::Plain),
            json!([7, "hello", null, ["OK", "OK", "PONG"]])
        );
    }

    #[test]
    fn base64_encodes_every_string_but_the_ok_status() {
        assert_eq!(
            to_json(nested_reply(), Encoding::Base64),
            json!([7, "aGVsbG8=", null, ["OK", "T0s=", "UE9ORw=="]])
        );
        let binary = OwnedFrame::BulkString(vec![0xff, 0x00, 0xfe]);
        assert_eq!(to_json(binary, Encoding::Base64), json!("/wD+"));
    }

    #[test]
    fn entries_carry_errors_unencoded() {
        let error = OwnedFrame::Error("WRONGTYPE Operation against a key".to_owned());
        assert_eq!(
            entry(error, Encoding::Base64),
            json!({ "error": "WRONGTYPE Operation against a key" })
        );
        let value = OwnedFrame::BulkString(b"v".to_vec());
        assert_eq!(entry(value, Encoding::Base64), json!({ "result": "dg==" }));
        assert_eq!(
            entry(OwnedFrame::Null, Encoding::Base64),
            json!({ "result": null })
        );
    }

    #[test]
    fn encoding_comes_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(Encoding::from_headers(&headers), Encoding::Plain);
        headers.insert("Upstash-Encoding", HeaderValue::from_static("base64"));
        assert_eq!(Encoding::from_headers(&headers), Encoding::Base64);
    }
}
