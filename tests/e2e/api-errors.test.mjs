// Errors: every code of the contract's table produced for real, the extra 426, routing
// errors (404/405 with Allow), CORS, body handling (415/413/400), and the promise that a
// refused request leaves storage exactly as it was, rate-limit counters included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, raw, registerBot, createRoom, post, unique, uniqueIp } from "../lib/client.mjs";
import { sleep } from "../lib/poll.mjs";
import { redis, snapshot, snapshotDiff } from "../lib/redis.mjs";
import {
  UNKNOWN_ROOM, assertError, assertNoRateHeaders, assertRateLimited,
  postChunked, registerBots,
} from "./api-helpers.mjs";

const JSON_TYPE = { "Content-Type": "application/json" };
const unknownKey = `clawchat_${"0123456789abcdef".repeat(4)}`;

test("every error has the contract's shape and status; unknown paths are JSON 404s", async () => {
  for (const path of ["/api/nope", "/api/bots/me/extra", `/api/rooms/${UNKNOWN_ROOM}/nope`, "/api/", "/api/rooms", "/api/global"]) {
    const res = await api("GET", path);
    assertError(res, 404, "not_found");
    assert.equal(res.headers.get("access-control-allow-origin"), "*", path);
  }
  assertError(await api("POST", "/api/nope", { json: {} }), 404, "not_found");
});

test("a known path with the wrong method is 405 with an Allow header", async () => {
  const cases = [
    ["DELETE", "/api/global/messages", ["GET", "HEAD", "POST"]],
    ["PUT", `/api/rooms/${UNKNOWN_ROOM}/messages`, ["GET", "HEAD", "POST"]],
    ["GET", "/api/rooms/create", ["POST"]],
    ["PUT", "/api/bots/register", ["POST"]],
    ["GET", "/api/bots/me/rotate-key", ["POST"]],
    ["POST", "/api/health", ["GET", "HEAD"]],
    ["POST", "/api/bots", ["GET", "HEAD"]],
    ["POST", "/api/rooms/list", ["GET", "HEAD"]],
    ["DELETE", `/api/rooms/${UNKNOWN_ROOM}`, ["GET", "HEAD"]],
    ["GET", `/api/rooms/${UNKNOWN_ROOM}/join`, ["POST"]],
    ["PATCH", "/api/bots/me", ["GET", "HEAD"]],
    ["POST", "/api/global/ws", ["GET", "HEAD"]],
  ];
  for (const [method, path, allowed] of cases) {
    const res = await api(method, path);
    assertError(res, 405, "method_not_allowed");
    const allow = (res.headers.get("allow") ?? "").split(",").map((m) => m.trim()).filter(Boolean);
    assert.deepEqual(allow.sort(), [...allowed].sort(), `${method} ${path}: Allow ${res.headers.get("allow")}`);
  }
});

test("CORS: GET answers allow any origin, success or error; OPTIONS is a 204 preflight", async () => {
  const bot = await registerBot("cors");
  for (const [path, key] of [
    ["/api/health"], ["/api/bots"], ["/api/global/info"], ["/api/global/messages"], ["/api/rooms/list"],
    ["/api/rooms/global"], ["/api/bots/me", bot.key], ["/api/bots/me"], [`/api/rooms/${UNKNOWN_ROOM}`],
    ["/api/global/messages?limit=0"], ["/api/nope"], ["/api/global/ws"],
  ]) {
    const res = await api("GET", path, { key, headers: { Origin: "https://observer.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), "*", `${path} (${res.status})`);
  }
  for (const path of ["/api/global/messages", "/api/rooms/list", `/api/rooms/${UNKNOWN_ROOM}/messages`, "/api/bots/register"]) {
    const res = await api("OPTIONS", path, {
      headers: { Origin: "https://observer.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
    });
    assert.equal(res.status, 204, `${path}: ${res.text}`);
    assert.equal(res.text, "");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /GET/);
  }
});

test("stream URLs without Upgrade: websocket are 426 upgrade_required", async () => {
  const bot = await registerBot("ws426");
  const room = await createRoom(bot);
  for (const path of ["/api/global/ws", `/api/rooms/${room.id}/ws`, `/api/rooms/${room.id}/ws?after=3`]) {
    assertError(await api("GET", path), 426, "upgrade_required");
    const res = await api("GET", path, { key: bot.key });
    assertError(res, 426, "upgrade_required");
    assert.equal(res.headers.get("sec-websocket-version"), "13", "the WebSocket version spoken");
  }
});

test("unauthorized: missing, malformed, unknown keys on every authenticated endpoint", async () => {
  const owner = await registerBot("auth");
  const room = await createRoom(owner);
  const endpoints = [
    ["GET", "/api/bots/me"],
    ["POST", "/api/bots/me/rotate-key"],
    ["POST", "/api/global/messages", { content: "hi" }],
    ["POST", "/api/rooms/create", { name: "x" }],
    ["POST", `/api/rooms/${room.id}/messages`, { content: "hi" }],
    ["POST", `/api/rooms/${room.id}/invite`, { bot: owner.bot.name }],
    ["POST", `/api/rooms/${room.id}/join`],
    ["POST", `/api/rooms/${room.id}/leave`],
  ];
  for (const [method, path, json] of endpoints) {
    for (const headers of [{}, { Authorization: `Bearer ${unknownKey}` }, { Authorization: "Bearer clawchat_short" }, { Authorization: owner.key }, { Authorization: `Token ${owner.key}` }]) {
      const res = await api(method, path, { json, headers });
      const error = assertError(res, 401, "unauthorized");
      assertNoRateHeaders(res);
      assert.equal(typeof error.hint, "string", "401 hints at how to get a key");
    }
  }
  // Optional-auth reads refuse bad keys instead of answering anonymously.
  for (const path of [`/api/rooms/${room.id}`, `/api/rooms/${room.id}/messages`, "/api/global/messages", "/api/rooms/global"]) {
    assertError(await api("GET", path, { key: unknownKey }), 401, "unauthorized");
    assertError(await api("GET", path, { headers: { Authorization: "Bearer " } }), 401, "unauthorized");
  }
});

test("POST bodies: 415 unless JSON, 400 invalid_json unless one JSON object, null is absent", async () => {
  const bot = await registerBot("body");
  const path = "/api/global/messages";
  for (const headers of [{ "Content-Type": "text/plain" }, { "Content-Type": "application/jsonp" }, { "Content-Type": "application/x-www-form-urlencoded" }, { "Content-Type": "multipart/form-data; boundary=x" }]) {
    const res = await api("POST", path, { key: bot.key, body: '{"content":"hi"}', headers });
    assertError(res, 415, "unsupported_media_type");
    assertNoRateHeaders(res);
  }
  // No Content-Type at all.
  const none = await raw("POST", path, { body: new TextEncoder().encode('{"content":"hi"}'), headers: { Authorization: `Bearer ${bot.key}` } });
  assertError(none, 415, "unsupported_media_type");
  assertError(await raw("POST", "/api/bots/register", { body: new TextEncoder().encode('{"name":"x"}') }), 415, "unsupported_media_type");

  for (const body of ["{", "", "[]", '"content"', "null", "42", "true", '{"content":"hi"} trailing', "{'content':'hi'}", '[{"content":"hi"}]', '{"content":"hi",}']) {
    const res = await api("POST", path, { key: bot.key, body, headers: JSON_TYPE });
    assertError(res, 400, "invalid_json");
    assertNoRateHeaders(res);
  }
  assertError(await api("POST", "/api/bots/register", { body: "nope", headers: JSON_TYPE }), 400, "invalid_json");

  // Parameters and case of the media type do not matter.
  for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"]) {
    const res = await api("POST", path, { key: bot.key, body: JSON.stringify({ content: `typed ${type}` }), headers: { "Content-Type": type } });
    assert.equal(res.status, 201, `${type}: ${res.text}`);
  }
  // null counts as absent.
  const res = await api("POST", path, { key: bot.key, json: { content: "nulls", reply_to: null } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.message.reply_to, null);
  // An unknown field is refused, named, with the accepted ones listed; nothing is posted.
  const extra = await api("POST", path, { key: bot.key, json: { content: "extra", extra: { deep: [1] } } });
  assertError(extra, 400, "validation_failed", { field: "extra" });
  assert.match(extra.body.error.message, /^extra: unknown field; accepted: content, reply_to$/);
  const page = await api("GET", `${path}?limit=100`, { key: bot.key });
  assert.ok(!page.body.messages.some((m) => m.content === "extra"), "nothing was posted");
});

test("bodies over 16384 bytes are 413, by Content-Length or chunked", async () => {
  const bot = await registerBot("big");
  const room = await createRoom(bot);
  const over = JSON.stringify({ content: "x".repeat(16384) });
  const exact = JSON.stringify({ content: "x".repeat(16384 - 14) });
  assert.equal(Buffer.byteLength(exact), 16384);
  for (const [path, key] of [["/api/global/messages", bot.key], [`/api/rooms/${room.id}/messages`, bot.key], ["/api/rooms/create", bot.key], ["/api/bots/register"], [`/api/rooms/${room.id}/invite`, bot.key]]) {
    const res = await api("POST", path, { key, body: over, headers: JSON_TYPE });
    assertError(res, 413, "payload_too_large");
    assertNoRateHeaders(res);
    const chunked = await postChunked(path, [over.slice(0, 8000), over.slice(8000)], key ? { Authorization: `Bearer ${key}` } : {});
    assertError(chunked, 413, "payload_too_large");
  }
  // Exactly at the limit is read (and then judged on its content).
  const atLimit = await api("POST", "/api/global/messages", { key: bot.key, body: exact, headers: JSON_TYPE });
  assertError(atLimit, 400, "validation_failed", { field: "content" });
  const chunkedAtLimit = await postChunked("/api/global/messages", [exact.slice(0, 100), exact.slice(100)], { Authorization: `Bearer ${bot.key}` });
  assertError(chunkedAtLimit, 400, "validation_failed", { field: "content" });
  // A small chunked body is fine.
  const small = await postChunked(`/api/rooms/${room.id}/messages`, ['{"content":', '"chunked"}'], { Authorization: `Bearer ${bot.key}` });
  assert.equal(small.status, 201, small.text);
  // Multi-byte characters count as bytes: 4000 emoji fit, 4200 do not.
  const emoji = await api("POST", `/api/rooms/${room.id}/messages`, { key: bot.key, json: { content: "😀".repeat(4200) } });
  assertError(emoji, 413, "payload_too_large");
});

test("validation messages start with the field name", async () => {
  const bot = await registerBot("val");
  const error = assertError(await api("POST", "/api/global/messages", { key: bot.key, json: { content: "" } }), 400, "validation_failed");
  assert.equal(error.message, "content: must not be empty");
  assertError(await api("POST", "/api/rooms/create", { key: bot.key, json: { name: "x", ttl_seconds: "10" } }), 400, "validation_failed", { field: "ttl_seconds" });
  assertError(await api("GET", "/api/global/messages?limit=500"), 400, "validation_failed", { field: "limit" });
});

test("the table's remaining codes: forbidden, not_found, name_taken, rate_limited", async () => {
  const [bot, other] = await registerBots(2, "codes");
  assertError(await api("POST", "/api/rooms/global/join", { key: bot.key }), 403, "forbidden");
  assertError(await api("GET", `/api/rooms/${UNKNOWN_ROOM}/messages`), 404, "not_found");
  const taken = await api("POST", "/api/bots/register", { json: { name: other.bot.name, description: "again" }, headers: { "CF-Connecting-IP": uniqueIp() } });
  const error = assertError(taken, 409, "name_taken");
  assert.ok(error.message.includes(other.bot.name));
  const ip = uniqueIp();
  for (let i = 0; i < 5; i++) {
    const res = await api("POST", "/api/bots/register", { json: { name: unique("codes"), description: "d" }, headers: { "CF-Connecting-IP": ip } });
    assert.equal(res.status, 201, res.text);
  }
  const limited = await api("POST", "/api/bots/register", { json: { name: unique("codes"), description: "d" }, headers: { "CF-Connecting-IP": ip } });
  assertRateLimited(limited, 5, 3600);
  assert.equal(typeof limited.body.error.hint, "string");
});

test("refused requests leave storage exactly as it was, rate-limit counters included", async () => {
  // --- the world before: bots, rooms, messages, spent limits ---
  const [owner, member, outsider, chatty] = await registerBots(4, "snap");
  const pub = await createRoom(owner, { name: "public" });
  const priv = await createRoom(owner, { name: "private", visibility: "private", invite: [member.bot.name] });
  await post(owner, priv.id, "private words");
  await post(member, priv.id, "more private words");
  await post(owner, pub.id, "public words");
  await post(owner, "global", "global words");
  const chattyRoom = await createRoom(chatty, { name: "chatty" });
  for (let i = 0; i < 30; i++) await post(chatty, chattyRoom.id, `spent ${i}`);
  const ip = uniqueIp();
  for (let i = 0; i < 5; i++) {
    assert.equal((await api("POST", "/api/bots/register", { json: { name: unique("snapip"), description: "d" }, headers: { "CF-Connecting-IP": ip } })).status, 201);
  }
  // The owner has spent some of its room and invite budget too.
  assert.equal((await api("POST", `/api/rooms/${pub.id}/invite`, { key: owner.key, json: { bot: chatty.bot.name } })).status, 200);
  assert.equal((await api("GET", "/api/global/info")).status, 200);
  // Let any room of earlier tests that is about to end do so first (its clean-up writes).
  const ending = await redis("ZRANGEBYSCORE", "cc:rooms:expiry", "-inf", Date.now() + 20_000, "WITHSCORES");
  const lastEnd = ending.length ? Number(ending.at(-1)) : 0;
  if (lastEnd > 0) await sleep(Math.min(20_000, Math.max(0, lastEnd - Date.now()) + 1500));
  await sleep(100);

  const before = await snapshot();
  assert.ok(Object.keys(before.keys).length > 10);
  const k = (bot) => ({ Authorization: `Bearer ${bot.key}` });
  const longName = "n".repeat(65);
  const battery = [
    // wrong types, out of range, too long, control characters
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: 42 } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "" } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "x".repeat(4001) } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "bell\u0007" } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "a\rb" } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "hi", reply_to: 0 } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "hi", reply_to: "1" } }],
    [400, "POST", "/api/global/messages", { headers: k(owner), json: { content: "hi", reply_to: 10_000_000 } }],
    [400, "POST", `/api/rooms/${pub.id}/messages`, { headers: k(outsider), json: { content: "bad reply", reply_to: 2 } }],
    [400, "POST", `/api/rooms/${priv.id}/messages`, { headers: k(member), json: { content: "bad reply", reply_to: 3 } }],
    [400, "POST", `/api/rooms/${priv.id}/messages`, { headers: k(member), json: { content: "\u0000" } }],
    [400, "POST", "/api/rooms/create", { headers: k(owner), json: { name: longName } }],
    [400, "POST", "/api/rooms/create", { headers: k(owner), json: { name: "x", ttl_seconds: 1 } }],
    [400, "POST", "/api/rooms/create", { headers: k(owner), json: { name: "x", ttl_seconds: 604801 } }],
    [400, "POST", "/api/rooms/create", { headers: k(owner), json: { name: "x", visibility: "hidden" } }],
    [400, "POST", "/api/rooms/create", { headers: k(owner), json: { name: "x", description: "d".repeat(501) } }],
    [400, "POST", "/api/rooms/create", { headers: k(owner), json: { name: "x", invite: Array.from({ length: 21 }, (_, i) => `bot${i}x`) } }],
    [400, "POST", `/api/rooms/${pub.id}/invite`, { headers: k(owner), json: { bot: "no such name!" } }],
    [400, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp() }, json: { name: "x", description: "d" } }],
    [400, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp() }, json: { name: unique("ok"), description: "" } }],
    [400, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp() }, json: { name: unique("ok"), description: "\u0001" } }],
    // bad JSON, wrong content type, oversized
    [400, "POST", "/api/global/messages", { headers: { ...k(owner), ...JSON_TYPE }, body: "{" }],
    [400, "POST", "/api/rooms/create", { headers: { ...k(owner), ...JSON_TYPE }, body: "[]" }],
    [400, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp(), ...JSON_TYPE }, body: "null" }],
    [415, "POST", `/api/rooms/${pub.id}/messages`, { headers: { ...k(owner), "Content-Type": "text/plain" }, body: '{"content":"hi"}' }],
    [415, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp(), "Content-Type": "text/plain" }, body: `{"name":"${unique("t")}","description":"d"}` }],
    [413, "POST", `/api/rooms/${pub.id}/messages`, { headers: { ...k(owner), ...JSON_TYPE }, body: JSON.stringify({ content: "y".repeat(17000) }) }],
    [413, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp(), ...JSON_TYPE }, body: JSON.stringify({ name: unique("big"), description: "d".repeat(17000) }) }],
    // unknown rooms
    [404, "POST", `/api/rooms/${UNKNOWN_ROOM}/messages`, { headers: k(owner), json: { content: "hello?" } }],
    [404, "POST", `/api/rooms/${UNKNOWN_ROOM}/join`, { headers: k(owner) }],
    [404, "POST", `/api/rooms/${UNKNOWN_ROOM}/leave`, { headers: k(owner) }],
    [404, "POST", `/api/rooms/${UNKNOWN_ROOM}/invite`, { headers: k(owner), json: { bot: member.bot.name } }],
    [404, "GET", `/api/rooms/${UNKNOWN_ROOM}`, { headers: k(owner) }],
    [404, "GET", `/api/rooms/${UNKNOWN_ROOM}/messages`, { headers: k(owner) }],
    [404, "POST", "/api/rooms/not-a-room/messages", { headers: k(owner), json: { content: "hello?" } }],
    [404, "POST", "/api/rooms/create", { headers: k(owner), json: { name: "ghost", invite: [member.bot.name, unique("nobody")] } }],
    [404, "POST", `/api/rooms/${pub.id}/invite`, { headers: k(owner), json: { bot: unique("nobody") } }],
    // forbidden
    [403, "POST", `/api/rooms/${priv.id}/messages`, { headers: k(outsider), json: { content: "let me in" } }],
    [403, "POST", `/api/rooms/${priv.id}/join`, { headers: k(outsider) }],
    [403, "POST", `/api/rooms/${priv.id}/leave`, { headers: k(outsider) }],
    [403, "POST", `/api/rooms/${priv.id}/invite`, { headers: k(outsider), json: { bot: outsider.bot.name } }],
    [403, "POST", `/api/rooms/${pub.id}/invite`, { headers: k(outsider), json: { bot: outsider.bot.name } }],
    [403, "GET", `/api/rooms/${priv.id}/messages`, { headers: k(outsider) }],
    [403, "GET", `/api/rooms/${priv.id}/messages`, {}],
    [403, "POST", "/api/rooms/global/join", { headers: k(owner) }],
    [403, "POST", "/api/rooms/global/leave", { headers: k(owner) }],
    [403, "POST", "/api/rooms/global/invite", { headers: k(owner), json: { bot: member.bot.name } }],
    // unauthorized
    [401, "POST", "/api/global/messages", { headers: { Authorization: `Bearer ${unknownKey}` }, json: { content: "hi" } }],
    [401, "POST", "/api/rooms/create", { json: { name: "anon" } }],
    [401, "POST", "/api/bots/me/rotate-key", { headers: { Authorization: `Bearer ${unknownKey}` } }],
    [401, "GET", "/api/bots/me", { headers: { Authorization: "Bearer nope" } }],
    [401, "GET", `/api/rooms/${priv.id}/messages`, { headers: { Authorization: `Bearer ${unknownKey}` } }],
    // name taken, over the limits
    [409, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": uniqueIp() }, json: { name: member.bot.name.toUpperCase(), description: "d" } }],
    [429, "POST", "/api/bots/register", { headers: { "CF-Connecting-IP": ip }, json: { name: unique("sixth"), description: "d" } }],
    [429, "POST", `/api/rooms/${chattyRoom.id}/messages`, { headers: k(chatty), json: { content: "one too many" } }],
    [429, "POST", "/api/global/messages", { headers: k(chatty), json: { content: "one too many" } }],
    // bad reads and routes
    [400, "GET", `/api/rooms/${pub.id}/messages?after=1&before=2`, { headers: k(owner) }],
    [400, "GET", `/api/rooms/${pub.id}/messages?limit=0`, { headers: k(owner) }],
    [400, "GET", "/api/bots?cursor=garbage", {}],
    [400, "GET", "/api/rooms/list?visibility=secret", {}],
    [405, "DELETE", `/api/rooms/${pub.id}`, { headers: k(owner) }],
    [404, "POST", "/api/bots/me/delete", { headers: k(owner), json: {} }],
    [426, "GET", `/api/rooms/${pub.id}/ws`, { headers: k(owner) }],
  ];
  for (const [status, method, path, { headers = {}, json, body }] of battery) {
    const res = await api(method, path, { headers, json, body });
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(json ?? body ?? "").slice(0, 80)}: ${res.text.slice(0, 200)}`);
    assert.ok(res.body?.error?.code, `${method} ${path}: an error body`);
  }
  const after = await snapshot();
  assert.deepEqual(snapshotDiff(before, after), [], "storage changed");
});
