//! A small typed client for the Upstash Redis REST API, on the Workers `Fetch` API.
//!
//! Workers cannot open TCP connections to Redis, so every command travels as an HTTPS
//! request (`POST /` with one command as a JSON array). Each request is a round trip
//! paid in latency at the edge, which is why the store uses one Lua [`Script`] per
//! operation: auth, checks and writes run inside Redis in a single round trip and
//! atomically. Several calls of one script that are ready at the same moment (posts a
//! room hub received over its sockets while its previous batch was in flight) share one
//! request through `/pipeline` ([`Upstash::eval_many`]): each still runs whole and
//! alone, in order, and answers for itself.
//!
//! Answers are RESP2-shaped JSON (`../shared/upstash-rest.md`); [`Reply`] is their typed
//! form. We never ask for `Upstash-Encoding: base64`: everything we store is UTF-8.

use std::sync::OnceLock;

use serde::Deserialize;
use sha1::{Digest, Sha1};
use worker::{web_sys, AbortSignal, Fetch, Headers, Method, Request, RequestInit};

use crate::time::{now_ms, Stopwatch};

/// How long one call to Upstash may take. Upstash answers in milliseconds; a call still
/// waiting after this is a stall, and the request is answered `503` at once instead of
/// hanging for as long as the stall lasts (a script is atomic: it ran whole or not at all).
pub const TIMEOUT_MS: u32 = 3000;

/// Why a call to Redis failed. Every variant becomes `503 storage_unavailable`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The HTTP request itself failed (DNS, connection refused, TLS, …).
    Unreachable(String),
    /// No answer within `TIMEOUT_MS`.
    TimedOut,
    /// Upstash answered, but not with a result (bad token, bad request, 5xx).
    Http(u16, String),
    /// Redis rejected a command (`ERR …`, `WRONGTYPE …`, a script error).
    Redis(String),
    /// The answer was not the JSON shape we expected.
    Decode(String),
}

impl StoreError {
    /// Whether Redis may have run the request although the call failed: it was sent and
    /// no answer came in time, or an answer came that could not be read. Otherwise Redis
    /// was never reached or refused the request, and nothing was written.
    pub fn in_doubt(&self) -> bool {
        matches!(self, StoreError::TimedOut | StoreError::Decode(_))
    }

    /// What kind of failure this is, in a word fit to show anyone.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Unreachable(_) => "unreachable",
            StoreError::TimedOut => "timeout",
            StoreError::Http(401 | 403, _) => "refused",
            StoreError::Http(..) => "error",
            StoreError::Redis(_) => "error",
            StoreError::Decode(_) => "unexpected answer",
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unreachable(why) => write!(f, "unreachable: {why}"),
            StoreError::TimedOut => write!(f, "no answer within {TIMEOUT_MS} ms"),
            StoreError::Http(status, body) => write!(f, "HTTP {status}: {body}"),
            StoreError::Redis(err) => write!(f, "redis error: {err}"),
            StoreError::Decode(why) => write!(f, "unexpected answer: {why}"),
        }
    }
}

/// One RESP2 value as Upstash renders it in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Nil,
    Int(i64),
    Str(String),
    Array(Vec<Reply>),
}

impl Reply {
    fn from_json(value: serde_json::Value) -> Result<Self, StoreError> {
        use serde_json::Value as J;
        Ok(match value {
            J::Null => Reply::Nil,
            J::Bool(b) => Reply::Int(i64::from(b)),
            J::Number(n) => Reply::Int(
                n.as_i64()
                    .ok_or_else(|| StoreError::Decode(format!("non-integer number {n}")))?,
            ),
            J::String(s) => Reply::Str(s),
            J::Array(items) => Reply::Array(
                items
                    .into_iter()
                    .map(Reply::from_json)
                    .collect::<Result<_, _>>()?,
            ),
            J::Object(_) => return Err(StoreError::Decode("object in a RESP2 reply".into())),
        })
    }

    /// The reply as an array (nil reads as empty).
    pub fn into_array(self) -> Result<Vec<Reply>, StoreError> {
        match self {
            Reply::Array(items) => Ok(items),
            Reply::Nil => Ok(Vec::new()),
            other => Err(StoreError::Decode(format!(
                "expected an array, got {other:?}"
            ))),
        }
    }

    /// The reply as a string (integers are rendered in decimal).
    pub fn into_string(self) -> Result<String, StoreError> {
        match self {
            Reply::Str(s) => Ok(s),
            Reply::Int(n) => Ok(n.to_string()),
            other => Err(StoreError::Decode(format!(
                "expected a string, got {other:?}"
            ))),
        }
    }

    /// The reply as a string, `None` for nil.
    pub fn into_opt_string(self) -> Result<Option<String>, StoreError> {
        match self {
            Reply::Nil => Ok(None),
            other => other.into_string().map(Some),
        }
    }

    /// The reply as an integer (numeric strings are parsed, as Lua numbers often are).
    pub fn as_int(&self) -> Result<i64, StoreError> {
        match self {
            Reply::Int(n) => Ok(*n),
            Reply::Str(s) => s
                .parse()
                .map_err(|_| StoreError::Decode(format!("expected an integer, got {s:?}"))),
            other => Err(StoreError::Decode(format!(
                "expected an integer, got {other:?}"
            ))),
        }
    }
}

/// One Redis command, built argument by argument.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command(Vec<String>);

impl Command {
    pub fn new(name: &str) -> Self {
        Command(vec![name.to_string()])
    }

    pub fn arg(mut self, arg: impl ToString) -> Self {
        self.0.push(arg.to_string());
        self
    }

    pub fn args<I: IntoIterator<Item = T>, T: ToString>(mut self, args: I) -> Self {
        self.0.extend(args.into_iter().map(|a| a.to_string()));
        self
    }

    /// The JSON body Upstash expects for this command.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

/// A Lua script run with EVALSHA, falling back to EVAL when Redis has not cached it yet.
pub struct Script {
    pub name: &'static str,
    pub source: &'static str,
    sha: OnceLock<String>,
}

impl Script {
    pub const fn new(name: &'static str, source: &'static str) -> Self {
        Script {
            name,
            source,
            sha: OnceLock::new(),
        }
    }

    /// The SHA-1 Redis knows the script by, computed once per isolate.
    pub fn sha(&self) -> &str {
        self.sha.get_or_init(|| {
            Sha1::digest(self.source.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
    }

    /// A Redis error, saying which script it came from.
    fn error(&self, err: StoreError) -> StoreError {
        match err {
            StoreError::Redis(msg) => StoreError::Redis(format!("script {}: {msg}", self.name)),
            other => other,
        }
    }

    fn command(&self, by_sha: bool, keys: &[String], args: &[String]) -> Command {
        let (verb, body) = if by_sha {
            ("EVALSHA", self.sha())
        } else {
            ("EVAL", self.source)
        };
        Command::new(verb)
            .arg(body)
            .arg(keys.len())
            .args(keys)
            .args(args)
    }
}

/// One command's answer: `{"result": …}` or `{"error": …}`.
#[derive(Deserialize)]
struct Answer {
    result: Option<serde_json::Value>,
    error: Option<String>,
}

impl Answer {
    fn into_reply(self) -> Result<Reply, StoreError> {
        match self.error {
            Some(err) => Err(StoreError::Redis(err)),
            None => Reply::from_json(self.result.unwrap_or(serde_json::Value::Null)),
        }
    }
}

/// Decodes the answer of `POST /`.
pub fn decode_single(status: u16, body: &str) -> Result<Reply, StoreError> {
    let answer: Answer = serde_json::from_str(body).map_err(|_| http_error(status, body))?;
    match status {
        200 => answer.into_reply(),
        400 if answer.error.is_some() => answer.into_reply(),
        _ => Err(http_error(status, body)),
    }
}

/// Decodes the answer of `POST /pipeline`: one answer per command, in order. A whole
/// refusal (a bad token, a malformed body) is an error for all of them.
pub fn decode_pipeline(
    status: u16,
    body: &str,
    commands: usize,
) -> Result<Vec<Result<Reply, StoreError>>, StoreError> {
    if status != 200 {
        return Err(http_error(status, body));
    }
    let answers: Vec<Answer> = serde_json::from_str(body).map_err(|_| http_error(status, body))?;
    if answers.len() != commands {
        return Err(StoreError::Decode(format!(
            "{} answers to a pipeline of {commands}",
            answers.len()
        )));
    }
    Ok(answers.into_iter().map(Answer::into_reply).collect())
}

/// Whether Redis answered that it has not cached the script (send its source).
fn is_noscript(reply: &Result<Reply, StoreError>) -> bool {
    matches!(reply, Err(StoreError::Redis(err)) if err.starts_with("NOSCRIPT"))
}

fn http_error(status: u16, body: &str) -> StoreError {
    // At most 200 characters (never a byte cut inside one: that would panic).
    StoreError::Http(status, body.chars().take(200).collect())
}

/// The connection settings of one Upstash database.
#[derive(Debug, Clone)]
pub struct Upstash {
    url: String,
    token: String,
    /// Where the time spent waiting for Upstash goes, for `Server-Timing`.
    stopwatch: Stopwatch,
}

impl Upstash {
    pub fn new(url: &str, token: &str, stopwatch: Stopwatch) -> Self {
        Upstash {
            url: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            stopwatch,
        }
    }

    /// Runs one command.
    pub async fn command(&self, command: &Command) -> Result<Reply, StoreError> {
        let (status, body) = self.post("", command.to_json()).await?;
        decode_single(status, &body)
    }

    /// Runs commands in one request (`/pipeline`): in order, each on its own (not a
    /// transaction), each with its own answer.
    pub async fn pipeline(
        &self,
        commands: &[Command],
    ) -> Result<Vec<Result<Reply, StoreError>>, StoreError> {
        let body = format!(
            "[{}]",
            commands
                .iter()
                .map(Command::to_json)
                .collect::<Vec<_>>()
                .join(",")
        );
        let (status, text) = self.post("/pipeline", body).await?;
        decode_pipeline(status, &text, commands.len())
    }

    /// Runs `script` once per argument list, all in one request: each call atomic and
    /// in the order given. Calls Redis had no cached copy for go again with the source,
    /// in a second request (the first use after Redis starts).
    pub async fn eval_many(
        &self,
        script: &Script,
        argvs: &[Vec<String>],
    ) -> Result<Vec<Result<Reply, StoreError>>, StoreError> {
        let by_sha: Vec<Command> = argvs
            .iter()
            .map(|argv| script.command(true, &[], argv))
            .collect();
        let mut replies = self.pipeline(&by_sha).await?;
        let missing: Vec<usize> = (0..replies.len())
            .filter(|&i| is_noscript(&replies[i]))
            .collect();
        if !missing.is_empty() {
            let by_source: Vec<Command> = missing
                .iter()
                .map(|&i| script.command(false, &[], &argvs[i]))
                .collect();
            for (i, reply) in missing.into_iter().zip(self.pipeline(&by_source).await?) {
                replies[i] = reply;
            }
        }
        Ok(replies
            .into_iter()
            .map(|reply| reply.map_err(|err| script.error(err)))
            .collect())
    }

    /// Runs a Lua script: one round trip once Redis has it cached, two the first time.
    pub async fn eval(
        &self,
        script: &Script,
        keys: &[String],
        args: &[String],
    ) -> Result<Reply, StoreError> {
        let reply = self.command(&script.command(true, keys, args)).await;
        if is_noscript(&reply) {
            return self
                .command(&script.command(false, keys, args))
                .await
                .map_err(|err| script.error(err));
        }
        reply.map_err(|err| script.error(err))
    }

    /// POSTs `body` to `path` of the database's URL.
    async fn post(&self, path: &str, body: String) -> Result<(u16, String), StoreError> {
        let unreachable = |e: worker::Error| StoreError::Unreachable(e.to_string());
        let headers = Headers::new();
        headers
            .set("Authorization", &format!("Bearer {}", self.token))
            .map_err(unreachable)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(unreachable)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        let url = format!("{}{path}", self.url);
        let request = Request::new_with_init(&url, &init).map_err(unreachable)?;
        // One signal for the whole exchange: it also ends a body that stops flowing.
        let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS));
        let started = now_ms();
        let failed = |e: worker::Error| {
            if signal.aborted() {
                StoreError::TimedOut
            } else {
                StoreError::Unreachable(e.to_string())
            }
        };
        let response = Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(failed)?;
        let status = response.status_code();
        let text = body_text(response).await.map_err(failed);
        self.stopwatch.add_since(started);
        Ok((status, text?))
    }
}

/// A fetched body, read in one call to the runtime's `text()`. (The worker crate's
/// `Response::text` reads a fetched body through a stream reader, several calls into
/// JavaScript per chunk, on the path of every Redis call.)
async fn body_text(response: worker::Response) -> worker::Result<String> {
    let response: web_sys::Response = response.into();
    let text = worker::wasm_bindgen_futures::JsFuture::from(response.text()?).await?;
    text.as_string()
        .ok_or_else(|| worker::Error::RustError("the body is not text".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_encode_as_json_string_arrays() {
        let cmd = Command::new("SET").arg("k").arg(5).args(["EX", "10"]);
        assert_eq!(cmd.to_json(), r#"["SET","k","5","EX","10"]"#);
        assert_eq!(
            Command::new("GET").arg("a\"b").to_json(),
            r#"["GET","a\"b"]"#
        );
    }

    #[test]
    fn single_answers_decode_to_typed_replies() {
        assert_eq!(
            decode_single(200, r#"{"result":"OK"}"#),
            Ok(Reply::Str("OK".into()))
        );
        assert_eq!(decode_single(200, r#"{"result":null}"#), Ok(Reply::Nil));
        assert_eq!(
            decode_single(200, r#"{"result":[1,"a",null,[2]]}"#),
            Ok(Reply::Array(vec![
                Reply::Int(1),
                Reply::Str("a".into()),
                Reply::Nil,
                Reply::Array(vec![Reply::Int(2)])
            ]))
        );
    }

    #[test]
    fn redis_errors_and_http_failures_are_distinguished() {
        assert_eq!(
            decode_single(400, r#"{"error":"WRONGTYPE Operation"}"#),
            Err(StoreError::Redis("WRONGTYPE Operation".into()))
        );
        assert!(matches!(
            decode_single(
                401,
                r#"{"error":"WRONGPASS invalid or missing auth token"}"#
            ),
            Err(StoreError::Http(401, _))
        ));
        assert!(matches!(
            decode_single(502, "Bad Gateway"),
            Err(StoreError::Http(502, _))
        ));
        assert!(matches!(
            decode_single(200, r#"{"result":1.5}"#),
            Err(StoreError::Decode(_))
        ));
    }

    #[test]
    fn pipeline_answers_decode_one_per_command() {
        let answers = decode_pipeline(
            200,
            r#"[{"result":1},{"error":"NOSCRIPT No matching script"}]"#,
            2,
        )
        .unwrap();
        assert_eq!(answers[0], Ok(Reply::Int(1)));
        assert!(is_noscript(&answers[1]));
        assert!(matches!(
            decode_pipeline(200, r#"[{"result":1}]"#, 2),
            Err(StoreError::Decode(_))
        ));
        assert!(matches!(
            decode_pipeline(401, r#"{"error":"WRONGPASS"}"#, 1),
            Err(StoreError::Http(401, _))
        ));
    }

    #[test]
    fn scripts_are_called_by_sha_then_by_source() {
        static SCRIPT: Script = Script::new("t", "return 1");
        assert_eq!(SCRIPT.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        let keys = vec!["k".to_string()];
        let by_sha = SCRIPT.command(true, &keys, &["a".to_string()]);
        assert_eq!(by_sha.0[0], "EVALSHA");
        assert_eq!(by_sha.0[2..], ["1", "k", "a"]);
        assert_eq!(SCRIPT.command(false, &keys, &[]).0[1], "return 1");
    }

    #[test]
    fn replies_convert() {
        assert_eq!(Reply::Str("12".into()).as_int(), Ok(12));
        assert_eq!(Reply::Nil.into_opt_string(), Ok(None));
        assert_eq!(Reply::Nil.into_array(), Ok(vec![]));
        assert!(Reply::Int(1).into_array().is_err());
    }
}
