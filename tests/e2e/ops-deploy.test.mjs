// What a deployer meets: the deploy script's preflight refuses each misconfiguration a
// first deploy gets wrong (before anything is uploaded) and lets a good one through to
// `wrangler deploy --dry-run`; its smoke check reports on a running deployment (here the
// test stack); and the Worker's log lines are JSON events an operator can search, with
// no key, token or message content in them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BASE_URL, admin, api, createRoom, post, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { eventually } from "../lib/poll.mjs";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "clawchat-deploy-"));
const GOOD = {
  UPSTASH_REDIS_REST_URL: "https://eu1-example-12345.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "AXXXexampletoken",
  API_KEY_SECRET: "0123456789abcdef".repeat(4),
};

/** Runs scripts/deploy.mjs; resolves {code, output} (stdout and stderr together). */
async function deployScript(...args) {
  try {
    const { stdout, stderr } = await run("node", ["scripts/deploy.mjs", ...args], { timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    if (err.code === undefined || typeof err.code === "string") throw err;
    return { code: err.code, output: err.stdout + err.stderr };
  }
}

function secretsFile(name, secrets, format = "env") {
  const file = join(dir, name);
  const text = format === "json"
    ? JSON.stringify(secrets)
    : Object.entries(secrets).map(([k, v]) => `${k}=${v}`).join("\n");
  writeFileSync(file, text);
  return file;
}

test("the preflight refuses each misconfiguration with what to do, and uploads nothing", async () => {
  const { UPSTASH_REDIS_REST_URL: _, ...noUrl } = GOOD;
  const { API_KEY_SECRET: __, ...noKeySecret } = GOOD;
  const { UPSTASH_REDIS_REST_TOKEN: ___, ...noToken } = GOOD;
  const cases = [
    ["no storage URL", noUrl, /UPSTASH_REDIS_REST_URL is missing.*wrangler secret put UPSTASH_REDIS_REST_URL/],
    ["no storage token", noToken, /UPSTASH_REDIS_REST_TOKEN is missing.*wrangler secret put UPSTASH_REDIS_REST_TOKEN/],
    ["no key secret", noKeySecret, /API_KEY_SECRET is missing.*wrangler secret put API_KEY_SECRET/],
    ["an http storage URL", { ...GOOD, UPSTASH_REDIS_REST_URL: "http://eu1-example-12345.upstash.io" }, /UPSTASH_REDIS_REST_URL must be an https:\/\/ URL/],
    ["a storage URL that is no URL", { ...GOOD, UPSTASH_REDIS_REST_URL: "eu1-example-12345.upstash.io" }, /UPSTASH_REDIS_REST_URL is not a URL/],
    ["a short key secret", { ...GOOD, API_KEY_SECRET: "hunter2" }, /API_KEY_SECRET is shorter than 32 characters.*openssl rand -hex 32/],
    ["a short admin token", { ...GOOD, ADMIN_TOKEN: "admin" }, /ADMIN_TOKEN is shorter than 32 characters/],
  ];
  for (const [what, secrets, expected] of cases) {
    for (const format of ["env", "json"]) {
      const file = secretsFile(`bad.${format}`, secrets, format);
      const { code, output } = await deployScript("--dry-run", "--secrets-file", file);
      assert.equal(code, 1, `${what} (${format}): ${output}`);
      assert.match(output, expected, `${what} (${format})`);
      assert.match(output, /nothing was uploaded/, what);
      assert.doesNotMatch(output, /Total Upload|dry-run: exiting/, `${what}: wrangler ran`);
      for (const value of Object.values(secrets)) {
        if (value.length > 8) assert.ok(!output.includes(value), `${what}: the output quotes a secret`);
      }
    }
  }
  const several = await deployScript("preflight", "--secrets-file", secretsFile("two.env", { ...noToken, API_KEY_SECRET: "short" }));
  assert.equal(several.code, 1);
  assert.match(several.output, /2 problems to fix/, "every problem at once, not one per attempt");
  const missing = await deployScript("--dry-run", "--secrets-file", join(dir, "absent.env"));
  assert.equal(missing.code, 1);
  assert.match(missing.output, /cannot read the secrets file/);
});

test("a well-formed configuration passes the preflight and wrangler's dry run, production and staging", async () => {
  const file = secretsFile("good.env", { ...GOOD, ADMIN_TOKEN: "f".repeat(40) });
  for (const env of [[], ["--env", "staging"]]) {
    const { code, output } = await deployScript("--dry-run", "--secrets-file", file, ...env);
    assert.equal(code, 0, output);
    assert.match(output, /every required secret present and well formed/);
    assert.match(output, /env\.ROOM_HUB \(RoomHub\)\s+Durable Object/);
    assert.match(output, /env\.INBOX_HUB \(InboxHub\)\s+Durable Object/);
    assert.match(output, /--dry-run: exiting now/);
  }
});

test("the smoke check reports what works on a running deployment", async () => {
  const { code, output } = await deployScript("smoke", BASE_URL);
  assert.equal(code, 0, output);
  for (const line of [/✓ GET \/api\/health: configured, Redis answers/, /✓ GET \/skill\.md/, /✓ GET \/: the observer page/, /✓ stream upgrade \/api\/global\/ws: upgraded, ready/]) {
    assert.match(output, line);
  }
  const nowhere = await deployScript("smoke", "http://127.0.0.1:9");
  assert.equal(nowhere.code, 1);
  assert.equal((nowhere.output.match(/✗/g) ?? []).length, 4, nowhere.output);
});

/** The JSON events in the Worker runtime's log, from `offset` on. */
function logEvents(offset) {
  // eslint-disable-next-line no-control-regex
  const text = readFileSync(join(process.env.STACK_DIR, "wrangler.log"), "utf8").slice(offset).replace(/\x1b\[[0-9;]*m/g, "");
  const events = [...text.matchAll(/\{"event":.*\}/g)].map((m) => JSON.parse(m[0]));
  return { text, events };
}

test("log lines are JSON events for operators, and never carry keys, tokens or content", async () => {
  const logFile = join(process.env.STACK_DIR, "wrangler.log");
  const offset = readFileSync(logFile, "utf8").length;
  const adminToken = process.env.ADMIN_TOKEN;
  const ip = uniqueIp();
  const registered = [];
  for (let i = 0; i < 6; i++) {
    registered.push(await api("POST", "/api/bots/register", { json: { name: unique("logs"), description: "logged" }, headers: { "CF-Connecting-IP": ip } }));
  }
  assert.equal(registered.at(-1).status, 429);
  const owner = await registerBot("logowner");
  const secret = unique("private words");
  const room = await createRoom(owner, { name: "short-lived", visibility: "private", ttl_seconds: 2 });
  await post(owner, room.id, secret);
  const spammer = await registerBot("logspam");
  const ban = await admin("POST", `/api/admin/bots/${spammer.bot.name}/ban`, { json: { reason: "logged ban" } });
  assert.equal(ban.status, 200, ban.text);

  const { text, events } = await eventually(() => {
    const found = logEvents(offset);
    return found.events.some((e) => e.event === "room_ended" && e.room_id === room.id) ? found : false;
  }, "the room_ended event", 15_000, 250);
  const limited = events.find((e) => e.event === "rate_limited" && e.limit === 5);
  assert.deepEqual(limited && Object.keys(limited).sort(), ["event", "level", "limit", "retry_after_seconds", "window_seconds"]);
  assert.equal(limited.level, "warn");
  const action = events.find((e) => e.event === "admin_action" && e.bot === spammer.bot.name);
  assert.equal(action?.action, "ban", JSON.stringify(events));
  assert.match(action.actor, /^admin:/, "the actor is the token's fingerprint");

  const secrets = [adminToken, owner.key, spammer.key, secret, ...registered.filter((r) => r.status === 201).map((r) => r.body.api_key)];
  for (const value of secrets) assert.ok(!text.includes(value), `the log holds ${value.slice(0, 12)}…`);
  assert.ok(!text.includes(ip), "the log holds a client address");
});
