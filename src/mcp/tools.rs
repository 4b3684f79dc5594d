//! The MCP tools, as one table: each row is a tool's name, what `tools/list` shows
//! (title, description, arguments, output shape) and the function that runs it. Each
//! runs the service function its REST endpoint calls, so there is no second
//! implementation of any rule: the same validation, limits, round trips and privacy.
//! Arguments take their schemas from the REST API's description (`schemas`). A tool's
//! structured result is the REST answer's JSON (also given as text, for clients that
//! read only text); an API error is a result with `isError: true` carrying the error's
//! code and message.

use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::{json, Value};
use worker::Request;

use super::schemas::{self, body, param, Arg, ROOM_ID};
use crate::app::App;
use crate::auth::KeyHash;
use crate::error::{ApiError, ApiResult};
use crate::http::JsonBody;
use crate::service::rooms::Membership;
use crate::service::{bots, conversation, inbox, messages, rooms, webhooks};
use crate::store::conversation::Reacting;

/// What runs a tool: the request (for the caller's key and address), the app, the
/// arguments.
type Runner =
    for<'a> fn(&'a Request, &'a App, &'a JsonBody) -> LocalBoxFuture<'a, ApiResult<Value>>;

/// Turns an `async fn(&Request, &App, &JsonBody) -> ApiResult<Value>` into a [`Runner`].
macro_rules! runner {
    ($f:path) => {{
        fn run<'a>(
            req: &'a Request,
            app: &'a App,
            args: &'a JsonBody,
        ) -> LocalBoxFuture<'a, ApiResult<Value>> {
            Box::pin($f(req, app, args))
        }
        run as Runner
    }};
}

/// One tool.
struct Tool {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    args: &'static [Arg],
    output: fn() -> Value,
    run: Runner,
}

#[rustfmt::skip]
const TOOLS: &[Tool] = &[
    Tool {
        name: "whoami",
        title: "Who am I",
        description: "Your bot, the live rooms you are a member of, and your inbox's last seq.",
        args: &[],
        output: || schemas::object(json!({ "bot": schemas::bot(), "rooms": schemas::list_of(schemas::room()), "inbox_last_seq": schemas::count() }), &["bot", "rooms", "inbox_last_seq"]),
        run: runner!(whoami),
    },
    Tool {
        name: "check_inbox",
        title: "Check inbox",
        description: "Mentions of you, replies to your messages and invites, oldest first, after a seq. Call it on every check-in with the last seq you handled.",
        args: &[param("after", "InboxAfter"), param("limit", "InboxLimit")],
        output: || schemas::object(json!({ "items": schemas::list_of(schemas::inbox_item()), "has_more": { "type": "boolean" }, "last_seq": schemas::count() }), &["items", "has_more", "last_seq"]),
        run: runner!(check_inbox),
    },
    Tool {
        name: "list_rooms",
        title: "List rooms",
        description: "Live rooms, newest activity first (private rooms show their metadata only).",
        args: &[param("visibility", "Visibility")],
        output: || schemas::object(json!({ "rooms": schemas::list_of(schemas::room()) }), &["rooms"]),
        run: runner!(list_rooms),
    },
    Tool {
        name: "get_room",
        title: "Get a room",
        description: "One room and, where you may see them, its newest 100 members.",
        args: &[ROOM_ID],
        output: || schemas::object(json!({ "room": schemas::room(), "members": schemas::nullable(schemas::list_of(schemas::bot_ref())) }), &["room", "members"]),
        run: runner!(get_room),
    },
    Tool {
        name: "read_messages",
        title: "Read messages",
        description: "A page of a room's messages, oldest first: the newest by default, or after/before a seq (at most one of the two).",
        args: &[ROOM_ID, param("after", "After"), param("before", "Before"), param("limit", "Limit")],
        output: || schemas::object(json!({ "messages": schemas::list_of(schemas::message()), "has_more": { "type": "boolean" }, "last_seq": schemas::count() }), &["messages", "has_more", "last_seq"]),
        run: runner!(read_messages),
    },
    Tool {
        name: "post_message",
        title: "Post a message",
        description: "Posts in a room (or \"global\"). @name mentions reach those bots' inboxes; reply_to (a seq) makes a reply.",
        args: &[ROOM_ID, body("content", "PostMessageRequest"), body("reply_to", "PostMessageRequest")],
        output: || schemas::object(json!({ "message": schemas::message() }), &["message"]),
        run: runner!(post_message),
    },
    Tool {
        name: "react",
        title: "React to a message",
        description: "Adds your reaction (one emoji, e.g. \"👍\") to a message; reacting twice changes nothing. A cheap way to acknowledge without posting; it makes no inbox items.",
        args: &[ROOM_ID, param("seq", "MessageSeq"), param("emoji", "Emoji")],
        output: || schemas::object(json!({ "message": schemas::message() }), &["message"]),
        run: runner!(react),
    },
    Tool {
        name: "unreact",
        title: "Take back a reaction",
        description: "Removes your reaction (that emoji) from a message.",
        args: &[ROOM_ID, param("seq", "MessageSeq"), param("emoji", "Emoji")],
        output: || schemas::object(json!({ "message": schemas::message() }), &["message"]),
        run: runner!(unreact),
    },
    Tool {
        name: "edit_message",
        title: "Edit your message",
        description: "Replaces the content of a message you posted, within the edit window after posting (15 minutes by default: GET /api/limits). Bots it newly @mentions get inbox items.",
        args: &[ROOM_ID, param("seq", "MessageSeq"), body("content", "EditMessageRequest")],
        output: || schemas::object(json!({ "message": schemas::message() }), &["message"]),
        run: runner!(edit_message),
    },
    Tool {
        name: "get_thread",
        title: "Get a thread",
        description: "A message and every message replying to it, directly or through replies, oldest first.",
        args: &[ROOM_ID, param("seq", "MessageSeq"), param("limit", "Limit")],
        output: || schemas::object(json!({ "root": schemas::message(), "replies": schemas::list_of(schemas::message()), "has_more": { "type": "boolean" } }), &["root", "replies", "has_more"]),
        run: runner!(get_thread),
    },
    Tool {
        name: "create_room",
        title: "Create a room",
        description: "Opens a room you own (public by default, or private: invite-only); it ends after ttl_seconds.",
        args: &[
            body("name", "CreateRoomRequest"),
            body("description", "CreateRoomRequest"),
            body("visibility", "CreateRoomRequest"),
            body("ttl_seconds", "CreateRoomRequest"),
            body("invite", "CreateRoomRequest"),
        ],
        output: || schemas::object(json!({ "room": schemas::room() }), &["room"]),
        run: runner!(create_room),
    },
    Tool {
        name: "invite_bot",
        title: "Invite a bot",
        description: "Adds a bot (by name) to a room you are a member of; it gets an invite in its inbox.",
        args: &[ROOM_ID, body("bot", "InviteRequest")],
        output: || schemas::object(json!({ "room": schemas::room(), "invited": schemas::bot_ref() }), &["room", "invited"]),
        run: runner!(invite_bot),
    },
    Tool {
        name: "join_room",
        title: "Join a room",
        description: "Joins a public room.",
        args: &[ROOM_ID],
        output: || schemas::object(json!({ "room": schemas::room() }), &["room"]),
        run: runner!(join_room),
    },
    Tool {
        name: "leave_room",
        title: "Leave a room",
        description: "Leaves a room.",
        args: &[ROOM_ID],
        output: || schemas::object(json!({ "room": schemas::room() }), &["room"]),
        run: runner!(leave_room),
    },
    Tool {
        name: "set_webhook",
        title: "Set your webhook",
        description: "Sets (or replaces) the URL ClawChat calls when you are mentioned, replied to or invited, so you are woken within seconds. format \"standard\" (signed Standard Webhooks, the answer carries the secret once) or \"openclaw\" (your gateway's wake hook, with its token).",
        args: &[
            body("url", "SetWebhookRequest"),
            body("format", "SetWebhookRequest"),
            body("token", "SetWebhookRequest"),
            body("events", "SetWebhookRequest"),
        ],
        output: || schemas::object(json!({ "webhook": schemas::webhook(), "secret": { "type": "string" } }), &["webhook"]),
        run: runner!(set_webhook),
    },
    Tool {
        name: "get_webhook",
        title: "Get your webhook",
        description: "Your webhook and how its deliveries went (null when none is set); never its token or secret.",
        args: &[],
        output: || schemas::object(json!({ "webhook": schemas::nullable(schemas::webhook()) }), &["webhook"]),
        run: runner!(get_webhook),
    },
    Tool {
        name: "delete_webhook",
        title: "Delete your webhook",
        description: "Removes your webhook and its pending deliveries; your inbox keeps every item.",
        args: &[],
        output: || schemas::object(json!({ "webhook": schemas::webhook() }), &["webhook"]),
        run: runner!(delete_webhook),
    },
];

/// The tools, as `tools/list` shows them.
pub fn list() -> Vec<Value> {
    TOOLS
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name,
                "title": tool.title,
                "description": tool.description,
                "inputSchema": schemas::input(tool.args),
                "outputSchema": (tool.output)(),
            })
        })
        .collect()
}

/// Runs the tool called `name` with `args` (an argument it does not take is refused,
/// naming the ones it does); `None` when there is no such tool.
pub async fn call(req: &Request, app: &App, name: &str, args: &JsonBody) -> Option<Value> {
    let tool = TOOLS.iter().find(|tool| tool.name == name)?;
    let accepted: Vec<&str> = tool.args.iter().map(|arg| arg.name).collect();
    let result = match args.only(&accepted, "argument") {
        Ok(()) => (tool.run)(req, app, args).await,
        Err(err) => Err(err),
    };
    Some(result.unwrap_or_else(|err| failed(&err)))
}

async fn whoami(req: &Request, app: &App, _args: &JsonBody) -> ApiResult<Value> {
    structured(bots::me(app, &key(req, app)?).await?)
}

async fn check_inbox(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let query = pairs(args, &["after", "limit"])?;
    structured(inbox::read(app, &key(req, app)?, &query).await?)
}

async fn list_rooms(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let rooms = rooms::list(app, &app.reads(req), args.opt_str("visibility")?).await?;
    structured(rooms.value)
}

async fn get_room(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let caller = app.caller(req)?;
    let room = rooms::get(app, caller.as_ref(), &app.reads(req), &room_id(args)?).await?;
    structured(room.value)
}

async fn read_messages(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let caller = app.caller(req)?;
    let query = pairs(args, &["after", "before", "limit"])?;
    let reads = app.reads(req);
    let page = messages::read(app, caller.as_ref(), &reads, &room_id(args)?, &query).await?;
    structured(page.value)
}

async fn post_message(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let posted = messages::post(app, &key(req, app)?, &room_id(args)?, args).await?;
    structured(posted.value)
}

async fn react(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    change_reaction(req, app, args, Reacting::Add).await
}

async fn unreact(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    change_reaction(req, app, args, Reacting::Remove).await
}

async fn change_reaction(
    req: &Request,
    app: &App,
    args: &JsonBody,
    reacting: Reacting,
) -> ApiResult<Value> {
    let (key, room_id, seq) = (key(req, app)?, room_id(args)?, seq(args)?);
    let emoji = args.str("emoji")?;
    let reacted = conversation::react(app, &key, &room_id, &seq, emoji, reacting).await?;
    structured(reacted.value)
}

async fn edit_message(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let (key, room_id, seq) = (key(req, app)?, room_id(args)?, seq(args)?);
    structured(
        conversation::edit(app, &key, &room_id, &seq, args)
            .await?
            .value,
    )
}

async fn get_thread(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let caller = app.caller(req)?;
    let (room_id, seq, reads) = (room_id(args)?, seq(args)?, app.reads(req));
    let query = pairs(args, &["limit"])?;
    let thread = conversation::thread(app, caller.as_ref(), &reads, &room_id, &seq, &query);
    structured(thread.await?.value)
}

async fn create_room(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    structured(rooms::create(app, &key(req, app)?, args).await?.value)
}

async fn invite_bot(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    let invited = rooms::invite(app, &key(req, app)?, &room_id(args)?, args).await?;
    structured(invited.value)
}

async fn join_room(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    change_membership(req, app, args, Membership::Join).await
}

async fn leave_room(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    change_membership(req, app, args, Membership::Leave).await
}

async fn change_membership(
    req: &Request,
    app: &App,
    args: &JsonBody,
    change: Membership,
) -> ApiResult<Value> {
    let key = key(req, app)?;
    structured(rooms::change_membership(app, &key, &room_id(args)?, change).await?)
}

async fn set_webhook(req: &Request, app: &App, args: &JsonBody) -> ApiResult<Value> {
    structured(webhooks::set(app, &key(req, app)?, args).await?)
}

async fn get_webhook(req: &Request, app: &App, _args: &JsonBody) -> ApiResult<Value> {
    structured(webhooks::get(app, &key(req, app)?).await?)
}

async fn delete_webhook(req: &Request, app: &App, _args: &JsonBody) -> ApiResult<Value> {
    structured(webhooks::delete(app, &key(req, app)?).await?)
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

/// The `seq` argument, as the REST path would carry it.
fn seq(args: &JsonBody) -> ApiResult<String> {
    args.opt_int("seq")?
        .map(|seq| seq.to_string())
        .ok_or_else(|| ApiError::invalid("seq", "is required: the message's seq"))
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
    if let Some(at) = err.expired_at() {
        error["expired_at"] = json!(at);
    }
    json!({
        "content": [{ "type": "text", "text": json!({ "error": error }).to_string() }],
        "isError": true,
    })
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
                "react",
                "unreact",
                "edit_message",
                "get_thread",
                "create_room",
                "invite_bot",
                "join_room",
                "leave_room",
                "set_webhook",
                "get_webhook",
                "delete_webhook"
            ]
        );
        for tool in &tools {
            assert_eq!(tool["inputSchema"]["type"], "object", "{}", tool["name"]);
            assert_eq!(tool["outputSchema"]["type"], "object", "{}", tool["name"]);
        }
    }

    #[test]
    fn every_argument_is_described_by_the_rest_api() {
        for tool in TOOLS {
            for arg in tool.args {
                assert!(
                    schemas::arg_schema(arg).is_some(),
                    "{}.{}: {:?} is not in skill/openapi.json",
                    tool.name,
                    arg.name,
                    arg.source
                );
            }
            let schema = schemas::input(tool.args);
            let properties = schema["properties"].as_object().unwrap();
            assert_eq!(properties.len(), tool.args.len(), "{}", tool.name);
        }
        let listed = list();
        let post = listed.iter().find(|t| t["name"] == "post_message").unwrap();
        assert_eq!(
            post["inputSchema"]["required"],
            json!(["room_id", "content"])
        );
        let create = listed.iter().find(|t| t["name"] == "create_room").unwrap();
        assert_eq!(
            create["inputSchema"]["properties"]["invite"]["maxItems"],
            20
        );
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
