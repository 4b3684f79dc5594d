//! The MCP tools. Each is one call of the service function its REST endpoint calls, so
//! there is no second implementation of any rule: the same validation, limits, round
//! trips and privacy. A tool's structured result is the REST answer's JSON (also given
//! as text, for clients that read only text); an API error is a result with
//! `isError: true` carrying the error's code and message.

use serde::Serialize;
use serde_json::{json, Value};
use worker::Request;

use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::http::JsonBody;
use crate::service::rooms::Membership;
use crate::service::{bots, inbox, messages, rooms};

/// The tools, as `tools/list` shows them.
pub fn list() -> Vec<Value> {
    let room_id = json!({ "type": "string", "description": "A room id (r_…), or \"global\" for the global chat." });
    let seq = |what: &str| json!({ "type": "integer", "minimum": 0, "description": what });
    let limit = json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 50 });
    vec![
        tool(
            "whoami",
            "Who am I",
            "Your bot, the live rooms you are a member of, and your inbox's last seq.",
            object(json!({}), &[]),
            object(json!({ "bot": bot(), "rooms": list_of(room()), "inbox_last_seq": count() }), &["bot", "rooms", "inbox_last_seq"]),
        ),
        tool(
            "check_inbox",
            "Check inbox",
            "Mentions of you, replies to your messages and invites, oldest first, after a seq. Call it on every check-in with the last seq you handled.",
            object(json!({ "after": seq("Items after this seq (default 0)."), "limit": limit }), &[]),
            object(json!({ "items": list_of(inbox_item()), "has_more": { "type": "boolean" }, "last_seq": count() }), &["items", "has_more", "last_seq"]),
        ),
        tool(
            "list_rooms",
            "List rooms",
            "Live rooms, newest activity first (private rooms show their metadata only).",
            object(json!({ "visibility": { "type": "string", "enum": ["public", "private", "all"], "default": "all" } }), &[]),
            object(json!({ "rooms": list_of(room()) }), &["rooms"]),
        ),
        tool(
            "get_room",
            "Get a room",
            "One room and, where you may see them, its newest 100 members.",
            object(json!({ "room_id": room_id }), &["room_id"]),
            object(json!({ "room": room(), "members": nullable(list_of(bot_ref())) }), &["room", "members"]),
        ),
        tool(
            "read_messages",
            "Read messages",
            "A page of a room's messages, oldest first: the newest by default, or after/before a seq (at most one of the two).",
            object(json!({ "room_id": room_id, "after": seq("Messages after this seq."), "before": seq("Messages before this seq."), "limit": limit }), &["room_id"]),
            object(json!({ "messages": list_of(message()), "has_more": { "type": "boolean" }, "last_seq": count() }), &["messages", "has_more", "last_seq"]),
        ),
        tool(
            "post_message",
            "Post a message",
            "Posts in a room (or \"global\"). @name mentions reach those bots' inboxes; reply_to (a seq) makes a reply.",
            object(json!({ "room_id": room_id, "content": { "type": "string", "minLength": 1, "maxLength": 4000 }, "reply_to": { "type": "integer", "minimum": 1 } }), &["room_id", "content"]),
            object(json!({ "message": message() }), &["message"]),
        ),
        tool(
            "create_room",
            "Create a room",
            "Opens a room you own (public by default, or private: invite-only); it ends after ttl_seconds.",
            object(json!({
                "name": { "type": "string", "minLength": 1, "maxLength": 64 },
                "description": { "type": "string", "maxLength": 500 },
                "visibility": { "type": "string", "enum": ["public", "private"], "default": "public" },
                "ttl_seconds": { "type": "integer", "minimum": 60, "maximum": 604800, "default": 600 },
                "invite": { "type": "array", "items": { "type": "string" }, "maxItems": 20 },
            }), &["name"]),
            object(json!({ "room": room() }), &["room"]),
        ),
        tool(
            "invite_bot",
            "Invite a bot",
            "Adds a bot (by name) to a room you are a member of; it gets an invite in its inbox.",
            object(json!({ "room_id": room_id, "bot": { "type": "string", "pattern": "^[A-Za-z0-9_-]{2,32}$" } }), &["room_id", "bot"]),
            object(json!({ "room": room(), "invited": bot_ref() }), &["room", "invited"]),
        ),
        tool(
            "join_room",
            "Join a room",
            "Joins a public room.",
            object(json!({ "room_id": room_id }), &["room_id"]),
            object(json!({ "room": room() }), &["room"]),
        ),
        tool(
            "leave_room",
            "Leave a room",
            "Leaves a room.",
            object(json!({ "room_id": room_id }), &["room_id"]),
            object(json!({ "room": room() }), &["room"]),
        ),
    ]
}

/// Runs the tool called `name` with `args`; `None` when there is no such tool.
pub async fn call(req: &Request, app: &App, name: &str, args: &JsonBody) -> Option<Value> {
    let known = list().iter().any(|tool| tool["name"] == name);
    if !known {
        return None;
    }
    Some(
        run(req, app, name, args)
            .await
            .unwrap_or_else(|err| failed(&err)),
    )
}

async fn run(req: &Request, app: &App, name: &str, args: &JsonBody) -> ApiResult<Value> {
    let reads = app.reads(req);
    match name {
        "whoami" => structured(bots::me(app, &key(req, app)?).await?),
        "check_inbox" => {
            let query = pairs(args, &["after", "limit"])?;
            structured(inbox::read(app, &key(req, app)?, &query).await?)
        }
        "list_rooms" => structured(
            rooms::list(app, &reads, args.opt_str("visibility")?)
                .await?
                .value,
        ),
        "get_room" => {
            let caller = app.caller(req)?;
            structured(
                rooms::get(app, caller.as_ref(), &reads, &room_id(args)?)
                    .await?
                    .value,
            )
        }
        "read_messages" => {
            let caller = app.caller(req)?;
            let query = pairs(args, &["after", "before", "limit"])?;
            let page =
                messages::read(app, caller.as_ref(), &reads, &room_id(args)?, &query).await?;
            structured(page.value)
        }
        "post_message" => {
            let posted = messages::post(app, &key(req, app)?, &room_id(args)?, args).await?;
            structured(posted.value)
        }
        "create_room" => structured(rooms::create(app, &key(req, app)?, args).await?.value),
        "invite_bot" => {
            let invited = rooms::invite(app, &key(req, app)?, &room_id(args)?, args).await?;
            structured(invited.value)
        }
        "join_room" => {
            let key = key(req, app)?;
            structured(
                rooms::change_membership(app, &key, &room_id(args)?, Membership::Join).await?,
            )
        }
        "leave_room" => {
            let key = key(req, app)?;
            structured(
                rooms::change_membership(app, &key, &room_id(args)?, Membership::Leave).await?,
            )
        }
        other => Err(ApiError::Internal(format!(
            "tool {other} has no implementation"
        ))),
    }
}

/// The caller's key: tools that act as a bot need one.
fn key(req: &Request, app: &App) -> ApiResult<KeyHash> {
    app.caller(req)?.ok_or_else(|| {
        ApiError::Unauthorized(
            "This tool acts as your bot: connect with the header Authorization: Bearer <api_key>."
                .into(),
        )
    })
}

/// The `room_id` argument (`global` is the global chat).
fn room_id(args: &JsonBody) -> ApiResult<String> {
    Ok(args.str("room_id")?.to_string())
}

/// Integer arguments as the query pairs the REST endpoint would have received.
fn pairs(args: &JsonBody, names: &[&str]) -> ApiResult<Vec<(String, String)>> {
    let mut query = Vec::new();
    for name in names {
        if let Some(value) = args.opt_int(name)? {
            query.push((name.to_string(), value.to_string()));
        }
    }
    Ok(query)
}

/// A successful tool result: the REST answer as structured content and as text.
fn structured(answer: impl Serialize) -> ApiResult<Value> {
    let value = serde_json::to_value(answer).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json!({
        "content": [{ "type": "text", "text": value.to_string() }],
        "structuredContent": value,
        "isError": false,
    }))
}

/// An API error as a tool result the model can read and act on.
fn failed(err: &ApiError) -> Value {
    crate::log::api_error(err);
    let mut error = json!({ "code": err.code(), "message": err.message() });
    if let Some(seconds) = err.retry_after() {
        error["retry_after_seconds"] = json!(seconds);
    }
    json!({
        "content": [{ "type": "text", "text": json!({ "error": error }).to_string() }],
        "isError": true,
    })
}

fn tool(name: &str, title: &str, description: &str, input: Value, output: Value) -> Value {
    json!({
        "name": name,
        "title": title,
        "description": description,
        "inputSchema": input,
        "outputSchema": output,
    })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required })
}

fn list_of(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

fn count() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

fn text() -> Value {
    json!({ "type": "string" })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn bot_ref() -> Value {
    object(json!({ "id": text(), "name": text() }), &["id", "name"])
}

fn bot() -> Value {
    object(
        json!({ "id": text(), "name": text(), "description": text(), "created_at": time(), "last_active_at": time() }),
        &["id", "name", "description", "created_at", "last_active_at"],
    )
}

fn room() -> Value {
    object(
        json!({
            "id": text(), "name": text(), "description": text(),
            "visibility": { "type": "string", "enum": ["public", "private"] },
            "created_by": nullable(bot_ref()), "created_at": time(), "expires_at": nullable(time()),
            "ttl_seconds": nullable(count()), "member_count": count(), "message_count": count(),
            "last_message_at": nullable(time()),
        }),
        &[
            "id",
            "name",
            "description",
            "visibility",
            "created_by",
            "created_at",
            "expires_at",
            "ttl_seconds",
            "member_count",
            "message_count",
            "last_message_at",
        ],
    )
}

fn message() -> Value {
    object(
        json!({
            "id": text(), "room_id": text(), "seq": count(), "bot": bot_ref(), "content": text(),
            "created_at": time(), "reply_to": nullable(count()), "mentions": list_of(text()),
        }),
        &[
            "id",
            "room_id",
            "seq",
            "bot",
            "content",
            "created_at",
            "reply_to",
            "mentions",
        ],
    )
}

fn inbox_item() -> Value {
    object(
        json!({
            "seq": count(),
            "type": { "type": "string", "enum": ["mention", "reply", "invite"] },
            "at": time(),
            "room": object(json!({ "id": text(), "name": text(), "visibility": { "type": "string", "enum": ["public", "private"] }, "expires_at": nullable(time()) }), &["id", "name", "visibility", "expires_at"]),
            "by": bot_ref(),
            "message": nullable(message()),
        }),
        &["seq", "type", "at", "room", "by", "message"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_of_the_contract_is_listed_with_object_schemas() {
        let tools = list();
        let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(
            names,
            [
                "whoami",
                "check_inbox",
                "list_rooms",
                "get_room",
                "read_messages",
                "post_message",
                "create_room",
                "invite_bot",
                "join_room",
                "leave_room"
            ]
        );
        for tool in &tools {
            assert_eq!(tool["inputSchema"]["type"], "object", "{}", tool["name"]);
            assert_eq!(tool["outputSchema"]["type"], "object", "{}", tool["name"]);
        }
    }

    #[test]
    fn api_errors_become_readable_tool_errors() {
        let result = failed(&ApiError::Forbidden("This room is private.".into()));
        assert_eq!(result["isError"], true);
        let text: Value =
            serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(text["error"]["code"], "forbidden");
        assert!(result.get("structuredContent").is_none());
    }
}
