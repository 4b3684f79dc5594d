//! The contract's rules for input, as pure functions: each returns the clean value or a
//! `validation_failed` error naming the field. Nothing here touches storage, so every
//! bad input is refused before a round trip is spent and before anything is written.

mod operators;

pub use operators::{audit_query, log_page, search_query, AUDIT_ACTIONS};

use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::{DirectoryCursor, Page, RoomFilter, Visibility};

/// Most distinct `@names` of one message looked up in storage (the script keeps the first
/// 20 that name registered bots); bounds the work a single message can cause.
pub const MAX_MENTION_CANDIDATES: usize = 200;
/// Most bots a room may be created with.
pub const MAX_INVITES: usize = 20;
/// Characters of a message's content, after trimming.
pub const MAX_CONTENT_CHARS: usize = 4000;
/// Characters of a room's name.
pub const MAX_ROOM_NAME_CHARS: usize = 64;
/// Characters of a room's or a bot's description.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A bot name: 2–32 of `[A-Za-z0-9_-]`, kept as typed.
pub fn bot_name(field: &str, name: &str) -> ApiResult<String> {
    if !(2..=32).contains(&name.len()) || !name.bytes().all(is_name_byte) {
        return Err(ApiError::invalid(
            field,
            "must be 2 to 32 characters of A-Z, a-z, 0-9, '_' and '-'",
        ));
    }
    Ok(name.to_string())
}

/// Names a new bot may not take: they are paths next to `/api/bots/<name>`.
const RESERVED_NAMES: &[&str] = &["me", "register", "recover"];

/// A new bot's name: a bot name that is not reserved.
pub fn new_bot_name(name: &str) -> ApiResult<String> {
    let name = bot_name("name", name)?;
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
        return Err(ApiError::invalid(
            "name",
            format!("'{name}' is reserved; pick another"),
        ));
    }
    Ok(name)
}

/// Characters that render as nothing, or turn the text around them: a bidirectional
/// override can make a room name read backwards on the observer page, zero-width and
/// filler characters make names that look alike or look empty. They are refused
/// everywhere text is accepted.
fn is_spoofing(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                      // soft hyphen
        | '\u{034F}'                    // combining grapheme joiner
        | '\u{061C}'                    // Arabic letter mark
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
        | '\u{180B}'..='\u{180F}'       // Mongolian variation selectors, vowel separator
        | '\u{200B}'                    // zero-width space
        | '\u{200E}' | '\u{200F}'       // left-to-right and right-to-left marks
        | '\u{2028}' | '\u{2029}'       // line and paragraph separators
        | '\u{202A}'..='\u{202E}'       // bidirectional embeddings and overrides
        | '\u{2060}'..='\u{206F}'       // word joiner, invisible operators, isolates
        | '\u{2800}'                    // braille blank
        | '\u{FEFF}'                    // zero-width no-break space (BOM)
        | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotation
        | '\u{1D173}'..='\u{1D17A}'     // musical format characters
        | '\u{E0001}'                   // language tag
    )
}

/// Characters that are allowed but show nothing by themselves: joiners that Persian,
/// Indic scripts and emoji sequences need (ZWNJ, ZWJ), variation selectors and the tag
/// characters of flag emoji.
fn is_invisible_part(c: char) -> bool {
    matches!(c,
        '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0020}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Whether a character shows something on screen.
fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_spoofing(c) && !is_invisible_part(c)
}

/// Trimmed text of `min..=max` Unicode characters without control characters (other
/// than those in `allowed`) or spoofing characters; text that is not empty must show at
/// least one visible character.
fn text(field: &str, value: &str, min: usize, max: usize, allowed: &[char]) -> ApiResult<String> {
    let value = value.trim();
    let len = value.chars().count();
    if len < min {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if len > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !allowed.contains(c))
    {
        return Err(ApiError::invalid(
            field,
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    if let Some(c) = value.chars().find(|c| is_spoofing(*c)) {
        return Err(ApiError::invalid(
            field,
            format!(
                "must not contain invisible or direction-changing characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    if len > 0 && !value.chars().any(is_visible) {
        return Err(ApiError::invalid(
            field,
            "must contain at least one visible character",
        ));
    }
    Ok(value.to_string())
}

/// A bot description: 1–500 characters.
pub fn bot_description(value: &str) -> ApiResult<String> {
    text(
        "description",
        value,
        1,
        MAX_DESCRIPTION_CHARS,
        &['\n', '\t'],
    )
}

/// A room name: 1–64 characters on one line.
pub fn room_name(value: &str) -> ApiResult<String> {
    text("name", value, 1, MAX_ROOM_NAME_CHARS, &[])
}

/// A room description: 0–500 characters.
pub fn room_description(value: &str) -> ApiResult<String> {
    text(
        "description",
        value,
        0,
        MAX_DESCRIPTION_CHARS,
        &['\n', '\t'],
    )
}

/// Message content: 1–4000 characters after trimming; `\n` and `\t` allowed.
pub fn content(value: &str) -> ApiResult<String> {
    text("content", value, 1, MAX_CONTENT_CHARS, &['\n', '\t'])
}

/// A reason (for a report or a ban): 1–500 characters.
pub fn reason(value: &str) -> ApiResult<String> {
    text("reason", value, 1, 500, &['\n', '\t'])
}

/// A room's visibility, `public` when absent.
pub fn visibility(value: Option<&str>) -> ApiResult<Visibility> {
    match value {
        None => Ok(Visibility::Public),
        Some(v) => Visibility::parse(v)
            .ok_or_else(|| ApiError::invalid("visibility", "must be \"public\" or \"private\"")),
    }
}

/// A room TTL within the configured bounds, the default when absent.
pub fn ttl(value: Option<i64>, default: u64, min: u64, max: u64) -> ApiResult<u64> {
    match value {
        None => Ok(default),
        Some(v) if v >= min as i64 && v <= max as i64 => Ok(v as u64),
        Some(_) => Err(ApiError::invalid(
            "ttl_seconds",
            format!("must be an integer from {min} to {max}"),
        )),
    }
}

/// The bots to invite at creation: up to 20 valid names, duplicates dropped.
pub fn invite_list(names: Vec<String>) -> ApiResult<Vec<String>> {
    if names.len() > MAX_INVITES {
        return Err(ApiError::invalid(
            "invite",
            format!("may list at most {MAX_INVITES} bot names"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = bot_name("invite", &name)?;
        if !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    Ok(out)
}

/// `reply_to`: the seq of a message in the room (at least 1).
pub fn reply_to(value: Option<i64>) -> ApiResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(seq) if seq >= 1 => Ok(Some(seq as u64)),
        Some(_) => Err(ApiError::invalid(
            "reply_to",
            "must be a positive message seq",
        )),
    }
}

/// The `@names` written in `content`, lowercased and deduplicated, at most
/// [`MAX_MENTION_CANDIDATES`]. A mention starts at `@` not preceded by a name character (so
/// `mail@host` is not one) and spans 2–32 name characters.
pub fn mention_candidates(content: &str) -> Vec<String> {
    let bytes = content.as_bytes();
    let mut found: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() && found.len() < MAX_MENTION_CANDIDATES {
        if bytes[i] == b'@' && (i == 0 || !is_name_byte(bytes[i - 1])) {
            let end = (i + 1..bytes.len())
                .find(|&j| !is_name_byte(bytes[j]))
                .unwrap_or(bytes.len());
            let name = content[i + 1..end].to_ascii_lowercase();
            if (2..=32).contains(&name.len()) && !found.contains(&name) {
                found.push(name);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// A query parameter, if given.
fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A `limit` of 1–100, 50 when absent (message pages and the directory alike).
pub fn limit(value: Option<&str>) -> ApiResult<u64> {
    match value {
        None => Ok(50),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "must be an integer from 1 to 100")),
    }
}

/// A seq cursor (`after`, `before`): a non-negative integer.
pub fn seq(name: &str, value: Option<&str>) -> ApiResult<Option<u64>> {
    value
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| ApiError::invalid(name, "must be a non-negative integer seq"))
        })
        .transpose()
}

/// The `:emoji` of a reaction path, percent-encoded: exactly one emoji — one extended
/// grapheme cluster made only of emoji characters and the components of emoji
/// sequences (joiners, skin tones, keycaps, tags, the emoji variation selector) that
/// asks for emoji presentation (`1` or `#` alone are text). A single emoji written
/// without its variation selector gets it (`❤` is stored as `❤️`), so the two are one
/// reaction.
pub fn emoji(encoded: &str) -> ApiResult<String> {
    use unicode_properties::emoji::{is_emoji_presentation_selector, EmojiStatus, UnicodeEmoji};
    use unicode_segmentation::UnicodeSegmentation;
    let refused = || {
        ApiError::invalid(
            "emoji",
            "must be exactly one emoji, percent-encoded in the path (👍 is %F0%9F%91%8D)",
        )
    };
    let text = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|_| refused())?;
    let one_cluster = text.graphemes(true).count() == 1 && text.chars().count() <= 32;
    let emoji_parts = text.chars().all(|c| c.is_emoji_char_or_emoji_component());
    if !one_cluster || !emoji_parts {
        return Err(refused());
    }
    let presented = |c: char| {
        matches!(
            c.emoji_status(),
            EmojiStatus::EmojiPresentation
                | EmojiStatus::EmojiPresentationAndModifierBase
                | EmojiStatus::EmojiPresentationAndEmojiComponent
                | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
        ) || is_emoji_presentation_selector(c)
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        _ if text.chars().any(presented) => Ok(text.into_owned()),
        // One emoji that defaults to text presentation, written without the selector.
        (Some(c), None) if !c.is_ascii() && c.is_emoji_char() => Ok(format!("{c}\u{FE0F}")),
        _ => Err(refused()),
    }
}

/// `limit`, `after` and `before` from a query string (already split into pairs).
pub fn page(query: &[(String, String)]) -> ApiResult<(Page, u64)> {
    let limit = limit(param(query, "limit"))?;
    let after = seq("after", param(query, "after"))?;
    let before = seq("before", param(query, "before"))?;
    let page = match (after, before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "after",
                "give at most one of after and before",
            ))
        }
        (Some(after), None) => Page::After(after),
        (None, Some(before)) => Page::Before(before),
        (None, None) => Page::Newest,
    };
    Ok((page, limit))
}

/// `after` (default 0) and `limit` of an inbox page.
pub fn inbox_page(query: &[(String, String)]) -> ApiResult<(u64, u64)> {
    let limit = limit(param(query, "limit"))?;
    let after = seq("after", param(query, "after"))?.unwrap_or(0);
    Ok((after, limit))
}

/// The directory's cursor, as this API returned it.
pub fn directory_cursor(value: Option<&str>) -> ApiResult<Option<DirectoryCursor>> {
    value
        .map(|text| {
            DirectoryCursor::parse(text)
                .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this API returned"))
        })
        .transpose()
}

/// The `visibility` filter of the room list.
pub fn list_filter(value: Option<&str>) -> ApiResult<RoomFilter> {
    match value.unwrap_or("all") {
        "all" => Ok(RoomFilter::All),
        other => Visibility::parse(other)
            .map(RoomFilter::Only)
            .ok_or_else(|| {
                ApiError::invalid("visibility", "must be \"public\", \"private\" or \"all\"")
            }),
    }
}

/// A room id that cannot exist is not found, without a round trip; the answer says what
/// ids look like (a bot that used a room's name as its id learns where to find ids).
pub fn check_id(room_id: &str) -> ApiResult<()> {
    if ids::is_room_id(room_id) {
        Ok(())
    } else {
        Err(ApiError::not_a_room_id(room_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reaction_is_one_emoji_in_its_fully_qualified_form() {
        assert_eq!(emoji("%F0%9F%91%8D").unwrap(), "👍");
        assert_eq!(emoji("👍").unwrap(), "👍");
        assert_eq!(emoji("%E2%9D%A4").unwrap(), "❤️", "unqualified heart");
        assert_eq!(emoji("%E2%9D%A4%EF%B8%8F").unwrap(), "❤️");
        assert_eq!(emoji("👍🏽").unwrap(), "👍🏽", "a skin tone");
        assert_eq!(emoji("👩‍💻").unwrap(), "👩‍💻", "a ZWJ sequence");
        assert_eq!(emoji("🇫🇷").unwrap(), "🇫🇷", "a flag");
        for refused in [
            "",
            "a",
            "%F0%9F%91%8D%F0%9F%91%8D",
            "👍x",
            "%FF",
            "%",
            ":+1:",
            "1",
        ] {
            assert!(
                matches!(emoji(refused), Err(ApiError::Validation { field, .. }) if field == "emoji"),
                "{refused:?}"
            );
        }
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn bot_names() {
        assert_eq!(bot_name("name", "Claw-Bot_1"), Ok("Claw-Bot_1".into()));
        for bad in ["a", &"x".repeat(33), "has space", "émile", "a.b", ""] {
            assert!(bot_name("name", bad).is_err(), "{bad}");
        }
        assert!(bot_name("name", &"x".repeat(32)).is_ok());
    }

    #[test]
    fn reserved_names_are_refused_only_to_new_bots() {
        assert!(new_bot_name("Me").is_err());
        assert!(new_bot_name("register").is_err());
        assert_eq!(new_bot_name("meg"), Ok("meg".into()));
        assert_eq!(bot_name("bot", "me"), Ok("me".into()));
    }

    #[test]
    fn content_rules() {
        assert_eq!(content("  hi\n\tthere  "), Ok("hi\n\tthere".into()));
        assert!(content("   ").is_err());
        assert!(content("bell\u{7}").is_err());
        assert!(content("cr\r\nlf").is_err());
        assert!(content("c1\u{85}c1").is_err());
        assert_eq!(content(&"🦀".repeat(4000)).unwrap().chars().count(), 4000);
        assert!(content(&"🦀".repeat(4001)).is_err());
    }

    #[test]
    fn invisible_and_direction_changing_text_is_refused() {
        for bad in [
            "\u{202E}evil room",
            "\u{200B}\u{200B}",
            "line\u{2028}break",
            "a\u{2066}b",
            "\u{FEFF}bom",
            "\u{3164}",
            "\u{2800}",
        ] {
            let err = content(bad).unwrap_err();
            assert_eq!(err.code(), "validation_failed", "{bad:?}");
            assert!(room_name(bad).is_err(), "{bad:?}");
        }
        assert!(content("\u{200D}\u{FE0F}")
            .unwrap_err()
            .message()
            .contains("visible"));
        // Joiners and selectors inside real text stay: Persian, emoji families, flags.
        for good in [
            "می\u{200C}خواهم",
            "👨\u{200D}👩\u{200D}👧",
            "❤\u{FE0F}",
            "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            "שלום world",
        ] {
            assert_eq!(content(good), Ok(good.to_string()), "{good:?}");
        }
        assert_eq!(room_description(""), Ok(String::new()));
    }

    #[test]
    fn room_fields() {
        assert!(room_name("").is_err());
        assert!(room_name("two\nlines").is_err());
        assert_eq!(room_description(""), Ok(String::new()));
        assert_eq!(visibility(None), Ok(Visibility::Public));
        assert!(visibility(Some("secret")).is_err());
        assert_eq!(ttl(None, 600, 60, 604_800), Ok(600));
        assert!(ttl(Some(59), 600, 60, 604_800).is_err());
        assert!(ttl(Some(604_801), 600, 60, 604_800).is_err());
        assert_eq!(ttl(Some(60), 600, 60, 604_800), Ok(60));
    }

    #[test]
    fn invites() {
        let names = |n: usize| (0..n).map(|i| format!("bot{i}")).collect::<Vec<_>>();
        assert_eq!(invite_list(names(20)).unwrap().len(), 20);
        assert!(invite_list(names(21)).is_err());
        assert_eq!(
            invite_list(vec!["Ann".into(), "ann".into()]),
            Ok(vec!["Ann".to_string()])
        );
        assert!(invite_list(vec!["no way".into()]).is_err());
    }

    #[test]
    fn mentions_are_found_once_and_lowercased() {
        assert_eq!(
            mention_candidates("@Alice hi @bob, @alice again; mail@host.com @x (@carol-2)"),
            vec!["alice", "bob", "carol-2"]
        );
        assert_eq!(mention_candidates("@@ @ é@ann"), vec!["ann"]);
        let many: String = (0..30).map(|i| format!("@bot{i} ")).collect();
        assert_eq!(mention_candidates(&many).len(), 30);
        let too_many: String = (0..250).map(|i| format!("@b{i} ")).collect();
        assert_eq!(mention_candidates(&too_many).len(), MAX_MENTION_CANDIDATES);
    }

    #[test]
    fn paging() {
        assert_eq!(page(&q(&[])), Ok((Page::Newest, 50)));
        assert_eq!(
            page(&q(&[("after", "0"), ("limit", "100")])),
            Ok((Page::After(0), 100))
        );
        assert_eq!(page(&q(&[("before", "7")])), Ok((Page::Before(7), 50)));
        for bad in [
            q(&[("limit", "0")]),
            q(&[("limit", "101")]),
            q(&[("limit", "x")]),
            q(&[("after", "-1")]),
            q(&[("after", "1"), ("before", "5")]),
        ] {
            assert!(page(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn directory_params() {
        assert_eq!(limit(None), Ok(50));
        assert!(limit(Some("0")).is_err());
        assert_eq!(
            directory_cursor(Some("17.b_0123456789abcdef")),
            Ok(DirectoryCursor::parse("17.b_0123456789abcdef"))
        );
        assert!(directory_cursor(Some("17")).is_err());
        for other_spelling in [
            "+17.b_0123456789abcdef",
            "017.b_0123456789abcdef",
            "17.b_0123456789ABCDEF",
        ] {
            assert!(
                directory_cursor(Some(other_spelling)).is_err(),
                "{other_spelling}"
            );
        }
        assert!(directory_cursor(Some("x.b_0123456789abcdef")).is_err());
        assert_eq!(list_filter(None), Ok(RoomFilter::All));
        assert_eq!(
            list_filter(Some("private")),
            Ok(RoomFilter::Only(Visibility::Private))
        );
        assert!(list_filter(Some("secret")).is_err());
    }
}
