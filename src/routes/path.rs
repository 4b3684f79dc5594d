//! A request path's parameters, by name, so a handler asks for what it means — a room,
//! a bot, a message — and a parameter can never carry the wrong kind of thing; and the
//! fields the matched route's body accepts.

use crate::model::GLOBAL_ROOM;

/// The parameter names the route table uses.
const NAMES: [&str; 4] = ["id", "name", "seq", "emoji"];

/// A request path's parameters, by name: `:id` is always a room, `:name` a bot, `:seq`
/// a message, `:emoji` a reaction.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Path {
    params: Vec<(&'static str, String)>,
    /// The route's request-body schema, when it takes a body (see [`Path::body_fields`]).
    body: Option<&'static str>,
}

impl Path {
    /// The parameters matched, as `(name, value)`.
    pub fn new<'a>(params: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        let params = params
            .into_iter()
            .filter_map(|(name, value)| Some((known_name(name)?, value)))
            .collect();
        Path { params, body: None }
    }

    /// The same, for a route whose body is the API description's `schema`.
    pub fn with_body(self, schema: Option<&'static str>) -> Self {
        Path {
            body: schema,
            ..self
        }
    }

    /// The fields the route's body accepts (none for a route that takes no body): a
    /// handler reads its body with these, so any other field is refused.
    pub fn body_fields(&self) -> Vec<&'static str> {
        self.body.map(crate::spec::body_fields).unwrap_or_default()
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.as_str())
    }

    /// The room the path names: `:id`, or the global room on `/api/global/*`.
    pub fn room_id(&self) -> &str {
        self.param("id").unwrap_or(GLOBAL_ROOM)
    }

    /// The bot the path names (`:name`).
    pub fn bot_name(&self) -> &str {
        self.param("name").unwrap_or_default()
    }

    /// The message seq the path names (`:seq`), as written: validated by the service.
    pub fn seq(&self) -> &str {
        self.param("seq").unwrap_or_default()
    }

    /// The reaction the path names (`:emoji`), percent-encoded as written: validated by
    /// the service.
    pub fn emoji(&self) -> &str {
        self.param("emoji").unwrap_or_default()
    }
}

/// The table's own spelling of a parameter name (the matcher lends it only for the
/// match); `None` for a name the table does not use.
fn known_name(name: &str) -> Option<&'static str> {
    NAMES.into_iter().find(|known| *known == name)
}
