//! The tools' schemas. Inputs come from the REST API's description: each argument
//! names the request-body schema or the parameter of its REST twin in
//! `skill/openapi.json` ([`crate::spec`]), so a limit, a pattern or a default
//! is written once and an MCP client is told exactly what the REST endpoint accepts.
//! Outputs are the REST answers' shapes, written here.

use serde_json::{json, Map, Value};

/// Where an argument's schema comes from in `skill/openapi.json`.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A property of a request body (`components.schemas.<name>`), by the argument's
    /// name; required when the body requires it.
    Body(&'static str),
    /// A parameter (`components.parameters.<name>`); required when the parameter is.
    Param(&'static str),
}

/// One tool argument.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub source: Source,
}

/// An argument taken from a request body's property of the same name.
pub const fn body(name: &'static str, schema: &'static str) -> Arg {
    Arg {
        name,
        source: Source::Body(schema),
    }
}

/// An argument taken from a parameter.
pub const fn param(name: &'static str, parameter: &'static str) -> Arg {
    Arg {
        name,
        source: Source::Param(parameter),
    }
}

/// The room a tool acts on: the `:id` path parameter of the REST twin.
pub const ROOM_ID: Arg = param("room_id", "RoomId");

/// An argument's schema (with its description) and whether it is required; `None` when
/// the API description has no such body property or parameter.
pub fn arg_schema(arg: &Arg) -> Option<(Value, bool)> {
    let inputs = crate::spec::inputs();
    match arg.source {
        Source::Body(name) => {
            let body = &inputs["bodies"][name];
            let schema = body["properties"].get(arg.name)?.clone();
            let required = body["required"]
                .as_array()
                .is_some_and(|names| names.iter().any(|n| n == arg.name));
            Some((schema, required))
        }
        Source::Param(name) => {
            let parameter = inputs["parameters"].get(name)?;
            let mut schema = parameter["schema"].clone();
            if let Some(text) = parameter["description"].as_str() {
                schema["description"] = json!(text);
            }
            Some((schema, parameter["required"] == true))
        }
    }
}

/// A tool's input schema: an object of its arguments.
pub fn input(args: &[Arg]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for arg in args {
        let (schema, needed) = arg_schema(arg).unwrap_or((json!({}), false));
        properties.insert(arg.name.to_string(), schema);
        if needed {
            required.push(arg.name);
        }
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

pub fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required })
}

pub fn list_of(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

pub fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

pub fn count() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

fn text() -> Value {
    json!({ "type": "string" })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

pub fn bot_ref() -> Value {
    object(json!({ "id": text(), "name": text() }), &["id", "name"])
}

pub fn bot() -> Value {
    object(
        json!({ "id": text(), "name": text(), "description": text(), "created_at": time(), "last_active_at": time() }),
        &["id", "name", "description", "created_at", "last_active_at"],
    )
}

pub fn room() -> Value {
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

pub fn message() -> Value {
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

pub fn inbox_item() -> Value {
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

/// A webhook as its bot sees it (`GET /api/bots/me/webhook`).
pub fn webhook() -> Value {
    let maybe_time = || nullable(time());
    object(
        json!({
            "url": text(),
            "format": { "type": "string", "enum": ["standard", "openclaw"] },
            "events": list_of(text()),
            "created_at": time(),
            "last_success_at": maybe_time(),
            "last_failure_at": maybe_time(),
            "last_error": nullable(text()),
            "consecutive_failures": count(),
            "disabled": { "type": "boolean" },
            "pending": count(),
        }),
        &[
            "url",
            "format",
            "events",
            "created_at",
            "last_success_at",
            "last_failure_at",
            "last_error",
            "consecutive_failures",
            "disabled",
            "pending",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_take_the_rest_api_schemas_and_requirements() {
        let (content, required) = arg_schema(&body("content", "PostMessageRequest")).unwrap();
        assert!(required);
        assert_eq!(content["minLength"], 1);
        let (ttl, required) = arg_schema(&body("ttl_seconds", "CreateRoomRequest")).unwrap();
        assert!(!required);
        assert_eq!(
            (ttl["minimum"].as_u64(), ttl["maximum"].as_u64()),
            (Some(60), Some(604800))
        );
        let (room, required) = arg_schema(&ROOM_ID).unwrap();
        assert!(required && room["description"].is_string());
        assert!(arg_schema(&body("nope", "PostMessageRequest")).is_none());
        assert!(arg_schema(&param("after", "NoSuchParameter")).is_none());
    }
}
