#!/usr/bin/env node
// The Worker build: the command wrangler runs (wrangler.toml [build]) and the one the
// local scripts run. Written in Node, which the build needs anyway, so it works the same
// on macOS and Linux with only rustup and node/npm: no flock, no sha256sum, no bash.
//
//   node scripts/build-worker.mjs           install what is missing, then build (release)
//   node scripts/build-worker.mjs --tools   only install what is missing
//
// What it installs, once: the wasm32 target, worker-build (pinned) and the wasm-bindgen
// CLI of the exact version Cargo.lock resolved (both with `cargo install`, side by side).
// worker-build then uses those and the npm package binaryen's wasm-opt instead of
// downloading its own (WASM_BINDGEN_BIN, WASM_OPT_BIN), so nothing comes from GitHub.
// The build is skipped when nothing it reads changed since the last one (a stamp of
// their contents in build/.stamp), and serialised with a lock file so that several
// `wrangler dev` instances watching the same sources build once. Every build also lays
// out the static assets wrangler serves (build/assets: public/ and the documents of
// skill/), which costs a few milliseconds.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const WORKER_BUILD_VERSION = "0.8.7";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const INPUTS = ["src", "skill", "build.rs", "Cargo.toml", "Cargo.lock"];
const BUILD = path.join(ROOT, "build");
const LOCK = path.join(BUILD, ".lock");
const STAMP = path.join(BUILD, ".stamp");
const ASSETS = path.join(BUILD, "assets");
const EXE = process.platform === "win32" ? ".exe" : "";

function say(message) {
  process.stderr.write(`\x1b[1m==> ${message}\x1b[0m\n`);
}

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** The first line a program prints for `args`, or null when it does not run. */
function output(program, args) {
  const run = spawnSync(program, args, { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** Where `program` is: cargo's bin directory first (where `cargo install` puts it), then PATH. */
function which(program) {
  const cargoHome = process.env.CARGO_HOME ?? path.join(process.env.HOME ?? process.env.USERPROFILE ?? "", ".cargo");
  const dirs = [path.join(cargoHome, "bin"), ...(process.env.PATH ?? "").split(path.delimiter)];
  for (const dir of dirs) {
    const candidate = path.join(dir, program + EXE);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** The wasm-bindgen version Cargo.lock resolved: the CLI must match it exactly. */
export function wasmBindgenVersion(lock = fs.readFileSync(path.join(ROOT, "Cargo.lock"), "utf8")) {
  const found = lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!found) fail("Cargo.lock names no wasm-bindgen version.");
  return found[1];
}

function run(program, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: "inherit", cwd: ROOT, ...options });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${program} ${args.join(" ")}: ${signal ?? `exit ${code}`}`)));
  });
}

/** Installs what the build needs and is missing; returns the wasm-bindgen to use. */
export async function installTools() {
  if (!output("cargo", ["--version"])) fail("cargo not found: install Rust with rustup (https://rustup.rs) first.");
  const targets = output("rustup", ["target", "list", "--installed"]);
  if (targets === null) fail("rustup not found: install Rust with rustup (https://rustup.rs) first.");
  if (!targets.split("\n").includes("wasm32-unknown-unknown")) {
    say("Adding the wasm32-unknown-unknown target");
    await run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
  }
  const installs = [];
  const workerBuild = which("worker-build");
  if (!workerBuild || output(workerBuild, ["--version"]) !== WORKER_BUILD_VERSION) {
    installs.push(["worker-build", "--version", WORKER_BUILD_VERSION, "--locked"]);
  }
  const wanted = wasmBindgenVersion();
  let wasmBindgen = which("wasm-bindgen");
  if (!wasmBindgen || output(wasmBindgen, ["--version"])?.split(" ")[1] !== wanted) {
    // No --locked: the CLI's own lockfile pins a crate release the registry no longer serves.
    installs.push(["wasm-bindgen-cli", "--version", wanted]);
  }
  if (installs.length > 0) {
    say(`Installing ${installs.map((i) => `${i[0]} ${i[2]}`).join(" and ")} with cargo (a few minutes, once)`);
    // Side by side: each spends much of its time on one core (proc macros, linking).
    // Built for build speed rather than run speed (opt-level 1, no LTO): both tools
    // then compile about a fifth faster, and wasm-bindgen still processes the Worker
    // in a fraction of a second.
    const env = {
      ...process.env,
      CARGO_PROFILE_RELEASE_OPT_LEVEL: "1",
      CARGO_PROFILE_RELEASE_LTO: "false",
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS: "16",
      CARGO_PROFILE_RELEASE_DEBUG: "false",
    };
    await Promise.all(installs.map((args) => run("cargo", ["install", "--quiet", ...args], { env })));
    wasmBindgen = which("wasm-bindgen");
  }
  return wasmBindgen;
}

/** A digest of every file the build reads: paths and contents, in a stable order. */
export function sourceStamp() {
  const hash = createHash("sha256");
  const visit = (relative) => {
    const full = path.join(ROOT, relative);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(full).sort()) visit(path.posix.join(relative, entry));
    } else {
      hash.update(`${relative}\0`).update(fs.readFileSync(full)).update("\0");
    }
  };
  INPUTS.forEach(visit);
  return hash.digest("hex");
}

/** A file's text, or "" when there is none. */
function readText(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if (err.code === "ENOENT") return "";
    throw err;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

/**
 * Takes the build lock: a file created exclusively, holding the builder's pid. A lock
 * whose builder is gone (killed mid-build) is taken over. Returns the release.
 */
async function lock() {
  fs.mkdirSync(BUILD, { recursive: true });
  for (let waited = 0; ; waited++) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(LOCK, { force: true });
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      const holder = Number(readText(LOCK));
      // An empty lock is one being written this instant, unless it is old.
      const stale = holder ? !alive(holder) : Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5000;
      if (stale) {
        fs.rmSync(LOCK, { force: true });
        continue;
      }
      if (waited === 0) say(`Waiting for the build already running (pid ${holder})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Lays out the static assets (wrangler.toml [assets]): the observer page from public/,
 * and the bot-facing documents from skill/ under lower-case names: SKILL.md is
 * /skill.md (HEARTBEAT.md and openapi.json likewise), every other file of skill/ is
 * under /skill/ (skill/streams.md is /skill/streams.md). They are served as assets rather than compiled into the Worker; the
 * Worker fills this deployment's base URL into a document as it serves it
 * (src/pages.rs). Built beside the old layout and swapped in, so a running `wrangler
 * dev` never sees half of it.
 */
export function layOutAssets() {
  const staging = `${ASSETS}.new`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, "public"), staging, { recursive: true });
  // The three documents a bot is pointed at sit at the top (/skill.md, /heartbeat.md,
  // /openapi.json); the detail they link is under /skill/.
  fs.mkdirSync(path.join(staging, "skill"), { recursive: true });
  for (const entry of fs.readdirSync(path.join(ROOT, "skill")).sort()) {
    const name = entry.toLowerCase();
    const top = ["skill.md", "heartbeat.md", "openapi.json"].includes(name);
    const target = path.join(staging, top ? name : path.join("skill", name));
    if (fs.existsSync(target)) fail(`skill/${entry} and public/ both have ${path.relative(staging, target)}`);
    fs.copyFileSync(path.join(ROOT, "skill", entry), target);
  }
  fs.rmSync(ASSETS, { recursive: true, force: true });
  fs.renameSync(staging, ASSETS);
}

async function build() {
  const wasmBindgen = await installTools();
  const unlock = await lock();
  try {
    const stamp = sourceStamp();
    const built = ["index.js", "index_bg.wasm"].every((f) => fs.existsSync(path.join(BUILD, f)));
    if (built && readText(STAMP) === stamp) {
      layOutAssets();
      console.log("Worker is up to date.");
      return;
    }
    const wasmOpt = path.join(ROOT, "node_modules", ".bin", `wasm-opt${process.platform === "win32" ? ".cmd" : ""}`);
    if (!fs.existsSync(wasmOpt)) fail("node_modules/.bin/wasm-opt is missing: run `npm ci` first.");
    const env = {
      ...process.env,
      WASM_BINDGEN_BIN: process.env.WASM_BINDGEN_BIN || wasmBindgen,
      WASM_OPT_BIN: process.env.WASM_OPT_BIN || wasmOpt,
    };
    await run(which("worker-build"), ["--release"], { env });
    layOutAssets();
    fs.writeFileSync(STAMP, `${stamp}\n`);
  } finally {
    unlock();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const main = process.argv.includes("--tools") ? installTools : build;
  main().catch((err) => fail(err.message));
}
