//! Prepares the Lua scripts compiled into the Worker (`src/store/mod.rs`, `script!`):
//! each is the shared files (`keys.lua`, the key layout; `helpers.lua`, what every
//! script uses) followed by its own file, with every comment line blanked. The comments
//! document the key layout and each script's contract for people; Redis needs none of
//! them, and without this step the shared files' were compiled into the Worker once per
//! script (about half of its size) and sent to Redis with every `EVAL`.
//! Blank lines keep the line numbers Redis names in a script error the source's.

use std::{env, fs, path::Path};

const LUA: &str = "src/store/lua";
/// Prepended to every script, in this order.
const SHARED: [&str; 2] = ["keys.lua", "helpers.lua"];

fn main() {
    println!("cargo:rerun-if-changed={LUA}");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lua");
    fs::create_dir_all(&out).expect("create OUT_DIR/lua");
    let shared: String = SHARED
        .iter()
        .map(|name| read(&Path::new(LUA).join(name)))
        .collect();
    for entry in fs::read_dir(LUA).expect("read src/store/lua") {
        let path = entry.expect("list src/store/lua").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".lua") || SHARED.contains(&name.as_str()) {
            continue;
        }
        let script = format!("{shared}{}", read(&path));
        fs::write(out.join(&name), without_comment_lines(&script)).expect("write script");
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `script` with each line that is only a comment (`--`, not a `--[[` block) left empty.
fn without_comment_lines(script: &str) -> String {
    script
        .lines()
        .map(|line| {
            let code = line.trim_start();
            if code.starts_with("--") && !code.starts_with("--[[") {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
