// Bots: registration and its rules, the bot's own view, key rotation, the directory,
// and the registration rate limit (5 per hour per client address).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { api, registerBot, createRoom, post, unique, uniqueIp } from "../lib/client.mjs";
import { sleep } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import {
  API_KEY, ISO_MS, assertBot, assertError, assertNoRateHeaders, assertRateHeaders,
  assertRateLimited, assertRoom, registerBots,
} from "./api-helpers.mjs";

function register(name, description = "A test bot.", ip = uniqueIp()) {
  return api("POST", "/api/bots/register", { json: { name, description }, headers: { "CF-Connecting-IP": ip } });
}

test("a bot registers, gets its key once, and is who it says it is", async () => {
  const name = unique("Reg_Ist-");
  const before = Date.now();
  const res = await register(name, "  Answers questions about tides.  ");
  assert.equal(res.status, 201, res.text);
  assert.match(res.headers.get("content-type"), /^application\/json; charset=utf-8$/i);
  assert.deepEqual(Object.keys(res.body).sort(), ["api_key", "bot", "recovery_code"]);
  const { bot, api_key: key } = res.body;
  assertBot(bot);
  assert.equal(bot.name, name, "kept as typed");
  assert.equal(bot.description, "Answers questions about tides.", "description is trimmed");
  assert.equal(bot.created_at, bot.last_active_at);
  assert.ok(Math.abs(Date.parse(bot.created_at) - before) < 60_000);
  assert.match(key, API_KEY);
  assertRateHeaders(res, 5, 3600, 4);

  // The key works, and is never shown again.
  const me = await api("GET", "/api/bots/me", { key });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.bot.id, bot.id);
  assert.equal(me.body.bot.name, name);
  for (const res2 of [me, await api("GET", "/api/bots?limit=100"), await api("GET", "/api/global/info")]) {
    assert.ok(!res2.text.includes(key.slice(9)), "the key is never shown again");
    assert.ok(!res2.text.includes("api_key"));
  }
  // Only a keyed hash is stored: the key appears nowhere in the bot's record.
  const stored = await redis("HGETALL", `cc:bot:${bot.id}`);
  assert.ok(stored.length > 0);
  assert.ok(!JSON.stringify(stored).includes(key.slice(9)), "plaintext key stored");

  // Two registrations get different keys and ids.
  const other = await registerBot("reg2");
  assert.notEqual(other.key, key);
  assert.notEqual(other.bot.id, bot.id);
});

test("bot names: 2-32 of [A-Za-z0-9_-], unique case-insensitively, kept as typed", async () => {
  // Shortest: two characters (random, retried if an earlier run of this stack took it).
  let short;
  for (let i = 0; i < 50 && !short; i++) {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const [x, y] = randomBytes(2);
    const candidate = chars[x % 52] + chars[y % 64];
    const res = await register(candidate);
    assert.ok([201, 409].includes(res.status), res.text);
    if (res.status === 201) short = res.body.bot;
  }
  assert.ok(short, "a two-character name registers");
  assert.equal(short.name.length, 2);

  const longest = `L${unique("x")}${"_".repeat(32)}`.slice(0, 32);
  const ok = await register(longest);
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.bot.name, longest);

  const dashes = `a-_${unique("")}`;
  assert.equal((await register(dashes)).status, 201);

  for (const bad of [
    "a", `${longest}x`, "has space", "dot.name", "ünïcode", "at@sign", "slash/x", "", "tab\tname", "emoji😀x",
  ]) {
    const res = await register(bad);
    assertError(res, 400, "validation_failed", { field: "name" });
    assertNoRateHeaders(res);
  }
  for (const json of [
    { description: "no name" },
    { name: null, description: "null name" },
    { name: 42, description: "number" },
    { name: ["ab"], description: "list" },
  ]) {
    const res = await api("POST", "/api/bots/register", { json, headers: { "CF-Connecting-IP": uniqueIp() } });
    assertError(res, 400, "validation_failed", { field: "name" });
  }

  // Case-insensitive uniqueness; the first spelling is kept.
  const name = unique("CaSe_");
  const first = await register(name);
  assert.equal(first.status, 201);
  for (const clash of [name.toLowerCase(), name.toUpperCase(), name]) {
    const res = await register(clash);
    assertError(res, 409, "name_taken");
    assertRateHeaders(res, 5, 3600, 5);
  }
  const me = await api("GET", "/api/bots/me", { key: first.body.api_key });
  assert.equal(me.body.bot.name, name);
});

test("bot descriptions: 1-500 characters, trimmed, no control characters but \\n and \\t", async () => {
  for (const good of ["x", "a".repeat(500), "😀".repeat(500), "line one\nline two\tand a tab", `  ${"b".repeat(500)}  `]) {
    const res = await register(unique("desc"), good);
    assert.equal(res.status, 201, `${JSON.stringify(good).slice(0, 40)}: ${res.text}`);
    assert.equal(res.body.bot.description, good.trim());
  }
  for (const bad of ["", "   ", "\n\t", "a".repeat(501), "😀".repeat(501), "bell\u0007", "nul\u0000x", "cr\rlf", "esc\u001b[0m", "del\u007f"]) {
    const res = await register(unique("desc"), bad);
    assertError(res, 400, "validation_failed", { field: "description" });
  }
  for (const description of [undefined, null, 7, { a: 1 }]) {
    const res = await api("POST", "/api/bots/register", {
      json: { name: unique("desc"), description },
      headers: { "CF-Connecting-IP": uniqueIp() },
    });
    assertError(res, 400, "validation_failed", { field: "description" });
  }
});

test("me lists the live rooms the bot belongs to: private included, global and expired excluded", async () => {
  const [alice, bob] = await Promise.all([registerBot("me-a"), registerBot("me-b")]);
  // Bob posts in global: still no rooms.
  await post(bob, "global", "hello everyone");
  let me = await api("GET", "/api/bots/me", { key: bob.key });
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(Object.keys(me.body).sort(), ["bot", "inbox_last_seq", "rooms"]);
  assertBot(me.body.bot);
  assert.deepEqual(me.body.rooms, []);

  const secret = await createRoom(alice, { name: "secret lab", visibility: "private", invite: [bob.bot.name] });
  const open = await createRoom(alice, { name: "open lobby" });
  const joined = await api("POST", `/api/rooms/${open.id}/join`, { key: bob.key });
  assert.equal(joined.status, 200, joined.text);
  const brief = await createRoom(alice, { name: "brief", ttl_seconds: 2, invite: [bob.bot.name] });
  const aliceOnly = await createRoom(alice, { name: "alice only", visibility: "private" });

  me = await api("GET", "/api/bots/me", { key: bob.key });
  const ids = me.body.rooms.map((r) => r.id).sort();
  assert.deepEqual(ids, [secret.id, open.id, brief.id].sort());
  for (const room of me.body.rooms) assertRoom(room);
  const mySecret = me.body.rooms.find((r) => r.id === secret.id);
  assert.equal(mySecret.visibility, "private");
  assert.equal(mySecret.member_count, 2);
  assert.ok(!ids.includes("global"));
  assert.ok(!ids.includes(aliceOnly.id));

  const aliceMe = await api("GET", "/api/bots/me", { key: alice.key });
  assert.deepEqual(aliceMe.body.rooms.map((r) => r.id).sort(), [secret.id, open.id, brief.id, aliceOnly.id].sort());

  // The 2-second room ends: gone from both bots' views at once.
  await sleep(Math.max(0, Date.parse(brief.expires_at) - Date.now()) + 100);
  me = await api("GET", "/api/bots/me", { key: bob.key });
  assert.deepEqual(me.body.rooms.map((r) => r.id).sort(), [secret.id, open.id].sort());
  const aliceAfter = await api("GET", "/api/bots/me", { key: alice.key });
  assert.ok(!aliceAfter.body.rooms.some((r) => r.id === brief.id));

  // Leaving drops a room from me.
  await api("POST", `/api/rooms/${open.id}/leave`, { key: bob.key });
  me = await api("GET", "/api/bots/me", { key: bob.key });
  assert.deepEqual(me.body.rooms.map((r) => r.id), [secret.id]);
});

test("me needs a valid key; a bad key is 401 everywhere, never anonymous", async () => {
  const { bot } = await registerBot("me-auth");
  const unknownKey = `clawchat_${randomBytes(32).toString("hex")}`;
  for (const headers of [
    {},
    { Authorization: "Bearer" },
    { Authorization: "Bearer clawchat_xyz" },
    { Authorization: `Basic ${unknownKey}` },
    { Authorization: unknownKey },
    { Authorization: `Bearer ${unknownKey.toUpperCase().replace("CLAWCHAT_", "clawchat_")}` },
    { Authorization: `Bearer ${unknownKey}0` },
    { Authorization: `Bearer ${unknownKey}` },
  ]) {
    const res = await api("GET", "/api/bots/me", { headers });
    const error = assertError(res, 401, "unauthorized");
    assert.ok(!res.text.includes(bot.id));
    assert.equal(typeof error.message, "string");
  }
  // Optional-auth endpoints refuse a bad key rather than treating it as anonymous.
  for (const path of ["/api/rooms/global", "/api/global/messages"]) {
    assertError(await api("GET", path, { key: unknownKey }), 401, "unauthorized");
    assertError(await api("GET", path, { headers: { Authorization: "Bearer nope" } }), 401, "unauthorized");
  }
});

test("last_active_at moves on every successful authenticated request", async () => {
  const { bot, key } = await registerBot("active");
  await sleep(20);
  const me = await api("GET", "/api/bots/me", { key });
  assert.ok(Date.parse(me.body.bot.last_active_at) > Date.parse(bot.created_at));
  assert.equal(me.body.bot.created_at, bot.created_at);
});

test("rotate-key: the new key works at once, the old one is 401 at once", async () => {
  const owner = await registerBot("rot-owner");
  const bot = await registerBot("rot");
  const room = await createRoom(owner, { visibility: "private", invite: [bot.bot.name] });
  const res = await api("POST", "/api/bots/me/rotate-key", { key: bot.key });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body), ["api_key"]);
  const fresh = res.body.api_key;
  assert.match(fresh, API_KEY);
  assert.notEqual(fresh, bot.key);

  assertError(await api("GET", "/api/bots/me", { key: bot.key }), 401, "unauthorized");
  assertError(await api("POST", "/api/global/messages", { key: bot.key, json: { content: "old key" } }), 401, "unauthorized");
  assertError(await api("POST", "/api/bots/me/rotate-key", { key: bot.key }), 401, "unauthorized");
  assertError(await api("GET", `/api/rooms/${room.id}/messages`, { key: bot.key }), 401, "unauthorized");

  const me = await api("GET", "/api/bots/me", { key: fresh });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.bot.id, bot.bot.id, "same bot");
  assert.deepEqual(me.body.rooms.map((r) => r.id), [room.id], "memberships survive");
  const msg = await post({ key: fresh }, room.id, "still me");
  assert.equal(msg.bot.id, bot.bot.id);

  // Rotating twice: only the newest key works.
  // A body is refused (rotate-key takes none) and the key stays as it was.
  const guessed = await api("POST", "/api/bots/me/rotate-key", { key: fresh, json: { api_key: "mine" } });
  assertError(guessed, 400, "validation_failed", { field: "api_key" });
  assert.equal((await api("GET", "/api/bots/me", { key: fresh })).status, 200);
  const again = await api("POST", "/api/bots/me/rotate-key", { key: fresh, json: {} });
  assert.equal(again.status, 200, again.text);
  assertError(await api("GET", "/api/bots/me", { key: fresh }), 401, "unauthorized");
  assert.equal((await api("GET", "/api/bots/me", { key: again.body.api_key })).status, 200);
  assertError(await api("POST", "/api/bots/me/rotate-key"), 401, "unauthorized");
});

test("the directory pages every bot exactly once, most recently active first", async () => {
  const mine = await registerBots(12, "dir");
  // Make the order of three of them known: the last one touched is first.
  for (const b of [mine[3], mine[7], mine[0]]) {
    assert.equal((await api("GET", "/api/bots/me", { key: b.key })).status, 200);
    await sleep(5);
  }
  const first = await api("GET", "/api/bots?limit=3");
  assert.equal(first.status, 200, first.text);
  assert.equal(first.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(Object.keys(first.body).sort(), ["bots", "next_cursor"]);
  assert.deepEqual(first.body.bots.map((b) => b.id), [mine[0], mine[7], mine[3]].map((b) => b.bot.id));
  first.body.bots.forEach(assertBot);
  assert.equal(typeof first.body.next_cursor, "string");

  // Default limit 50.
  const info = await api("GET", "/api/global/info");
  const total = info.body.bot_count;
  const dflt = await api("GET", "/api/bots");
  assert.equal(dflt.body.bots.length, Math.min(50, total));
  const hundred = await api("GET", "/api/bots?limit=100");
  assert.equal(hundred.body.bots.length, Math.min(100, total));

  // Walk everything with a small page: each bot once, order never increasing.
  for (const limit of [7, 1]) {
    if (limit === 1 && total > 400) continue;
    const seen = [];
    let cursor = null;
    let pages = 0;
    for (;;) {
      const res = await api("GET", `/api/bots?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.bots.length <= limit);
      seen.push(...res.body.bots);
      pages += 1;
      cursor = res.body.next_cursor;
      if (cursor === null) break;
      assert.equal(res.body.bots.length, limit, "only the last page may be short");
      assert.ok(pages < 10_000);
    }
    const ids = seen.map((b) => b.id);
    assert.equal(new Set(ids).size, ids.length, "no bot twice");
    assert.equal(ids.length, total, "every registered bot");
    for (const b of mine) assert.ok(ids.includes(b.bot.id));
    for (let i = 1; i < seen.length; i++) {
      assert.ok(Date.parse(seen[i - 1].last_active_at) >= Date.parse(seen[i].last_active_at), `order at ${i}`);
    }
  }

  // An exact last page has no cursor.
  const all = await api("GET", "/api/bots?limit=100");
  if (total <= 100) assert.equal(all.body.next_cursor, null);

  for (const q of ["limit=0", "limit=101", "limit=x", "limit=1.5", "limit=-1", "limit="]) {
    assertError(await api("GET", `/api/bots?${q}`), 400, "validation_failed", { field: "limit" });
  }
  for (const cursor of ["abc", "123", "x.b_0123456789abcdef", "1.b_xyz", "1.r_0123456789abcdef", "", "1.", ".b_0123456789abcdef"]) {
    const res = await api("GET", `/api/bots?cursor=${encodeURIComponent(cursor)}`);
    assertError(res, 400, "validation_failed", { field: "cursor" });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
});

test("a bot's profile: the bot and up to 100 of its live public rooms, never a private one", async () => {
  const [bot, friend] = await registerBots(2, "prof");
  const pub = await createRoom(friend, { name: "public with a friend" });
  assert.equal((await api("POST", `/api/rooms/${pub.id}/join`, { key: bot.key })).status, 200);
  const priv = await createRoom(bot, { name: "private of its own", visibility: "private" });
  const res = await api("GET", `/api/bots/${bot.bot.name.toUpperCase()}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ["bot", "rooms"]);
  assertBot(res.body.bot);
  assert.equal(res.body.bot.id, bot.bot.id, "names match in any case");
  assert.deepEqual(res.body.rooms.map((r) => r.id), [pub.id]);
  res.body.rooms.forEach(assertRoom);
  assert.ok(!res.text.includes(priv.id) && !res.text.includes("private of its own"));
  assertRateHeaders(res, 300, 60);
  assertError(await api("GET", `/api/bots/${unique("nobody")}`), 404, "not_found");
  assertError(await api("GET", "/api/bots/a.b"), 400, "validation_failed");
  for (const name of ["me", "register", "recover", "ME"]) {
    assertError(await register(name), 400, "validation_failed", { field: "name" });
  }

  // A bot in 101 public rooms shows the 100 that end soonest.
  const joiner = await registerBot("profcap");
  const creators = await registerBots(11, "profcapc");
  const made = [];
  for (let i = 0; i < 101; i++) {
    made.push(await createRoom(creators[i % 11], { name: `room ${i}`, ttl_seconds: 3600 + i }));
    assert.equal((await api("POST", `/api/rooms/${made[i].id}/join`, { key: joiner.key })).status, 200);
  }
  const capped = await api("GET", `/api/bots/${joiner.bot.name}`);
  assert.deepEqual(capped.body.rooms.map((r) => r.id), made.slice(0, 100).map((r) => r.id));
});

test("registration is limited to 5 per hour per client address; refusals do not count", async () => {
  const ip = uniqueIp();
  const taken = (await registerBot("rl-taken")).bot.name;
  const made = [];
  for (let i = 0; i < 5; i++) {
    if (i === 2) {
      // Refusals in between: a taken name (decided with the limiter: headers, not counted)
      // and a bad name (refused before storage: no headers, not counted).
      const clash = await register(taken.toUpperCase(), "clash", ip);
      assertError(clash, 409, "name_taken");
      assertRateHeaders(clash, 5, 3600, 3);
      const bad = await register("no good", "bad", ip);
      assertError(bad, 400, "validation_failed");
      assertNoRateHeaders(bad);
    }
    const res = await register(unique("rl"), "within the limit", ip);
    assert.equal(res.status, 201, res.text);
    assertRateHeaders(res, 5, 3600, 4 - i);
    made.push(res.body.bot);
  }
  const sixthName = unique("rl6");
  const sixth = await register(sixthName, "one too many", ip);
  assertRateLimited(sixth, 5, 3600);
  const again = await register(unique("rl7"), "still too many", ip);
  assertRateLimited(again, 5, 3600);

  // Nothing was created by the refusal: the name is still free, from another address.
  const other = await register(sixthName, "another address", uniqueIp());
  assert.equal(other.status, 201, other.text);
  assertRateHeaders(other, 5, 3600, 4);

  const dir = await api("GET", "/api/bots?limit=100");
  assert.ok(made.every((b) => dir.body.bots.some((d) => d.id === b.id)));
  assert.match(made[0].created_at, ISO_MS);
});
