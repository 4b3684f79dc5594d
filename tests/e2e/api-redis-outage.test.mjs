// Health, and a Redis outage: the health check reports it (503), endpoints answer
// 503 storage_unavailable, and everything recovers by itself once Redis is back on the
// same port. It stops Redis, so scripts/test runs it after every other test file.
//
// The outage is an outage, not a data loss: Redis saves its data as it shuts down and
// loads it again on restart (tests/lib/stack.mjs). Otherwise room hubs (Durable Objects,
// which keep their state) would remember seqs that Redis no longer has, and whatever
// test file runs next would inherit that.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { api, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { redisAnswers, redisCli, startServer, stopRedisKeepingData } from "../lib/stack.mjs";
import { eventually } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError, assertNoRateHeaders } from "./api-helpers.mjs";

// Whatever happens in the tests, leave Redis running for whatever runs next.
after(async () => {
  if (!redisAnswers()) {
    startServer("redis");
    await eventually(() => redisAnswers(), "redis-server back", 10_000);
  }
});

test("health: 200 with ok, redis, version and the data's key layout", async () => {
  const res = await api("GET", "/api/health");
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ["layout", "ok", "redis", "version"]);
  assert.equal(res.body.layout, Number(await redis("GET", "cc:layout")), "the layout recorded in Redis");
  assert.equal(res.body.ok, true);
  assert.equal(res.body.redis, "ok");
  assert.match(res.body.version, /^\d+\.\d+\.\d+/);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.match(res.headers.get("content-type"), /^application\/json/);
});

test("Redis stalls past the storage timeout: the 503 says the post may have been applied, and it was", async () => {
  const bot = await registerBot("stall");
  const content = unique("said during a stall");
  // Once before the stall, so Redis knows the posting script: a first EVALSHA that
  // Redis answers NOSCRIPT only after the Worker gave up is never followed by the EVAL.
  const before = await api("POST", "/api/global/messages", { key: bot.key, json: { content: unique("before the stall") } });
  assert.equal(before.status, 201, before.text);
  // Redis holds every command for 4 s; the Worker gives up on its call after 3 s, but the
  // gateway already sent the script, and Redis runs it once the pause ends.
  redisCli("CLIENT", "PAUSE", 4000, "ALL");
  const res = await api("POST", "/api/global/messages", { key: bot.key, json: { content } });
  const error = assertError(res, 503, "storage_unavailable");
  assert.match(error.message, /may have been applied \(whole\) or not at all/);
  assert.doesNotMatch(error.message, /nothing was written/);
  const stored = await eventually(async () => {
    const read = await api("GET", "/api/global/messages?limit=50", { key: bot.key });
    return read.status === 200 && read.body.messages.find((m) => m.content === content && m.bot.name === bot.bot.name);
  }, "the post stored once the stall ended", 15_000, 250);
  assert.ok(stored.seq >= 1);
  // Repeating it is safe: the first attempt is found, not stored twice.
  assertError(await api("POST", "/api/global/messages", { key: bot.key, json: { content } }), 409, "duplicate_message");
  const read = await api("GET", "/api/global/messages?limit=50", { key: bot.key });
  assert.equal(read.body.messages.filter((m) => m.content === content).length, 1);
});

test("Redis goes away: health says so, endpoints answer 503, and it all comes back", async () => {
  const bot = await registerBot("outage");
  const room = (await api("POST", "/api/rooms/create", { key: bot.key, json: { name: "before the outage" } })).body.room;
  assert.ok(room, "room created");
  const version = (await api("GET", "/api/health")).body.version;

  await stopRedisKeepingData();
  assert.ok(!redisAnswers(), "redis-server stopped");

  const health = await eventually(async () => {
    const res = await api("GET", "/api/health");
    return res.status === 503 ? res : false;
  }, "health 503", 5000);
  assert.equal(health.body.ok, false);
  // A short public reason; what exactly failed (addresses, the gateway's words) is logged.
  assert.ok(["unreachable", "error", "refused", "unexpected answer"].includes(health.body.redis), `redis: ${health.body.redis}`);
  assert.doesNotMatch(health.text, /127\.0\.0\.1|refused \(|os error|ERR /);
  assert.equal(health.body.version, version);
  assert.equal(health.headers.get("access-control-allow-origin"), "*");

  const writes = [
    await api("POST", "/api/bots/register", { json: { name: unique("down"), description: "during the outage" }, headers: { "CF-Connecting-IP": uniqueIp() } }),
    await api("POST", "/api/global/messages", { key: bot.key, json: { content: "anyone there?" } }),
    await api("POST", `/api/rooms/${room.id}/messages`, { key: bot.key, json: { content: "anyone there?" } }),
    await api("POST", "/api/rooms/create", { key: bot.key, json: { name: "during the outage" } }),
    await api("POST", `/api/rooms/${room.id}/join`, { key: bot.key }),
  ];
  for (const res of writes) {
    const error = assertError(res, 503, "storage_unavailable");
    // Redis was never reached, so the answer can say so (unlike a stall, above).
    assert.match(error.message, /nothing was written/);
    assert.equal(typeof error.hint, "string");
    assertNoRateHeaders(res);
  }
  for (const path of ["/api/global/messages", `/api/rooms/${room.id}`, "/api/rooms/list", "/api/bots", "/api/global/info"]) {
    const res = await api("GET", path);
    assertError(res, 503, "storage_unavailable");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
  assertError(await api("GET", "/api/bots/me", { key: bot.key }), 503, "storage_unavailable");
  // Requests refused before storage still get their own answers.
  assertError(await api("POST", "/api/global/messages", { key: bot.key, json: { content: "" } }), 400, "validation_failed");
  assertError(await api("GET", "/api/bots/me"), 401, "unauthorized");

  // Redis comes back on the same port, with its data; nothing else is restarted.
  startServer("redis");
  const healthy = await eventually(async () => {
    const res = await api("GET", "/api/health");
    return res.status === 200 ? res : false;
  }, "health 200 again", 10_000, 200);
  assert.deepEqual(healthy.body, { ok: true, redis: "ok", version, layout: healthy.body.layout });

  // Storage works again, scripts included (Redis has forgotten them: EVALSHA falls back).
  const mine = await api("GET", "/api/bots/me", { key: bot.key });
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.body.rooms.map((r) => r.id), [room.id]);
  const fresh = await registerBot("after");
  const posted = await api("POST", "/api/global/messages", { key: fresh.key, json: { content: "back again" } });
  assert.equal(posted.status, 201, posted.text);
  const read = await api("GET", "/api/global/messages");
  assert.equal(read.status, 200, read.text);
  assert.ok(read.body.messages.some((m) => m.id === posted.body.message.id));
  const me = await api("GET", "/api/bots/me", { key: fresh.key });
  assert.equal(me.status, 200, me.text);
});
