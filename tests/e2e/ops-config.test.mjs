// Configuration the test stack normally runs without, switched on by restarting the
// Worker runtime with other vars (so scripts/test runs this file after the others):
// the admin API without its secret, a deployment with a weak secret as the deploy
// script's smoke check sees it, data in another key layout, and the edge cache of
// anonymous public reads — counted at the gateway, and tried for leaks.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, post, registerBot, storageRequests, unique, uniqueIp } from "../lib/client.mjs";
import { restartWorkerWith, restoreWorker } from "../lib/stack.mjs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BASE_URL } from "../lib/client.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError } from "./api-helpers.mjs";
import { closeAll, connect } from "./live-helpers.mjs";

const CACHE_SECONDS = 2;
/** The API reads of one load of the front page (public/js/home.js). */
const FRONT_PAGE = ["/api/global/messages?limit=50", "/api/rooms/list", "/api/bots?limit=50", "/api/global/info", "/api/stats"];

after(() => restoreWorker());

test("without the ADMIN_TOKEN secret the admin API is off, whatever the token", async () => {
  await restartWorkerWith({ ADMIN_TOKEN: null });
  for (const token of [process.env.ADMIN_TOKEN, "anything"]) {
    const res = await admin("GET", "/api/admin/audit", { token });
    const error = assertError(res, 403, "forbidden");
    assert.match(error.message, /disabled/);
  }
  assertError(await api("POST", "/api/admin/bots/somebody/ban", { json: { reason: "x" } }), 403, "forbidden");
});

test("a weak key secret stops the deployment loudly, and the smoke check names it", async () => {
  await restartWorkerWith({ API_KEY_SECRET: "too-short" });
  const health = await api("GET", "/api/health");
  assert.equal(health.status, 503);
  assert.equal(health.body.ok, false);
  assert.match(health.body.problem, /API_KEY_SECRET is shorter than 32 characters/);
  assert.ok(!health.text.includes("too-short"), "the answer quotes the secret");
  const register = await api("POST", "/api/bots/register", { json: { name: unique("weak"), description: "x" } });
  assertError(register, 503, "misconfigured");
  let smoke;
  try {
    await promisify(execFile)("node", ["scripts/deploy.mjs", "smoke", BASE_URL], { timeout: 60_000 });
  } catch (err) {
    smoke = err;
  }
  assert.equal(smoke?.code, 1, "the smoke check passed a misconfigured deployment");
  assert.match(smoke.stdout, /✗ GET \/api\/health: 503: .*API_KEY_SECRET is shorter than 32 characters/);
  await restoreWorker();
});

test("the key layout: older data is brought up to date by the health check; newer data is reported", async () => {
  const owner = await registerBot("layout");
  const banned = await registerBot("layoutban");
  const pub = await createRoom(owner, { name: "from before the upgrade" });
  const priv = await createRoom(owner, { name: "private from before", visibility: "private" });
  const listed = async (visibility) => (await api("GET", `/api/rooms/list?visibility=${visibility}`)).body.rooms.map((r) => r.id);
  const found = async (name) => (await admin("GET", `/api/admin/bots?q=${name.slice(0, -2)}`)).body.bots.map((b) => b.name);
  assert.equal((await admin("POST", `/api/admin/bots/${banned.bot.name}/ban`, { json: { reason: "before the upgrade" } })).status, 200);
  // Layout 1 had no per-visibility indexes and no cc:layout; layout 2 no index of
  // banned bots (a ban then only took the bot out of the directory).
  await redis("ZREM", "cc:rooms:active:public", pub.id);
  await redis("ZREM", "cc:rooms:active:private", priv.id);
  await redis("DEL", "cc:bots:banned");
  await redis("DEL", "cc:layout");
  assert.ok(!(await listed("public")).includes(pub.id));
  assert.ok(!(await found(banned.bot.name)).includes(banned.bot.name), "a search by part of the name misses it");
  const health = await api("GET", "/api/health");
  assert.equal(health.status, 200, health.text);
  assert.equal(health.body.layout, 3);
  assert.equal(await redis("GET", "cc:layout"), "3");
  assert.ok((await listed("public")).includes(pub.id), "the public room is listed again");
  assert.ok((await listed("private")).includes(priv.id), "the private room is listed again");
  assert.ok(!(await listed("public")).includes(priv.id));
  assert.ok((await found(banned.bot.name)).includes(banned.bot.name), "the banned bot is found again");

  await redis("SET", "cc:layout", "4");
  const newer = await api("GET", "/api/health");
  assert.equal(newer.status, 503);
  assert.equal(newer.body.layout, 4);
  assert.match(newer.body.problem, /key layout 4, newer than this release's 3/);
  assert.equal(await redis("GET", "cc:layout"), "4", "newer data is left alone");
  await redis("SET", "cc:layout", "3");
  assert.equal((await api("GET", "/api/health")).status, 200);
});

test("the edge cache: 1,000 front-page loads cost at most one Redis read per endpoint per cache period", async () => {
  await restartWorkerWith({ EDGE_CACHE_SECONDS: String(CACHE_SECONDS) });
  const bot = await registerBot("cache");
  await post(bot, "global", unique("something to read"));
  // One load first: the read scripts' first use after a Redis restart costs a second
  // request (NOSCRIPT), which is not what this measures.
  for (const path of FRONT_PAGE) assert.equal((await api("GET", path)).status, 200);
  const loads = 1000;
  const started = Date.now();
  let served = 0;
  let reads = 0;
  // 50 loads at a time, each load its five reads at once, as browsers would.
  for (let i = 0; i < loads; i += 50) {
    await Promise.all(Array.from({ length: 50 }, async () => {
      const answers = await Promise.all(FRONT_PAGE.map((path) => api("GET", path)));
      for (const res of answers) {
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get("x-ratelimit-remaining"), null, "a cached answer carries nobody's rate limit");
        // Counted per answer, not at the gateway: rooms of earlier tests ending now
        // reach Redis too.
        reads += storageRequests(res);
      }
      served += answers.length;
    }));
  }
  const elapsed = Date.now() - started;
  const periods = Math.ceil(elapsed / (CACHE_SECONDS * 1000)) + 1;
  console.log(`  · ${served} reads in ${elapsed} ms cost ${reads} Redis requests (at most ${FRONT_PAGE.length} × ${periods} periods)`);
  assert.ok(reads <= FRONT_PAGE.length * periods, `${reads} Redis requests for ${served} anonymous reads over ${elapsed} ms`);
  // And each is read again once its answer expired: at least once in two periods.
  const expired = Math.floor(elapsed / (2 * CACHE_SECONDS * 1000));
  assert.ok(reads >= FRONT_PAGE.length * expired, `${reads} Redis requests over ${elapsed} ms: expired answers are read again`);
});

test("the edge cache never serves nor stores what a key may see, and what it missed arrives over the stream", async () => {
  const owner = await registerBot("cachepriv");
  const member = await registerBot("cachepriv");
  const room = await createRoom(owner, { name: "cached and private", visibility: "private", invite: [member.bot.name] });
  const secret = unique("SECRET");
  await post(member, room.id, secret);
  const path = `/api/rooms/${room.id}`;
  // A member's answer first: it must not enter the cache.
  const asMember = await api("GET", path, { key: member.key });
  assert.equal(asMember.headers.get("x-cache"), null);
  assert.equal(asMember.body.members.length, 2);
  const anonymous = await api("GET", path);
  assert.equal(anonymous.body.members, null, "an anonymous read got a member's view");
  assert.equal((await api("GET", path)).headers.get("x-cache"), "memory");
  // With the anonymous view cached, a member still gets its own, fresh.
  const again = await api("GET", path, { key: member.key });
  assert.equal(again.headers.get("x-cache"), null);
  assert.equal(again.body.members.length, 2);
  for (const res of [anonymous, await api("GET", path), await api("GET", `${path}/messages`)]) {
    assert.ok(!res.text.includes(secret) && !res.text.includes(member.bot.name), res.text.slice(0, 200));
  }
  assertError(await api("GET", `${path}/messages`), 403, "forbidden");
  assert.equal((await api("GET", `${path}/messages`, { key: member.key })).body.messages[0].content, secret);

  // A public read cached a moment ago misses a new message; the stream brings it.
  const pub = await createRoom(owner, { name: "cached and public" });
  await post(owner, pub.id, "first");
  const stale = await api("GET", `/api/rooms/${pub.id}/messages`);
  const fresh = await post(owner, pub.id, "second");
  const cached = await api("GET", `/api/rooms/${pub.id}/messages`, { headers: { "CF-Connecting-IP": uniqueIp() } });
  assert.equal(cached.headers.get("x-cache"), "memory");
  assert.deepEqual(cached.body, stale.body, "served from the cache");
  const stream = await connect(pub.id, { after: cached.body.last_seq });
  await stream.next((f) => f.type === "message" && f.message.id === fresh.id);
  await closeAll(stream);
});

test("the edge cache drops what moderation changed: a deleted message, a purged bot's messages, an ended room", async () => {
  const owner = await registerBot("cachemod");
  const spammer = await registerBot("cachespam");
  const room = await createRoom(owner, { name: "moderated and cached" });
  const bad = await post(owner, room.id, unique("regrettable"));
  const spam = await post(spammer, room.id, unique("spam"));
  const path = `/api/rooms/${room.id}/messages`;
  const read = () => api("GET", path, { headers: { "CF-Connecting-IP": uniqueIp() } });
  assert.equal((await read()).body.messages.length, 2);
  assert.equal((await read()).headers.get("x-cache"), "memory", "the read is cached");

  assert.equal((await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${bad.seq}`)).status, 200);
  const afterDelete = await read();
  assert.notEqual(afterDelete.headers.get("x-cache"), "memory");
  assert.deepEqual(afterDelete.body.messages.map((m) => [m.seq, m.deleted === true]), [[bad.seq, true], [spam.seq, false]]);

  assert.equal((await read()).headers.get("x-cache"), "memory");
  assert.equal((await admin("POST", `/api/admin/bots/${spammer.bot.name}/ban?purge=true`, { json: { reason: "spam" } })).status, 200);
  const afterBan = await read();
  assert.deepEqual(afterBan.body.messages.map((m) => m.deleted === true), [true, true], "the purged message shows as removed at once");
  const directory = await api("GET", "/api/bots?limit=100");
  assert.ok(!directory.body.bots.some((b) => b.id === spammer.bot.id), "the banned bot left the cached directory");

  const roomPath = `/api/rooms/${room.id}`;
  assert.equal((await api("GET", roomPath)).status, 200);
  assert.equal((await api("GET", roomPath)).headers.get("x-cache"), "memory");
  assert.equal((await admin("DELETE", `/api/admin/rooms/${room.id}`)).status, 200);
  assertError(await api("GET", roomPath), 410, "room_expired");
  const list = await api("GET", "/api/rooms/list");
  assert.ok(!list.body.rooms.some((r) => r.id === room.id), "the ended room left the cached list");
});

test("the edge cache keys an answer by the parameters its route reads, first value each: spellings share one entry", async () => {
  const bot = await registerBot("cachejunk");
  await post(bot, "global", unique("read me"));
  await api("GET", "/api/global/messages?limit=7&after=0");
  const started = Date.now();
  let reads = 0;
  for (let i = 0; i < 240; i++) {
    // The same read, spelled 240 ways: reordered, with repeated parameters.
    const spelled = i % 2 ? `after=0&limit=7&limit=${i}` : `limit=7&after=0&after=${i}`;
    const res = await api("GET", `/api/global/messages?${spelled}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.messages.length <= 7);
    reads += storageRequests(res);
  }
  const elapsed = Date.now() - started;
  const periods = Math.ceil(elapsed / (CACHE_SECONDS * 1000)) + 1;
  console.log(`  · 240 spellings of one read in ${elapsed} ms cost ${reads} Redis requests`);
  assert.ok(reads <= periods, `${reads} Redis requests for 240 reads over ${elapsed} ms (one entry expects at most ${periods})`);
  // A parameter the route does not read is refused before the cache, not served from it.
  assertError(await api("GET", "/api/global/messages?limit=7&after=0&bust=1"), 400, "validation_failed", { field: "bust" });
});
