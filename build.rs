//! Prepares the Lua scripts compiled into the Worker (`src/store/mod.rs`, `script!`):
//! each is the shared files (`keys.lua`, the key layout; `helpers.lua`, what every
//! script uses) followed by its own file, with every comment line blanked. The comments
//! document the key layout and each script's contract for people; Redis needs none of
//! them, and without this step the shared files' were compiled into the Worker once per
//! script (about half of its size) and sent to Redis with every `EVAL`.
//! Blank lines keep the line numbers Redis names in a script error the source's.
//!
//! It also extracts, from `skill/openapi.json`, the input schemas the MCP tools share
//! with their REST twins (`mcp/schemas.rs`): the request bodies and the parameters, so
//! a limit is written once, in the API description, and the Worker carries only that
//! part of it.

use std::{env, fs, path::Path};

use serde_json::{json, Map, Value};

const LUA: &str = "src/store/lua";
/// Prepended to every script, in this order.
const SHARED: [&str; 2] = ["keys.lua", "helpers.lua"];
const OPENAPI: &str = "skill/openapi.json";

fn main() {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    write_scripts(&Path::new(&out_dir).join("lua"));
    write_api_inputs(&Path::new(&out_dir).join("api_inputs.json"));
}

/// The request-body schemas (`components.schemas.*Request`), their field names in
/// order, and the parameters (`components.parameters`) of the API description, as one
/// JSON object.
fn write_api_inputs(out: &Path) {
    println!("cargo:rerun-if-changed={OPENAPI}");
    let spec: Value = serde_json::from_str(&read(Path::new(OPENAPI))).expect("openapi.json parses");
    let components = &spec["components"];
    let bodies: Map<String, Value> = components["schemas"]
        .as_object()
        .expect("components.schemas")
        .iter()
        .filter(|(name, _)| name.ends_with("Request"))
        .map(|(name, schema)| (name.clone(), schema.clone()))
        .collect();
    // Each body's field names, in the document's order (the Worker's JSON maps are
    // sorted), for the message that lists what a body accepts.
    let fields: Map<String, Value> = bodies
        .iter()
        .map(|(name, schema)| {
            let names = schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            (name.clone(), json!(names))
        })
        .collect();
    let inputs =
        json!({ "bodies": bodies, "fields": fields, "parameters": components["parameters"] });
    fs::write(out, inputs.to_string()).expect("write api_inputs.json");
}

fn write_scripts(out: &Path) {
    println!("cargo:rerun-if-changed={LUA}");
    fs::create_dir_all(out).expect("create OUT_DIR/lua");
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
