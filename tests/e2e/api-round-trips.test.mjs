// Round trips to Redis, counted at the gateway: after each operation has run once (the
// first EVALSHA of a script may need an EVAL too), posting a message, reading messages
// and `me` cost exactly one request; every other endpoint at most two. Requests refused
// before storage cost none. Prints the table (endpoint → requests, commands) at the end.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { api, registerBot, createRoom, post, unique, uniqueIp, gatewayStats, openStream } from "../lib/client.mjs";
import { registerBots, sleep } from "./api-helpers.mjs";

/** How long to wait after an answer for background work (live delivery) to finish. */
const SETTLE_MS = 150;
const TRIALS = 2;
const table = [];

/**
 * Runs `op` once to warm it, then TRIALS times between two reads of the gateway's
 * counters. Records the cheapest trial (other traffic can only add requests) and all of
 * them. `op(i)` gets the trial number (0 is the warm-up).
 */
async function measure(label, op, { settle = SETTLE_MS } = {}) {
  await op(0);
  await sleep(settle);
  const trials = [];
  for (let i = 1; i <= TRIALS; i++) {
    const before = await gatewayStats();
    await op(i);
    await sleep(settle);
    const afterStats = await gatewayStats();
    trials.push({ requests: afterStats.requests - before.requests, commands: afterStats.commands - before.commands });
  }
  const best = trials.reduce((a, b) => (b.requests < a.requests ? b : a));
  table.push({ endpoint: label, ...best, trials: trials.map((t) => t.requests).join("/") });
  return best;
}

function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res;
}

let owner, reader, room, priv;
const joiners = [];

test("set-up", async () => {
  [owner, reader] = await registerBots(2, "rt");
  room = await createRoom(owner, { name: "round trips" });
  priv = await createRoom(owner, { name: "private round trips", visibility: "private", invite: [reader.bot.name] });
  for (let i = 0; i < 3; i++) await post(owner, room.id, `seed ${i}`);
  await post(reader, priv.id, "seed");
  joiners.push(...(await registerBots(TRIALS + 1, "rtj")));
});

test("exactly one round trip: post a message, read messages, me", async () => {
  let n = 0;
  const exact = [
    ["POST /api/rooms/:id/messages", () => api("POST", `/api/rooms/${room.id}/messages`, { key: owner.key, json: { content: `counted ${n++}` } }).then((r) => ok(r, 201))],
    ["POST /api/rooms/:id/messages (private, reply, mention)", () => api("POST", `/api/rooms/${priv.id}/messages`, { key: reader.key, json: { content: `@${owner.bot.name} counted ${n++}`, reply_to: 1 } }).then((r) => ok(r, 201))],
    ["POST /api/global/messages", () => api("POST", "/api/global/messages", { key: reader.key, json: { content: `counted ${n++}` } }).then((r) => ok(r, 201))],
    ["GET /api/rooms/:id/messages", () => api("GET", `/api/rooms/${room.id}/messages`).then(ok)],
    ["GET /api/rooms/:id/messages (member, after)", () => api("GET", `/api/rooms/${priv.id}/messages?after=0`, { key: reader.key }).then(ok)],
    ["GET /api/global/messages", () => api("GET", "/api/global/messages?limit=100").then(ok)],
    ["GET /api/global/messages (bot, before)", () => api("GET", "/api/global/messages?before=2", { key: owner.key }).then(ok)],
    ["GET /api/bots/me", () => api("GET", "/api/bots/me", { key: owner.key }).then(ok)],
  ];
  for (const [label, op] of exact) {
    const { requests } = await measure(label, op, { settle: label.startsWith("POST") ? SETTLE_MS : 30 });
    assert.equal(requests, 1, `${label}: ${requests} requests`);
  }
});

test("at most two round trips for every other endpoint", async () => {
  let rotating = await registerBot("rtrot");
  const inviteTargets = await registerBots(TRIALS + 1, "rtinv");
  const leavers = await registerBots(TRIALS + 1, "rtl");
  for (const l of leavers) ok(await api("POST", `/api/rooms/${room.id}/join`, { key: l.key }));
  const creators = await registerBots(1, "rtc");
  const others = [
    ["GET /api/health", () => api("GET", "/api/health").then(ok)],
    ["POST /api/bots/register", () => api("POST", "/api/bots/register", { json: { name: unique("rtreg"), description: "counted" }, headers: { "CF-Connecting-IP": uniqueIp() } }).then((r) => ok(r, 201))],
    ["POST /api/bots/me/rotate-key", async () => {
      const res = ok(await api("POST", "/api/bots/me/rotate-key", { key: rotating.key }));
      rotating = { ...rotating, key: res.body.api_key };
    }],
    ["GET /api/bots", () => api("GET", "/api/bots?limit=20").then(ok)],
    ["GET /api/global/info", () => api("GET", "/api/global/info").then(ok)],
    ["GET /api/rooms/global", () => api("GET", "/api/rooms/global").then(ok)],
    ["POST /api/rooms/create", () => api("POST", "/api/rooms/create", { key: creators[0].key, json: { name: "counted", invite: [reader.bot.name] } }).then((r) => ok(r, 201))],
    ["GET /api/rooms/list", () => api("GET", "/api/rooms/list").then(ok)],
    ["GET /api/rooms/:id", () => api("GET", `/api/rooms/${room.id}`).then(ok)],
    ["GET /api/rooms/:id (member of private)", () => api("GET", `/api/rooms/${priv.id}`, { key: reader.key }).then(ok)],
    ["POST /api/rooms/:id/invite", (i) => api("POST", `/api/rooms/${priv.id}/invite`, { key: owner.key, json: { bot: inviteTargets[i].bot.name } }).then(ok)],
    ["POST /api/rooms/:id/join", (i) => api("POST", `/api/rooms/${room.id}/join`, { key: joiners[i].key }).then(ok)],
    ["POST /api/rooms/:id/leave", (i) => api("POST", `/api/rooms/${room.id}/leave`, { key: leavers[i].key }).then(ok)],
    ["GET /api/rooms/:id/ws (upgrade)", async () => {
      const stream = await openStream(`/api/rooms/${room.id}/ws`, { key: reader.key });
      await stream.next((f) => f.type === "ready");
      stream.close();
    }],
    ["GET /api/global/ws (upgrade)", async () => {
      const stream = await openStream("/api/global/ws");
      await stream.next((f) => f.type === "ready");
      stream.close();
    }],
  ];
  const background = /(POST \/api\/rooms|\/ws)/;
  for (const [label, op] of others) {
    const { requests } = await measure(label, op, { settle: background.test(label) ? SETTLE_MS : 30 });
    assert.ok(requests >= 1 && requests <= 2, `${label}: ${requests} requests`);
    if (label.includes("/ws")) assert.equal(requests, 1, `${label}: ${requests} requests`);
  }
});

test("requests refused before storage cost no round trip", async () => {
  const refusals = [
    ["400 validation (content)", () => api("POST", `/api/rooms/${room.id}/messages`, { key: owner.key, json: { content: "" } }), 400],
    ["400 invalid_json", () => api("POST", "/api/global/messages", { key: owner.key, body: "{", headers: { "Content-Type": "application/json" } }), 400],
    ["400 paging (limit)", () => api("GET", `/api/rooms/${room.id}/messages?limit=0`), 400],
    ["401 missing key", () => api("POST", "/api/global/messages", { json: { content: "x" } }), 401],
    ["401 malformed key", () => api("GET", "/api/bots/me", { headers: { Authorization: "Bearer nope" } }), 401],
    ["404 malformed room id", () => api("GET", "/api/rooms/not-a-room"), 404],
    ["404 unknown path", () => api("GET", "/api/nope"), 404],
    ["405 wrong method", () => api("DELETE", "/api/global/messages"), 405],
    ["413 too large", () => api("POST", "/api/global/messages", { key: owner.key, body: JSON.stringify({ content: "x".repeat(20000) }), headers: { "Content-Type": "application/json" } }), 413],
    ["415 not JSON", () => api("POST", "/api/global/messages", { key: owner.key, body: "x", headers: { "Content-Type": "text/plain" } }), 415],
    ["426 no upgrade", () => api("GET", `/api/rooms/${room.id}/ws`), 426],
  ];
  for (const [label, op, status] of refusals) {
    const { requests } = await measure(`refused: ${label}`, async () => assert.equal((await op()).status, status), { settle: 30 });
    assert.equal(requests, 0, `${label}: ${requests} requests`);
  }
});

after(() => {
  const rows = table.map((r) => `| \`${r.endpoint}\` | ${r.requests} | ${r.commands} |`);
  console.log(["", "Redis round trips per request (after warm-up; gateway counters):", "", "| endpoint | requests | commands |", "|---|---|---|", ...rows, ""].join("\n"));
  console.log(`trials (requests per run): ${table.map((r) => `${r.endpoint}=${r.trials}`).join("; ")}`);
});
