//! The inputs of the API description, compiled in: the request bodies
//! (`components.schemas.*Request`) and the parameters (`components.parameters`) of
//! `skill/openapi.json`, extracted by `build.rs`. The REST routes take the fields a body
//! accepts from here and the MCP tools their argument schemas, so a field, a limit or a
//! default is written once, in the document clients read.

use std::sync::OnceLock;

use serde_json::Value;

/// `{"bodies": {name: schema}, "fields": {name: [field, …]}, "parameters": {name:
/// parameter}}`.
pub fn inputs() -> &'static Value {
    static INPUTS: OnceLock<Value> = OnceLock::new();
    INPUTS.get_or_init(|| {
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/api_inputs.json")))
            .unwrap_or(Value::Null)
    })
}

/// The fields the request body `schema` (e.g. `CreateRoomRequest`) accepts, in the
/// document's order; empty for a schema it does not describe.
pub fn body_fields(schema: &str) -> Vec<&'static str> {
    inputs()["fields"][schema]
        .as_array()
        .map(|fields| fields.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_fields_come_from_the_description() {
        assert_eq!(
            body_fields("CreateRoomRequest"),
            ["name", "description", "visibility", "ttl_seconds", "invite"]
        );
        assert!(body_fields("NoSuchRequest").is_empty());
    }
}
