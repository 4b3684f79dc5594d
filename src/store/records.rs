//! Decoding of the positional arrays the scripts return (see `room_out` and `bot_out`
//! in `lua/helpers.lua`) into the model's objects.

use super::upstash::{Reply, StoreError};
use crate::model::{Bot, BotRef, InboxItem, InboxKind, InboxRoom, Message, Room, Visibility};
use crate::time::rfc3339;

/// An array reply of exactly `N` items.
pub fn fields<const N: usize>(reply: Reply) -> Result<[Reply; N], StoreError> {
    reply.into_array()?.try_into().map_err(|v: Vec<Reply>| {
        StoreError::Decode(format!("expected {N} fields, got {}", v.len()))
    })
}

/// A time in ms, `None` when empty or nil.
pub fn opt_ms(reply: Reply) -> Result<Option<i64>, StoreError> {
    match reply.into_opt_string()? {
        Some(s) if !s.is_empty() => s
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Decode(format!("bad time {s:?}"))),
        _ => Ok(None),
    }
}

fn ms(reply: Reply) -> Result<i64, StoreError> {
    opt_ms(reply)?.ok_or_else(|| StoreError::Decode("missing time".into()))
}

/// A count (negative numbers read as 0).
pub fn count(reply: &Reply) -> Result<u64, StoreError> {
    Ok(reply.as_int()?.max(0) as u64)
}

/// A script's 1 / 0 answer.
pub fn flag(reply: &Reply) -> Result<bool, StoreError> {
    Ok(reply.as_int()? == 1)
}

/// A string.
pub fn string(reply: Reply) -> Result<String, StoreError> {
    reply.into_string()
}

/// A list (nil reads as empty).
pub fn array(reply: Reply) -> Result<Vec<Reply>, StoreError> {
    reply.into_array()
}

/// `{id, name, description, created_at, last_active_at}` → [`Bot`].
pub fn bot(reply: Reply) -> Result<Bot, StoreError> {
    let [id, name, description, created_at, last_active_at] = fields(reply)?;
    Ok(Bot {
        id: id.into_string()?,
        name: name.into_string()?,
        description: description.into_string()?,
        created_at: rfc3339(ms(created_at)?),
        last_active_at: rfc3339(ms(last_active_at)?),
    })
}

/// `{id, name}` → [`BotRef`].
pub fn bot_ref(reply: Reply) -> Result<BotRef, StoreError> {
    let [id, name] = fields(reply)?;
    Ok(BotRef {
        id: id.into_string()?,
        name: name.into_string()?,
    })
}

/// `{id, name}`, or an empty list → `None`.
pub fn opt_bot_ref(reply: Reply) -> Result<Option<BotRef>, StoreError> {
    match reply.into_array()? {
        items if items.is_empty() => Ok(None),
        items => bot_ref(Reply::Array(items)).map(Some),
    }
}

/// A list of `{id, name}` pairs, or nil → `None`.
pub fn opt_bot_refs(reply: Reply) -> Result<Option<Vec<BotRef>>, StoreError> {
    match reply {
        Reply::Nil => Ok(None),
        list => list
            .into_array()?
            .into_iter()
            .map(bot_ref)
            .collect::<Result<_, _>>()
            .map(Some),
    }
}

/// A list of bots.
pub fn bots(reply: Reply) -> Result<Vec<Bot>, StoreError> {
    reply.into_array()?.into_iter().map(bot).collect()
}

/// The twelve positional fields of `room_out` → [`Room`].
pub fn room(reply: Reply) -> Result<Room, StoreError> {
    let [id, name, description, visibility, by_id, by_name, created_at, expires_at, ttl, members, seq, last_message_at] =
        fields(reply)?;
    let by_id = by_id.into_string()?;
    let expires_at_ms = opt_ms(expires_at)?;
    Ok(Room {
        id: id.into_string()?,
        name: name.into_string()?,
        description: description.into_string()?,
        visibility: self::visibility(visibility)?,
        created_by: if by_id.is_empty() {
            None
        } else {
            Some(BotRef {
                id: by_id,
                name: by_name.into_string()?,
            })
        },
        created_at: rfc3339(ms(created_at)?),
        expires_at: expires_at_ms.map(rfc3339),
        ttl_seconds: opt_ms(ttl)?.map(|t| t.max(0) as u64),
        member_count: count(&members)?,
        message_count: count(&seq)?,
        last_message_at: opt_ms(last_message_at)?.map(rfc3339),
        expires_at_ms,
    })
}

/// `public` or `private`.
pub fn visibility(reply: Reply) -> Result<Visibility, StoreError> {
    let text = reply.into_string()?;
    Visibility::parse(&text).ok_or_else(|| StoreError::Decode(format!("bad visibility {text:?}")))
}

/// A list of rooms.
pub fn rooms(reply: Reply) -> Result<Vec<Room>, StoreError> {
    reply.into_array()?.into_iter().map(room).collect()
}

/// One stored message JSON.
pub fn message(reply: Reply) -> Result<Message, StoreError> {
    serde_json::value::RawValue::from_string(reply.into_string()?)
        .map_err(|e| StoreError::Decode(format!("stored message is not JSON: {e}")))
}

/// `mention`, `reply` or `invite`.
pub fn inbox_kind(reply: Reply) -> Result<InboxKind, StoreError> {
    let text = reply.into_string()?;
    InboxKind::parse(&text)
        .ok_or_else(|| StoreError::Decode(format!("bad inbox item type {text:?}")))
}

/// The ten positional fields of `inbox_item` (lua/helpers.lua) → [`InboxItem`].
pub fn inbox_item(reply: Reply) -> Result<InboxItem, StoreError> {
    let [seq, kind, at, room_id, room_name, visibility, expires_at, by_id, by_name, message] =
        fields(reply)?;
    Ok(InboxItem {
        seq: count(&seq)?,
        kind: inbox_kind(kind)?,
        at: rfc3339(ms(at)?),
        room: InboxRoom {
            id: room_id.into_string()?,
            name: room_name.into_string()?,
            visibility: self::visibility(visibility)?,
            expires_at: opt_ms(expires_at)?.map(rfc3339),
        },
        by: BotRef {
            id: by_id.into_string()?,
            name: by_name.into_string()?,
        },
        message: match message {
            Reply::Nil => None,
            Reply::Int(0) => None, // Lua's false
            other => Some(self::message(other)?),
        },
    })
}

/// A list of inbox items.
pub fn inbox_items(reply: Reply) -> Result<Vec<InboxItem>, StoreError> {
    reply.into_array()?.into_iter().map(inbox_item).collect()
}

/// An inbox item a write made: for whom, its seq, its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub bot_id: String,
    pub seq: u64,
    pub kind: InboxKind,
}

/// The `{bot id, item seq, type}` triples a write returns.
pub fn made(reply: Reply) -> Result<Vec<Made>, StoreError> {
    reply
        .into_array()?
        .into_iter()
        .map(|item| {
            let [bot_id, seq, kind] = fields(item)?;
            Ok(Made {
                bot_id: bot_id.into_string()?,
                seq: count(&seq)?,
                kind: inbox_kind(kind)?,
            })
        })
        .collect()
}

/// A list of stored messages.
pub fn messages(reply: Reply) -> Result<Vec<Message>, StoreError> {
    reply.into_array()?.into_iter().map(message).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Reply {
        Reply::Str(text.into())
    }

    #[test]
    fn decodes_a_private_room() {
        let reply = Reply::Array(vec![
            s("r1"),
            s("Lab"),
            s(""),
            s("private"),
            s("b1"),
            s("alice"),
            s("0"),
            s("600000"),
            s("600"),
            Reply::Int(2),
            s("7"),
            s(""),
        ]);
        let room = room(reply).unwrap();
        assert_eq!(room.visibility, Visibility::Private);
        assert_eq!(room.created_by.unwrap().name, "alice");
        assert_eq!(room.expires_at.as_deref(), Some("1970-01-01T00:10:00.000Z"));
        assert_eq!(room.expires_at_ms, Some(600_000));
        assert_eq!((room.member_count, room.message_count), (2, 7));
        assert_eq!(room.last_message_at, None);
    }

    #[test]
    fn decodes_the_global_room_without_owner_or_expiry() {
        let reply = Reply::Array(vec![
            s("global"),
            s("Global chat"),
            s("d"),
            s("public"),
            s(""),
            s(""),
            s("1000"),
            s(""),
            s(""),
            Reply::Int(3),
            Reply::Int(0),
            s(""),
        ]);
        let json = serde_json::to_value(room(reply).unwrap()).unwrap();
        assert_eq!(json["created_by"], serde_json::Value::Null);
        assert_eq!(json["expires_at"], serde_json::Value::Null);
        assert_eq!(json["ttl_seconds"], serde_json::Value::Null);
        assert!(json.get("expires_at_ms").is_none());
    }

    #[test]
    fn wrong_shapes_are_decode_errors() {
        assert!(room(Reply::Array(vec![s("x")])).is_err());
        assert!(bot(Reply::Int(1)).is_err());
        assert!(message(s("not json")).is_err());
        assert_eq!(opt_bot_refs(Reply::Nil), Ok(None));
    }
}
