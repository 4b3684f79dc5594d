# Shared by scripts/dev, scripts/test and scripts/bench: installing what is missing and
# running the local stack (redis-server → redis-rest-gateway → wrangler dev), every
# piece on a free loopback port, every process stopped on exit.
#
# Needs only rustup, node/npm and apt on a Debian machine. Nothing is downloaded from
# GitHub: worker-build gets wasm-bindgen and wasm-opt through the *_BIN overrides.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export WRANGLER_SEND_METRICS=false
export WRANGLER_LOG_SANITIZE=true
# No request.cf download: the machine may be offline, and local requests need none.
export CLOUDFLARE_CF_FETCH_ENABLED=false

say() { printf '\033[1m==> [%4ss] %s\033[0m\n' "$SECONDS" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- set-up ----------------------------------------------------------------------

# The wasm target, worker-build and the wasm-bindgen CLI matching Cargo.lock, installed
# by the Worker's own build script (so `wrangler deploy` on any machine installs the same).
install_rust_tools() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first."
  node scripts/build-worker.mjs --tools
}

install_node_packages() {
  if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
}

# Installs Debian packages that are missing, or says exactly what to run.
apt_install() {
  local missing=()
  local pkg bin
  for pair in "$@"; do
    pkg="${pair%%:*}" bin="${pair##*:}"
    command -v "$bin" >/dev/null || missing+=("$pkg")
  done
  apt_get_install "${missing[@]}"
}

# Installs the named Debian packages (none: nothing to do), or says exactly what to run.
apt_get_install() {
  local missing=("$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
      die "missing ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' and try again."
    fi
  fi
  say "Installing ${missing[*]} with apt"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_gateway() {
  say "Building redis-rest-gateway"
  cargo build --release --quiet -p redis-rest-gateway
  GATEWAY_BIN="$ROOT/target/release/redis-rest-gateway"
}

# The Python clients of the test command (the schemathesis fuzzer, the official MCP
# Python SDK) from PyPI, pinned with everything they pull in (tests/requirements.txt), in
# a virtualenv of its own, .venv (not committed). Reinstalled only when the pins change.
install_python_clients() {
  local pins=tests/requirements.txt stamp=.venv/.requirements.sha256 wanted
  wanted="$(sha256sum "$pins" | cut -d' ' -f1)"
  if [ -x .venv/bin/schemathesis ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
  apt_get_install "${missing[@]}"
  say "Installing schemathesis and the MCP Python SDK in .venv from PyPI (about a minute, once)"
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --no-input -r "$pins"
  echo "$wanted" >"$stamp"
}

# Builds the Worker as a deployer's machine would: with no bash, flock or GNU coreutils
# hashing tools on PATH (macOS has none of them), so a build step that needs them fails
# here first. The PATH seen is this one minus those programs.
build_worker() {
  local bare
  bare="$(mktemp -d)"
  local dir entry name
  local IFS=:
  for dir in $PATH; do
    [ -d "$dir" ] || continue
    for entry in "$dir"/*; do
      name="${entry##*/}"
      case "$name" in bash | flock | sha256sum | sha1sum | sha512sum | md5sum | shasum) continue ;; esac
      [ -e "$bare/$name" ] || ln -s "$entry" "$bare/$name" 2>/dev/null || true
    done
  done
  unset IFS
  PATH="$bare" node scripts/build-worker.mjs
  local status=$?
  rm -rf "$bare"
  return "$status"
}

# Everything the platform needs to run locally.
setup_platform() {
  install_rust_tools
  install_node_packages
  apt_install redis-server:redis-server curl:curl
  build_gateway
}

# --- the running stack -------------------------------------------------------------

# Stops every server the stack started (or a test restarted): each left its process
# group's id in $STACK_DIR/<name>.pid.
stop_stack() {
  local pidfile pid
  for pidfile in "${STACK_DIR:-/nonexistent}"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    # wrangler leaves workerd children: stop the whole process group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pidfile in "${STACK_DIR:-/nonexistent}"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidfile"
  done
}

# Keeps the script alive while the stack serves (until Ctrl-C or a signal).
hold() {
  while sleep 1; do :; done
}

free_port() {
  node -e '
    const server = require("node:net").createServer();
    server.listen(0, "127.0.0.1", () => { console.log(server.address().port); server.close(); });'
}

# Prints $1 when that port is free on 127.0.0.1, otherwise a free port.
port_or_free() {
  node -e '
    const net = require("node:net");
    const want = Number(process.argv[1]);
    const tryPort = (port, fallback) => {
      const server = net.createServer();
      server.once("error", () => fallback());
      server.listen(port, "127.0.0.1", () => { console.log(server.address().port); server.close(); });
    };
    tryPort(want, () => tryPort(0, () => process.exit(1)));' "$1"
}

# serve NAME COMMAND...: starts a server in its own process group, logging to
# $STACK_DIR/NAME.log. The exact start is kept as $STACK_DIR/NAME.start (an executable
# script) and the process group as $STACK_DIR/NAME.pid, so a test that takes a server
# down brings it back exactly as the stack started it (tests/lib/stack.mjs).
serve() {
  local name="$1"; shift
  local script="$STACK_DIR/$name.start"
  {
    echo '#!/usr/bin/env bash'
    echo "# Starts $name as the local stack did; its process group goes to $name.pid."
    printf 'cd %q\n' "$ROOT"
    export -p | grep -E '^declare -x (GATEWAY_TOKEN|WRANGLER_[A-Z_]+|CLOUDFLARE_[A-Z_]+)=' || true
    printf 'setsid'
    printf ' %q' "$@"
    printf ' >>%q 2>&1 </dev/null &\n' "$STACK_DIR/$name.log"
    printf 'echo $! >%q\n' "$STACK_DIR/$name.pid"
  } >"$script"
  chmod +x "$script"
  "$script"
}

wait_for() {
  local what="$1" log="$2" seconds="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf 'error: %s did not start in %ss; its log:\n' "$what" "$seconds" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.3
  done
}

# start_stack STATE_DIR REDIS_SAVE_ARGS... -- WRANGLER_VARS...
# Exports REDIS_PORT, GATEWAY_URL, GATEWAY_TOKEN, CLAWCHAT_URL and STACK_DIR. The Worker
# listens on STACK_PORT when set (a free port otherwise); WATCH=1 rebuilds and reloads
# it when src/, skill/ or public/ change (for scripts/dev, never for tests);
# WITHOUT_INSPECTOR=1 serves it without wrangler's devtools inspector (scripts/bench).
start_stack() {
  STACK_DIR="$1"; shift
  local redis_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do redis_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  mkdir -p "$STACK_DIR"
  export STACK_DIR REDIS_PORT GATEWAY_URL GATEWAY_TOKEN CLAWCHAT_URL

  REDIS_PORT="$(free_port)"
  serve redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STACK_DIR" \
    "${redis_args[@]}"
  wait_for redis-server "$STACK_DIR/redis.log" 20 redis-cli -p "$REDIS_PORT" ping

  GATEWAY_TOKEN="$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')"
  local gateway_port
  gateway_port="$(free_port)"
  GATEWAY_URL="http://127.0.0.1:$gateway_port"
  serve gateway "$GATEWAY_BIN" --listen "127.0.0.1:$gateway_port" --redis "127.0.0.1:$REDIS_PORT"
  wait_for redis-rest-gateway "$STACK_DIR/gateway.log" 20 curl -sf "$GATEWAY_URL/_gateway/stats" \
    -H "Authorization: Bearer $GATEWAY_TOKEN"

  local port config vars=()
  port="${STACK_PORT:-$(free_port)}"
  CLAWCHAT_URL="http://127.0.0.1:$port"
  vars+=(--var "UPSTASH_REDIS_REST_URL:$GATEWAY_URL" --var "UPSTASH_REDIS_REST_TOKEN:$GATEWAY_TOKEN")
  while [ $# -gt 0 ]; do vars+=(--var "$1"); shift; done
  config="wrangler.toml"
  if [ -z "${WATCH:-}" ]; then
    # Built once, here, and served without wrangler's build watcher: the watcher runs
    # the build again once it is ready and reloads the Worker, at a moment no test
    # controls (requests in flight then fail with "Your worker restarted mid-request").
    say "Building the Worker (the first build takes about a minute)"
    build_worker >"$STACK_DIR/build.log" 2>&1 || { tail -n 40 "$STACK_DIR/build.log" >&2; die "the Worker did not build"; }
    # The stack serves its own copy: wrangler dev reloads the Worker when the files it
    # serves change, and a later build (another stack, a deploy dry run) must not.
    cp -R build "$STACK_DIR/build"
    config="$STACK_DIR/wrangler.toml"
    unwatched_config >"$config"
  else
    # wrangler's watcher rebuilds on changes; the first build happens here, so the
    # assets directory wrangler.toml names exists before wrangler reads it.
    say "Building the Worker (the first build takes about a minute)"
    build_worker >"$STACK_DIR/build.log" 2>&1 || { tail -n 40 "$STACK_DIR/build.log" >&2; die "the Worker did not build"; }
  fi
  # wrangler writes a debug log of every dev session (with the inspector on, three
  # events per Redis round trip): kept beside the stack's other logs, the last run's
  # only, instead of piling up under ~/.config/.wrangler/logs.
  export WRANGLER_LOG_PATH="$STACK_DIR/wrangler-debug.log"
  : >"$WRANGLER_LOG_PATH"
  if [ -n "${WITHOUT_INSPECTOR:-}" ]; then
    # wrangler's dev server without the devtools inspector, which taxes every Redis
    # round trip locally (see scripts/serve-worker.mjs): what the benchmark measures on.
    say "Starting the Worker in wrangler's dev server, inspector off"
    serve wrangler node scripts/serve-worker.mjs --config "$config" --ip 127.0.0.1 \
      --port "$port" --persist-to "$STACK_DIR/wrangler" "${vars[@]}"
  else
    say "Starting wrangler dev"
    serve wrangler npx --no-install wrangler dev --config "$config" --ip 127.0.0.1 \
      --port "$port" --inspector-port "$(free_port)" --persist-to "$STACK_DIR/wrangler" \
      --show-interactive-dev-session=false "${vars[@]}"
  fi
  wait_for "wrangler dev" "$STACK_DIR/wrangler.log" 300 curl -sf "$CLAWCHAT_URL/api/health"
}

# wrangler.toml without its [build] table, with the Worker and its assets taken from
# the stack's own copy of build/ (absolute paths: wrangler reads them relative to the
# configuration file, which then lives in the stack's directory).
unwatched_config() {
  ROOT="$ROOT" node -e '
    const fs = require("node:fs");
    const root = process.env.ROOT;
    let table = "";
    const lines = fs.readFileSync(`${root}/wrangler.toml`, "utf8").split("\n").filter((line) => {
      const header = line.match(/^\s*\[+([^\]]+)\]+/);
      if (header) table = header[1].trim();
      return table !== "build";
    });
    process.stdout.write(lines.join("\n")
      .replace(/^main = "(.*)"/m, `main = "${process.env.STACK_DIR}/$1"`)
      .replace(/^directory = "\.\/(.*)"/m, `directory = "${process.env.STACK_DIR}/$1"`));'
}

# The isolated stack the end-to-end tests run against: ephemeral Redis, a fresh key
# secret, and test-only settings, so caps are tested without waiting or posting
# thousands: rooms may live 2 seconds (expiry is tested in real time), keep 200 messages
# (not 2000), replay at most 50 messages to a connecting stream (not 500), and keep 20
# inbox items per bot (not 500). The edge cache is off, so a test reads what it just
# wrote; tests/e2e/ops-config.test.mjs turns it on to test it. Webhooks may call the
# tests' own receivers on 127.0.0.1, retry after 200 ms (not 5 s: the whole schedule
# scales with it) and are disabled after 3 consecutive failures (not 50).
# The operators' token is exported as ADMIN_TOKEN for the admin tests.
start_test_stack() {
  export ADMIN_TOKEN
  ADMIN_TOKEN="admin-$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')"
  start_stack "$1" --save "" --appendonly no -- \
    "API_KEY_SECRET:test-$(node -e 'console.log(require("node:crypto").randomBytes(16).toString("hex"))')" \
    "ADMIN_TOKEN:$ADMIN_TOKEN" "EDGE_CACHE_SECONDS:0" \
    "ROOM_TTL_MIN_SECONDS:2" "ROOM_HISTORY:200" "STREAM_REPLAY_LIMIT:50" "INBOX_CAP:20" \
    "WEBHOOK_ALLOW_LOCAL:1" "WEBHOOK_RETRY_BASE_MS:200" "WEBHOOK_MAX_FAILURES:3"
}
