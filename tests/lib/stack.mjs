// The local stack's servers, for the tests that take them down on purpose. scripts/lib.sh
// started each one through $STACK_DIR/<name>.start (redis, gateway, wrangler) and keeps
// its process group in $STACK_DIR/<name>.pid; stopping and starting here goes through
// the same files, so a restarted server is exactly the one the stack started.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, sleep } from "./poll.mjs";

// bench/soak.mjs imports `eventually` from here, with the servers it takes down.
export { eventually };

const STACK_DIR = process.env.STACK_DIR;
export const REDIS_PORT = process.env.REDIS_PORT;
if (!STACK_DIR || !REDIS_PORT) {
  throw new Error("STACK_DIR and REDIS_PORT are not set: run through scripts/test, or export what scripts/stack prints");
}

function pidOf(name) {
  const file = join(STACK_DIR, `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : null;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a server's whole process group (SIGKILL: as if it crashed) and waits until
 * every process of it is gone (the runtime's own processes too: one still listening
 * would share the port with the server started next).
 */
export async function stopServer(name, signal = "SIGKILL") {
  const pid = pidOf(name);
  if (!pid) throw new Error(`no ${name}.pid in ${STACK_DIR}`);
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
  for (let i = 0; i < 200 && alive(-pid); i++) await sleep(50);
  if (alive(-pid)) throw new Error(`${name} (process group ${pid}) did not stop`);
}

/** Starts a server again, exactly as the stack started it. */
export function startServer(name) {
  execFileSync(join(STACK_DIR, `${name}.start`), { stdio: "ignore", timeout: 10_000 });
}

/** Runs redis-cli against the stack's Redis; returns its output. */
export function redisCli(...args) {
  return execFileSync("redis-cli", ["-p", REDIS_PORT, ...args.map(String)], {
    encoding: "utf8",
    timeout: 10_000,
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

/** Whether the stack's Redis answers. */
export function redisAnswers() {
  try {
    return redisCli("PING") === "PONG";
  } catch {
    return false;
  }
}

/** Stops Redis the way a crash-safe restart does: its data saved to the stack's dump. */
export async function stopRedisKeepingData() {
  try {
    redisCli("SHUTDOWN", "SAVE");
  } catch {
    // redis-cli reports the connection closing under it
  }
  for (let i = 0; i < 100 && redisAnswers(); i++) await sleep(50);
}

/** Whether the Worker answers its health check with `ok` (any answer, when `anyStatus`). */
async function healthy(anyStatus = false) {
  try {
    const status = (await fetch(`${process.env.CLAWCHAT_URL}/api/health`, { signal: AbortSignal.timeout(5_000) })).status;
    return anyStatus || status === 200;
  } catch {
    return false;
  }
}

/**
 * Restarts the Worker runtime with some vars changed: `{NAME: "value"}` sets one,
 * `{NAME: null}` removes it. Resolves once it answers again. `restoreWorker()` brings
 * back the stack's own configuration.
 */
export async function restartWorkerWith(vars) {
  let script = readFileSync(join(STACK_DIR, "wrangler.start"), "utf8");
  for (const [name, value] of Object.entries(vars)) {
    script = script.replace(new RegExp(` --var ${name}:\\S+`, "g"), "");
    if (value !== null) script = script.replace(" --var ", ` --var ${name}:${value} --var `);
  }
  const changed = join(STACK_DIR, "wrangler-changed.start");
  writeFileSync(changed, script, { mode: 0o755 });
  await stopServer("wrangler", "SIGTERM");
  execFileSync(changed, { stdio: "ignore", timeout: 10_000 });
  // Any answer: some configurations under test are meant to be unhealthy.
  await eventually(() => healthy(true), "the Worker back", 60_000, 250);
}

/** Restarts the Worker runtime exactly as the stack started it. */
export async function restoreWorker() {
  await stopServer("wrangler", "SIGTERM");
  startServer("wrangler");
  await eventually(healthy, "the Worker back", 60_000, 250);
}
