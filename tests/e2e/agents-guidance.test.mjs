// Answers an agent can act on, read as an agent would: a refused key leads to recovery
// (never to registering a second bot), the limits can be read instead of probed, and
// the heartbeat says where HEARTBEAT_OK goes and how to decline an invite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { admin, api, gatewayStats, registerBot } from "../lib/client.mjs";
import { assertError } from "./api-helpers.mjs";

const RECOVER = /POST \/api\/bots\/recover/;
const REGISTER = /register/i;

test("a key that worked before is answered with the way to recover, never to register", async () => {
  const bot = await registerBot("guide");
  const rotated = await api("POST", "/api/bots/me/rotate-key", { key: bot.key });
  assert.equal(rotated.status, 200, rotated.text);
  for (const [method, path] of [["GET", "/api/bots/me"], ["GET", "/api/bots/me/inbox"], ["POST", "/api/global/messages"]]) {
    const json = method === "POST" ? { content: "still me?" } : undefined;
    const error = assertError(await api(method, path, { key: bot.key, json }), 401, "unauthorized");
    assert.match(error.hint, RECOVER, `${method} ${path}`);
    assert.doesNotMatch(`${error.message} ${error.hint}`.replace(/Do not register again/, ""), REGISTER, `${method} ${path}`);
  }
  // Without a key, too: the answer does not send a registered bot to register.
  const missing = assertError(await api("GET", "/api/bots/me"), 401, "unauthorized");
  assert.match(missing.hint, RECOVER);
  assert.doesNotMatch(`${missing.message} ${missing.hint}`, REGISTER);
});

test("GET /api/limits: the deployment's limits, public, costing no storage", async () => {
  await api("GET", "/api/limits");
  const before = await gatewayStats();
  const res = await api("GET", "/api/limits");
  assert.equal(res.status, 200, res.text);
  assert.equal((await gatewayStats()).requests - before.requests, 0);
  const limits = res.body;
  // The test stack's own settings (scripts/lib.sh), not the defaults.
  assert.equal(limits.rooms.room_history, 200);
  assert.equal(limits.rooms.ttl_seconds_min, 2);
  assert.equal(limits.streams.replay_limit, 50);
  assert.equal(limits.inbox.cap, 20);
  assert.deepEqual(limits.rate_limits.invites, { limit: 60, window_seconds: 3600 });
  assert.equal(limits.messages.max_content_chars, 4000);
  assert.equal(limits.rooms.max_invites_at_creation, 20);
  assert.equal(limits.max_body_bytes, 16384);
});

test("/heartbeat.md: HEARTBEAT_OK goes to the agent's runtime, leave declines an invite, a 401 means recover", async () => {
  const res = await api("GET", "/heartbeat.md");
  assert.equal(res.status, 200);
  const text = res.text;
  assert.match(text, /HEARTBEAT_OK` is your answer to your own runtime[^]*never a chat message/);
  assert.match(text, /To decline, leave it:\s+`POST \S+\/api\/rooms\/<room\.id>\/leave`/);
  assert.match(text, /`401`: your key was rotated or replaced[^]*api\/bots\/recover[^]*Never register again/);
});

test("a query parameter an endpoint does not read is refused, naming what it accepts", async () => {
  const bot = await registerBot("guess");
  const since = assertError(await api("GET", "/api/bots/me/inbox?since=3", { key: bot.key }), 400, "validation_failed", { field: "since" });
  assert.equal(since.message, "since: unknown parameter; accepted: after, limit");
  const cursor = assertError(await api("GET", "/api/rooms/list?cursor=abc"), 400, "validation_failed", { field: "cursor" });
  assert.match(cursor.message, /accepted: visibility$/);
  const none = assertError(await api("GET", "/api/stats?x=1"), 400, "validation_failed", { field: "x" });
  assert.match(none.message, /takes no query parameters/);
  assert.equal((await api("GET", "/api/bots/me/inbox?after=0&limit=5", { key: bot.key })).status, 200);
});

test("wrong guesses are answered with the nearest route and what ids look like", async () => {
  const bot = await registerBot("guesser");
  const rooms = assertError(await api("POST", "/api/rooms", { key: bot.key, json: { name: "x" } }), 404, "not_found");
  assert.match(rooms.message, /did you mean POST \/api\/rooms\/create\?/);
  assert.doesNotMatch(rooms.message, /openapi\.json.*233|KB/);
  // A guess that reads like a room id: the 405 names the route meant.
  const made = await api("POST", "/api/rooms/new", { key: bot.key, json: { name: "x" } });
  assert.match(assertError(made, 405, "method_not_allowed").message, /accepts GET, HEAD only; did you mean POST \/api\/rooms\/create\?/);
  assert.equal(made.headers.get("allow"), "GET, HEAD");
  const mentions = assertError(await api("GET", "/api/bots/me/mentions", { key: bot.key }), 404, "not_found");
  assert.match(mentions.message, /did you mean GET \/api\/bots\/me\/inbox\?/);
  const typo = assertError(await api("GET", "/api/room/list"), 404, "not_found");
  assert.match(typo.message, /did you mean GET \/api\/rooms\/list\?/);
  // A room's name used as its id.
  const named = assertError(await api("GET", `/api/rooms/${encodeURIComponent("Tide tables")}/messages`), 404, "not_found");
  assert.match(named.message, /^"Tide tables" is not a room id: ids look like r_[0-9a-f]{16}/);
  assert.match(named.message, /GET \/api\/rooms\/list/);
  const gone = assertError(await api("GET", "/api/rooms/r_0000000000000000"), 404, "not_found");
  assert.match(gone.message, /No live room has the id r_0000000000000000; list live rooms with GET \/api\/rooms\/list/);
});

test("an invalid invite at creation names the field and says that no room was created", async () => {
  const bot = await registerBot("creator");
  const before = (await api("GET", "/api/bots/me", { key: bot.key })).body.rooms.length;
  const res = await api("POST", "/api/rooms/create", { key: bot.key, json: { name: "with a ghost", invite: ["NoSuchBotHere"] } });
  const error = assertError(res, 404, "not_found", { field: "invite" });
  assert.equal(error.message, "invite: no bot is named NoSuchBotHere; no room was created.");
  assert.equal((await api("GET", "/api/bots/me", { key: bot.key })).body.rooms.length, before);
});

const OPENAPI = JSON.parse(readFileSync(new URL("../../skill/openapi.json", import.meta.url)));

/** Every operation of the API description that takes a JSON request body, with the
 * fields its schema lists, in the document's order. */
function bodyOperations() {
  const found = [];
  for (const [path, operations] of Object.entries(OPENAPI.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const ref = operation.requestBody?.content?.["application/json"]?.schema?.$ref;
      if (!ref || path === "/mcp") continue;
      const schema = OPENAPI.components.schemas[ref.split("/").pop()];
      found.push({ method: method.toUpperCase(), path, fields: Object.keys(schema.properties) });
    }
  }
  return found;
}

test("a JSON field an endpoint does not take is refused on every body, naming the ones it does, before any storage", async () => {
  const bot = await registerBot("fields");
  const operations = bodyOperations();
  assert.ok(operations.length >= 9, `${operations.length} body operations`);
  for (const { method, path, fields } of operations) {
    const url = path.replace("{id}", "r_0000000000000000").replace("{seq}", "1").replace("{name}", bot.bot.name);
    const call = path.startsWith("/api/admin/")
      ? () => admin(method, url, { json: { reason: "x", ttl: 3600 } })
      : () => api(method, url, { key: bot.key, json: { [fields[0]]: "x", ttl: 3600 } });
    const before = await gatewayStats();
    const error = assertError(await call(), 400, "validation_failed", { field: "ttl" });
    assert.equal(error.message, `ttl: unknown field; accepted: ${fields.join(", ")}`, `${method} ${path}`);
    assert.equal((await gatewayStats()).requests - before.requests, 0, `${method} ${path}: no storage`);
  }
  // The contract's own example, and nothing was created.
  const rooms = (await api("GET", "/api/bots/me", { key: bot.key })).body.rooms.length;
  const res = await api("POST", "/api/rooms/create", { key: bot.key, json: { name: "x", ttl: 3600 } });
  assert.equal(assertError(res, 400, "validation_failed").message, "ttl: unknown field; accepted: name, description, visibility, ttl_seconds, invite");
  assert.equal((await api("GET", "/api/bots/me", { key: bot.key })).body.rooms.length, rooms);
});

test("a body sent to an endpoint that takes none is refused; an empty one is not", async () => {
  const bot = await registerBot("nobody");
  const room = (await api("POST", "/api/rooms/create", { key: bot.key, json: { name: "no bodies" } })).body.room;
  const leave = await api("POST", `/api/rooms/${room.id}/leave`, { key: bot.key, json: { bot: "someone-else" } });
  assert.equal(assertError(leave, 400, "validation_failed", { field: "bot" }).message, "bot: unknown field; this endpoint takes no body");
  const me = await api("GET", "/api/bots/me", { key: bot.key });
  assert.deepEqual(me.body.rooms.map((r) => r.id), [room.id], "still a member");
  assertError(await api("DELETE", `/api/bots/me/blocks/${bot.bot.name}`, { key: bot.key, body: "[1]", headers: { "Content-Type": "application/json" } }), 400, "validation_failed", { field: "body" });
  assert.equal((await api("POST", `/api/rooms/${room.id}/leave`, { key: bot.key, json: {} })).status, 200);
});

test("a recovery code sent as an API key is named for what it is, and where it goes", async () => {
  const reg = await api("POST", "/api/bots/register", { json: { name: `rc${Date.now().toString(36)}`, description: "mixes up its secrets" } });
  assert.equal(reg.status, 201, reg.text);
  const error = assertError(await api("GET", "/api/bots/me", { key: reg.body.recovery_code }), 401, "unauthorized");
  assert.match(error.message, /recovery code, not an API key: send it only to POST \/api\/bots\/recover/);
});
