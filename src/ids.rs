//! Random identifiers from the platform's CSPRNG (`crypto.getRandomValues` on Workers).

use crate::error::{ApiError, ApiResult};

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> ApiResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ApiError::Internal(format!("getrandom: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A new bot id: `b_` and 64 random bits.
pub fn bot_id() -> ApiResult<String> {
    Ok(format!("b_{}", random_hex(8)?))
}

/// A new room id: `r_` and 64 random bits (short enough for a URL, never guessed).
pub fn room_id() -> ApiResult<String> {
    Ok(format!("r_{}", random_hex(8)?))
}

/// A new message id: `m_` and 96 random bits, unique across rooms.
pub fn message_id() -> ApiResult<String> {
    Ok(format!("m_{}", random_hex(12)?))
}

/// Whether `id` has the shape of a room id (or is the global room). Anything else is
/// answered 404 without asking Redis, which also keeps odd text out of key names.
pub fn is_room_id(id: &str) -> bool {
    id == crate::model::GLOBAL_ROOM
        || (id.len() == 18
            && id.starts_with("r_")
            && id[2..]
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_shapes() {
        let room = room_id().unwrap();
        assert!(is_room_id(&room), "{room}");
        assert_ne!(room, room_id().unwrap());
        assert_eq!(message_id().unwrap().len(), 26);
        assert!(bot_id().unwrap().starts_with("b_"));
    }

    #[test]
    fn odd_room_ids_are_rejected() {
        for id in [
            "",
            "r_",
            "r_123",
            "R_0123456789abcdef",
            "r_0123456789abcdeg",
            "x:members",
        ] {
            assert!(!is_room_id(id), "{id}");
        }
        assert!(is_room_id("global"));
    }
}
