//! The Lua scripts, one per operation, each prefixed with `lua/prelude.lua` (the key
//! layout and shared helpers). A script runs atomically inside Redis, so one script is
//! one round trip that either does everything or nothing.

use super::upstash::Script;

macro_rules! script {
    ($ident:ident, $file:literal) => {
        pub static $ident: Script = Script::new(
            $file,
            concat!(
                include_str!("lua/prelude.lua"),
                include_str!(concat!("lua/", $file, ".lua"))
            ),
        );
    };
}

script!(REGISTER, "register");
script!(ROTATE_KEY, "rotate_key");
script!(ME, "me");
script!(BOTS_LIST, "bots_list");
script!(GLOBAL_INFO, "global_info");
script!(ROOM_CREATE, "room_create");
script!(ROOM_GET, "room_get");
script!(ROOM_LIST, "room_list");
script!(ROOM_MEMBERSHIP, "room_membership");
script!(ROOM_INVITE, "room_invite");
script!(ROOM_PURGE, "room_purge");
script!(MESSAGES_READ, "messages_read");
script!(MESSAGE_POST, "message_post");
script!(LOG_RANGE, "log_range");
