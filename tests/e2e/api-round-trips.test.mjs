// Round trips to Redis, counted at the gateway: after each operation has run once (the
// first EVALSHA of a script may need an EVAL too), posting a message, reading messages,
// `me` and the inbox cost exactly one request; every other endpoint (agents' and
// operators' included) at most two. Requests refused before storage cost none. Every
// answer carries Server-Timing. Prints the table (endpoint → requests, commands).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { admin, api, registerBot, createRoom, post, unique, uniqueIp, gatewayStats, openStream, storageRequests } from "../lib/client.mjs";
import { sleep } from "../lib/poll.mjs";
import { registerBots } from "./api-helpers.mjs";

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
    if (label === "GET /api/global/ws (upgrade)") {
      // Anonymous: none when the room's hub is live and admits it by itself (below).
      assert.ok(requests <= 1, `${label}: ${requests} requests`);
      continue;
    }
    assert.ok(requests >= 1 && requests <= 2, `${label}: ${requests} requests`);
    if (label.includes("/ws")) assert.equal(requests, 1, `${label}: ${requests} requests`);
  }
});

test("anonymous observers arriving at a watched public room cost Redis nothing", async () => {
  const host = await registerBot("rtcrowd");
  const crowdRoom = await createRoom(host, { name: "a crowd arrives", ttl_seconds: 3600 });
  await post(host, crowdRoom.id, "before the crowd");
  // The first observer is checked against Redis; the hub remembers the room.
  const first = await openStream(`/api/rooms/${crowdRoom.id}/ws`);
  await first.next((f) => f.type === "ready");
  await sleep(SETTLE_MS);
  const before = await gatewayStats();
  const crowd = await Promise.all(
    Array.from({ length: 25 }, async () => {
      const stream = await openStream(`/api/rooms/${crowdRoom.id}/ws`);
      stream.ready = await stream.next((f) => f.type === "ready");
      return stream;
    }),
  );
  await sleep(SETTLE_MS);
  const requests = (await gatewayStats()).requests - before.requests;
  table.push({ endpoint: "25 anonymous upgrades of a watched room", requests, commands: "", trials: "1" });
  assert.equal(requests, 0, `${requests} Redis requests for 25 anonymous observers`);
  for (const stream of crowd) {
    assert.equal(stream.ready.viewer, "observer");
    assert.equal(stream.ready.last_seq, 1);
    assert.equal(stream.ready.room.id, crowdRoom.id);
  }
  const fresh = await post(host, crowdRoom.id, "hello, crowd");
  await Promise.all(crowd.map((stream) => stream.next((f) => f.type === "message" && f.message.id === fresh.id)));
  // A private room's observers are still checked (and get activity only).
  const priv = await createRoom(host, { name: "private crowd", visibility: "private", ttl_seconds: 3600 });
  const watcher = await openStream(`/api/rooms/${priv.id}/ws`);
  await watcher.next((f) => f.type === "ready");
  const beforePrivate = await gatewayStats();
  const late = await openStream(`/api/rooms/${priv.id}/ws`);
  await late.next((f) => f.type === "ready");
  assert.equal((await gatewayStats()).requests - beforePrivate.requests, 1, "a private room's observer is checked");
  for (const stream of [first, ...crowd, watcher, late]) stream.close();
});

test("agents' and operators' endpoints: reading the inbox is one round trip, every other at most two", async () => {
  const [agent, target, spammer] = await registerBots(3, "rtag");
  const blockees = await registerBots(TRIALS + 1, "rtblk");
  for (const b of blockees) ok(await api("POST", "/api/bots/me/blocks", { key: agent.key, json: { bot: b.bot.name } }));
  const doomed = [];
  for (let i = 0; i <= TRIALS; i++) doomed.push(await createRoom(owner, { name: `ends ${i}` }));
  const bad = [];
  for (let i = 0; i <= TRIALS; i++) bad.push(await post(spammer, room.id, `reportable ${i}`));
  await post(owner, room.id, `@${agent.bot.name} something for the inbox`);
  let recovering = await api("POST", "/api/bots/register", { json: { name: unique("rtrec"), description: "counted" }, headers: { "CF-Connecting-IP": uniqueIp() } });
  ok(recovering, 201);
  recovering = { name: recovering.body.bot.name, code: recovering.body.recovery_code };
  const endpoints = [
    ["GET /api/bots/me/inbox", () => api("GET", "/api/bots/me/inbox?after=0", { key: agent.key }).then(ok), 1],
    ["GET /api/bots/me/blocks", () => api("GET", "/api/bots/me/blocks", { key: agent.key }).then(ok)],
    ["POST /api/bots/me/blocks", () => api("POST", "/api/bots/me/blocks", { key: agent.key, json: { bot: target.bot.name } }).then(ok)],
    ["DELETE /api/bots/me/blocks/:name", (i) => api("DELETE", `/api/bots/me/blocks/${blockees[i].bot.name}`, { key: agent.key }).then(ok)],
    ["GET /api/bots/:name", () => api("GET", `/api/bots/${owner.bot.name}`).then(ok)],
    ["POST /api/bots/recover", async () => {
      const res = ok(await api("POST", "/api/bots/recover", { json: { name: recovering.name, recovery_code: recovering.code }, headers: { "CF-Connecting-IP": uniqueIp() } }));
      recovering.code = res.body.recovery_code;
    }],
    ["GET /api/stats", () => api("GET", "/api/stats").then(ok)],
    ["POST /api/rooms/:id/messages/:seq/report", (i) => api("POST", `/api/rooms/${room.id}/messages/${bad[i].seq}/report`, { key: agent.key, json: { reason: "spam" } }).then((r) => ok(r, 202))],
    ["POST /api/admin/bots/:name/ban", () => admin("POST", `/api/admin/bots/${spammer.bot.name}/ban`, { json: { reason: "counted" } }).then(ok)],
    ["POST /api/admin/bots/:name/unban", () => admin("POST", `/api/admin/bots/${spammer.bot.name}/unban`).then(ok)],
    ["DELETE /api/admin/rooms/:id/messages/:seq", (i) => admin("DELETE", `/api/admin/rooms/${room.id}/messages/${bad[i].seq}`).then(ok)],
    ["DELETE /api/admin/rooms/:id", (i) => admin("DELETE", `/api/admin/rooms/${doomed[i].id}`).then(ok)],
    ["GET /api/admin/reports", () => admin("GET", "/api/admin/reports?limit=10").then(ok)],
    ["GET /api/admin/audit", () => admin("GET", "/api/admin/audit?limit=10").then(ok)],
  ];
  for (const [label, op, exact] of endpoints) {
    const { requests } = await measure(label, op, { settle: label.startsWith("GET") ? 30 : SETTLE_MS });
    if (exact) assert.equal(requests, exact, `${label}: ${requests} requests`);
    else assert.ok(requests >= 1 && requests <= 2, `${label}: ${requests} requests`);
  }
});

test("conversation: reacting, editing, threads and who reacted are one round trip; typing and presence none while the hub holds the caller's stream", async () => {
  const [author, reactor, stranger] = await registerBots(3, "rtconv");
  const typers = await registerBots(TRIALS + 1, "rttype");
  const convRoom = await createRoom(author, { name: "conversation counted", ttl_seconds: 3600 });
  const edits = [];
  for (let i = 0; i <= TRIALS; i++) edits.push(await post(author, convRoom.id, `edit me ${i}`));
  const root = await post(author, convRoom.id, "a thread");
  await post(reactor, convRoom.id, "in it", { reply_to: root.seq });
  const faces = ["😀", "😃", "😄"].map(encodeURIComponent);
  const reaction = (i) => `/api/rooms/${convRoom.id}/messages/${root.seq}/reactions/${faces[i]}`;
  const exact = [
    ["PUT /api/rooms/:id/messages/:seq/reactions/:emoji", (i) => api("PUT", reaction(i), { key: reactor.key }).then(ok)],
    ["DELETE /api/rooms/:id/messages/:seq/reactions/:emoji", (i) => api("DELETE", reaction(i), { key: reactor.key }).then(ok)],
    ["GET /api/rooms/:id/messages/:seq/reactions/:emoji", () => api("GET", reaction(0)).then(ok)],
    ["PATCH /api/rooms/:id/messages/:seq", (i) => api("PATCH", `/api/rooms/${convRoom.id}/messages/${edits[i].seq}`, { key: author.key, json: { content: `edited ${i}` } }).then(ok)],
    ["GET /api/rooms/:id/messages/:seq/thread", () => api("GET", `/api/rooms/${convRoom.id}/messages/${root.seq}/thread`).then(ok)],
    ["POST /api/rooms/:id/typing (no stream of the caller)", () => api("POST", `/api/rooms/${convRoom.id}/typing`, { key: stranger.key }).then((r) => ok(r, 204))],
  ];
  for (const [label, op] of exact) {
    const { requests } = await measure(label, op, { settle: label.startsWith("GET") ? 30 : SETTLE_MS });
    assert.equal(requests, 1, `${label}: ${requests} requests`);
  }
  // With streams open, the room's hub vouches for their bots and knows the room public.
  const streams = [];
  for (const bot of [reactor, ...typers]) {
    const stream = await openStream(`/api/rooms/${convRoom.id}/ws`, { key: bot.key });
    await stream.next((f) => f.type === "ready");
    streams.push(stream);
  }
  const free = [
    ["POST /api/rooms/:id/typing (the caller streams the room)", (i) => api("POST", `/api/rooms/${convRoom.id}/typing`, { key: typers[i].key }).then((r) => ok(r, 204))],
    ["GET /api/rooms/:id/presence (the caller streams the room)", () => api("GET", `/api/rooms/${convRoom.id}/presence`, { key: reactor.key }).then(ok)],
    ["GET /api/rooms/:id/presence (anonymous, watched public room)", () => api("GET", `/api/rooms/${convRoom.id}/presence`).then(ok)],
  ];
  for (const [label, op] of free) {
    const { requests } = await measure(label, op, { settle: SETTLE_MS });
    assert.equal(requests, 0, `${label}: ${requests} requests`);
  }
  const seen = await streams[0].next((f) => f.type === "typing" && f.bot.id === typers[1].bot.id);
  assert.equal(seen.room_id, convRoom.id, "the typing that cost nothing went out");
  for (const stream of streams) stream.close();
});

test("every API answer says where its time went (Server-Timing: storage time and round trips, total)", async () => {
  const timing = (res) => {
    const header = res.headers.get("server-timing");
    assert.ok(header, `no Server-Timing on ${res.status}`);
    const parts = Object.fromEntries(header.split(",").map((part) => {
      const [name, ...params] = part.trim().split(";");
      const dur = params.map((p) => p.trim()).find((p) => p.startsWith("dur="));
      return [name, Number(dur?.slice(4))];
    }));
    assert.ok(Number.isFinite(parts.storage) && parts.storage >= 0, header);
    assert.ok(Number.isFinite(parts.total) && parts.total >= parts.storage, header);
    return parts;
  };
  // The count it reports is the gateway's: other traffic (a room of another test
  // ending) can only add to the gateway's side, so the cheapest of three trials counts.
  const trials = [];
  let readRes;
  for (let i = 0; i < 3; i++) {
    const before = await gatewayStats();
    readRes = ok(await api("GET", `/api/rooms/${room.id}/messages`, { key: owner.key }));
    const seen = (await gatewayStats()).requests - before.requests;
    assert.ok(storageRequests(readRes) <= seen, `it reports ${storageRequests(readRes)} round trips, the gateway saw ${seen}`);
    trials.push(seen);
  }
  assert.equal(storageRequests(readRes), Math.min(...trials), "it reports the round trips the gateway saw");
  const read = timing(readRes);
  assert.ok(read.storage > 0, "a read that went to Redis reports time in storage");
  timing(ok(await api("POST", "/api/global/messages", { key: owner.key, json: { content: unique("timed") } }), 201));
  const refusedRes = await api("GET", "/api/nope");
  const refused = timing(refusedRes);
  assert.equal(refused.storage, 0, "a request refused before storage spent nothing there");
  assert.equal(storageRequests(refusedRes), 0);
  const exposed = (await api("GET", "/api/health", { headers: { Origin: "https://example.com" } })).headers.get("access-control-expose-headers");
  assert.match(exposed ?? "", /Server-Timing/i, "browsers may read it too");
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
