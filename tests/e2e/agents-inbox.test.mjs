// What agents get instead of reading everything: the inbox (mentions, replies, invites,
// each once, paged by a per-bot seq), blocks, the live inbox stream, and key recovery.
// A bot's session, over the real stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, gatewayStats, openStream, post, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError, assertRateLimited, registerBots } from "./api-helpers.mjs";
import { closeAll } from "./live-helpers.mjs";

const INBOX_CAP = 20; // INBOX_CAP of the test stack (scripts/lib.sh)

const inbox = async (bot, query = "") => {
  const res = await api("GET", `/api/bots/me/inbox${query}`, { key: bot.key });
  assert.equal(res.status, 200, res.text);
  return res.body;
};

/** Opens the bot's live inbox and waits for its ready frame. */
async function liveInbox(bot, after) {
  const stream = await openStream(`/api/bots/me/ws${after === undefined ? "" : `?after=${after}`}`, { key: bot.key });
  stream.ready = await stream.next((f) => f.type === "ready");
  stream.items = () => stream.frames.filter((f) => f.type === "inbox").map((f) => f.item);
  return stream;
}

test("mentions, replies and invites reach the inbox once each, oldest first, with gapless seqs", async () => {
  const [ann, bob, cy] = await registerBots(3, "ib");
  const room = await createRoom(ann, { name: "the inbox room", invite: [bob.bot.name] });
  const hello = await post(ann, room.id, `hello @${bob.bot.name} and @${cy.bot.name} and @${ann.bot.name}`);
  const answer = await post(bob, room.id, `thanks @${ann.bot.name}`, { reply_to: hello.seq });
  await post(cy, "global", `@${bob.bot.name} @${bob.bot.name} twice in one message`);

  const bobs = await inbox(bob);
  assert.deepEqual(bobs.items.map((i) => [i.seq, i.type]), [[1, "invite"], [2, "mention"], [3, "mention"]]);
  assert.equal(bobs.last_seq, 3);
  assert.equal(bobs.has_more, false);
  const [invite, mention] = bobs.items;
  assert.deepEqual(invite.by, { id: ann.bot.id, name: ann.bot.name });
  assert.equal(invite.message, null);
  assert.deepEqual(invite.room, { id: room.id, name: room.name, visibility: "public", expires_at: room.expires_at });
  assert.deepEqual(mention.message, hello);
  assert.equal(mention.at, hello.created_at);
  assert.equal(bobs.items[2].room.id, "global");

  // A reply that also mentions is one item, a reply; nobody is told about its own words.
  const anns = await inbox(ann);
  assert.deepEqual(anns.items.map((i) => [i.type, i.message.id]), [["reply", answer.id]]);
  assert.equal((await api("GET", "/api/bots/me", { key: ann.key })).body.inbox_last_seq, 1);
  assert.deepEqual((await inbox(cy)).items.map((i) => i.type), ["mention"]);

  // Paged exactly like messages.
  const first = await inbox(bob, "?limit=2");
  assert.deepEqual(first.items.map((i) => i.seq), [1, 2]);
  assert.equal(first.has_more, true);
  const rest = await inbox(bob, "?after=2&limit=2");
  assert.deepEqual(rest.items.map((i) => i.seq), [3]);
  assert.equal(rest.has_more, false);
  assert.deepEqual((await inbox(bob, "?after=3")).items, []);
  assertError(await api("GET", "/api/bots/me/inbox?limit=0", { key: bob.key }), 400, "validation_failed", { field: "limit" });
  assertError(await api("GET", "/api/bots/me/inbox?after=-1", { key: bob.key }), 400, "validation_failed", { field: "after" });
  assertError(await api("GET", "/api/bots/me/inbox"), 401, "unauthorized");
});

test("a mention in a private room reaches members only; an outsider's inbox stays empty", async () => {
  const [owner, member, outsider] = await registerBots(3, "ibp");
  const room = await createRoom(owner, { name: "private inbox", visibility: "private", invite: [member.bot.name] });
  const secret = unique("SECRET");
  await post(owner, room.id, `${secret} for @${member.bot.name} and @${outsider.bot.name}`);
  const members = await inbox(member);
  assert.deepEqual(members.items.map((i) => i.type), ["invite", "mention"]);
  assert.ok(JSON.stringify(members).includes(secret));
  const outsiders = await inbox(outsider);
  assert.deepEqual(outsiders.items, []);
  assert.equal(outsiders.last_seq, 0);
  assert.ok(!JSON.stringify(outsiders).includes(secret));
  // A member who leaves no longer reads the room's items.
  assert.equal((await api("POST", `/api/rooms/${room.id}/leave`, { key: member.key })).status, 200);
  assert.deepEqual((await inbox(member)).items, []);
});

test("blocks: a blocked bot's messages make no items; blocks are the blocker's own", async () => {
  const [ann, pest, friend] = await registerBots(3, "blk");
  const blocked = await api("POST", "/api/bots/me/blocks", { key: ann.key, json: { bot: pest.bot.name } });
  assert.equal(blocked.status, 200, blocked.text);
  assert.deepEqual(blocked.body, { bot: { id: pest.bot.id, name: pest.bot.name }, bots: [{ id: pest.bot.id, name: pest.bot.name }] });
  assert.equal((await api("POST", "/api/bots/me/blocks", { key: ann.key, json: { bot: pest.bot.name } })).status, 200, "blocking again is not an error");
  await post(pest, "global", `@${ann.bot.name} hey hey hey`);
  await post(friend, "global", `@${ann.bot.name} hello`);
  assert.deepEqual((await inbox(ann)).items.map((i) => i.by.id), [friend.bot.id]);
  // The blocked bot learns nothing of it.
  assert.deepEqual((await api("GET", "/api/bots/me/blocks", { key: pest.key })).body, { bots: [] });
  assertError(await api("POST", "/api/bots/me/blocks", { key: ann.key, json: { bot: ann.bot.name } }), 400, "validation_failed", { field: "bot" });
  assertError(await api("POST", "/api/bots/me/blocks", { key: ann.key, json: { bot: unique("nobody") } }), 404, "not_found");
  assertError(await api("POST", "/api/bots/me/blocks", { key: ann.key, json: {} }), 400, "validation_failed", { field: "bot" });
  assertError(await api("GET", "/api/bots/me/blocks"), 401, "unauthorized");
  const unblocked = await api("DELETE", `/api/bots/me/blocks/${pest.bot.name}`, { key: ann.key });
  assert.deepEqual(unblocked.body, { bot: { id: pest.bot.id, name: pest.bot.name }, bots: [] });
  await post(pest, "global", `@${ann.bot.name} can you hear me now`);
  assert.deepEqual((await inbox(ann)).items.map((i) => i.by.id), [friend.bot.id, pest.bot.id]);
});

test("items vanish with their room, in the API and in Redis", async () => {
  const [owner, guest] = await registerBots(2, "ibx");
  const room = await createRoom(owner, { name: "short-lived", ttl_seconds: 2, invite: [guest.bot.name] });
  await post(owner, room.id, `@${guest.bot.name} quick, before it ends`);
  await post(owner, "global", `@${guest.bot.name} this one stays`);
  assert.equal((await inbox(guest)).items.length, 3);
  await sleep(2600);
  const after = await inbox(guest);
  assert.deepEqual(after.items.map((i) => i.room.id), ["global"]);
  assert.equal(after.last_seq, 3, "seqs handed out stay handed out");
  // The room's hub purges it at expiry: its items are gone from Redis itself.
  let stored = [];
  for (let i = 0; i < 50; i++) {
    stored = await redis("ZRANGE", `cc:bot:${guest.bot.id}:inbox`, 0, -1);
    if (stored.every((item) => !item.includes(room.id))) break;
    await sleep(200);
  }
  assert.ok(stored.every((item) => !item.includes(room.id)), `items of the ended room left in Redis: ${stored}`);
  assert.equal(await redis("EXISTS", `cc:room:${room.id}:inboxed`), 0);
});

test(`the inbox keeps the newest ${INBOX_CAP} items, and a cursor into what was trimmed still works`, async () => {
  const [fan, star] = await registerBots(2, "cap");
  for (let i = 1; i <= INBOX_CAP + 5; i++) await post(fan, "global", `@${star.bot.name} #${i}`);
  const all = await inbox(star, "?limit=100");
  assert.equal(all.last_seq, INBOX_CAP + 5);
  assert.deepEqual(all.items.map((i) => i.seq), Array.from({ length: INBOX_CAP }, (_, i) => i + 6));
  const resumed = await inbox(star, "?after=3&limit=5");
  assert.deepEqual(resumed.items.map((i) => i.seq), [6, 7, 8, 9, 10]);
  assert.equal(resumed.has_more, true);
});

test("reading the inbox is one round trip; a post that mentions still is one", async () => {
  const [a, b, c] = await registerBots(3, "rti");
  await inbox(a);
  await post(b, "global", `warm @${a.bot.name}`);
  await sleep(150);
  const before = await gatewayStats();
  await inbox(a);
  const read = (await gatewayStats()).requests - before.requests;
  assert.equal(read, 1);
  const beforePost = await gatewayStats();
  await post(b, "global", `@${a.bot.name} @${c.bot.name} both of you`);
  const posted = (await gatewayStats()).requests - beforePost.requests;
  assert.equal(posted, 1);
});

test("live inbox: items stream in seq order as they happen, resume with ?after=, and need a key", async () => {
  const [me, ...posters] = await registerBots(5, "live");
  const rooms = await Promise.all(posters.slice(0, 2).map((p) => createRoom(p, { name: "racing rooms" })));
  const stream = await liveInbox(me);
  assert.equal(stream.ready.last_seq, 0);
  assert.deepEqual(stream.ready.bot, { id: me.bot.id, name: me.bot.name });
  // Racing posts in two rooms and global: the items still arrive in seq order.
  await Promise.all(posters.map(async (p, i) => {
    for (let n = 0; n < 3; n++) await post(p, i < 2 ? rooms[i].id : "global", `@${me.bot.name} ${i}.${n}`);
  }));
  await eventually(() => stream.items().length >= 12, "12 live items");
  assert.deepEqual(stream.items().map((i) => i.seq), Array.from({ length: 12 }, (_, i) => i + 1));
  // Each live item is what the inbox endpoint returns for it.
  const stored = await inbox(me, "?limit=100");
  assert.deepEqual(stream.items(), stored.items);
  // Resuming after 8 replays 9..12, then streams on.
  const resumed = await liveInbox(me, 8);
  await eventually(() => resumed.items().length >= 4, "the replay");
  await post(posters[0], "global", `@${me.bot.name} one more`);
  await eventually(() => resumed.items().length >= 5 && stream.items().length >= 13, "the live item");
  assert.deepEqual(resumed.items().map((i) => i.seq), [9, 10, 11, 12, 13]);
  await closeAll(stream, resumed);
  await assert.rejects(openStream("/api/bots/me/ws"), (err) => err.status === 401);
  const plain = await api("GET", "/api/bots/me/ws", { key: me.key });
  assertError(plain, 426, "upgrade_required");
});

test("recovery: a wrong code is 401 and counted; the right one replaces key and code and closes the old key's streams", async () => {
  const address = uniqueIp();
  const reg = await api("POST", "/api/bots/register", { json: { name: unique("lost"), description: "forgetful" }, headers: { "CF-Connecting-IP": uniqueIp() } });
  assert.equal(reg.status, 201, reg.text);
  const bot = { bot: reg.body.bot, key: reg.body.api_key };
  assert.match(reg.body.recovery_code, /^clawrec_[0-9a-f]{64}$/);
  const owner = await registerBot("lostown");
  const room = await createRoom(owner, { name: "where the lost bot listens", visibility: "private", invite: [bot.bot.name] });
  const roomStream = await openStream(`/api/rooms/${room.id}/ws`, { key: bot.key });
  const inboxStream = await liveInbox(bot);

  const recover = (json, ip = address) => api("POST", "/api/bots/recover", { json, headers: { "CF-Connecting-IP": ip } });
  const wrong = await recover({ name: bot.bot.name, recovery_code: `clawrec_${"0".repeat(64)}` });
  assertError(wrong, 401, "unauthorized");
  assert.match(JSON.parse(wrong.text).error.hint, /recovery code/, "the hint is about recovery, not API keys");
  assert.equal(wrong.headers.get("x-ratelimit-remaining"), "4");
  assertError(await recover({ name: unique("nobody"), recovery_code: reg.body.recovery_code }), 401, "unauthorized");
  assertError(await recover({ name: bot.bot.name, recovery_code: "clawrec_short" }), 400, "validation_failed", { field: "recovery_code" });

  const done = await recover({ name: bot.bot.name, recovery_code: reg.body.recovery_code }, uniqueIp());
  assert.equal(done.status, 200, done.text);
  assert.deepEqual(Object.keys(done.body).sort(), ["api_key", "recovery_code"]);
  assert.notEqual(done.body.recovery_code, reg.body.recovery_code);
  for (const stream of [roomStream, inboxStream]) {
    await eventually(() => stream.closed, "the old key's sockets to close");
    assert.equal(stream.closed.code, 4002);
  }
  assertError(await api("GET", "/api/bots/me", { key: bot.key }), 401, "unauthorized");
  assert.equal((await api("GET", "/api/bots/me", { key: done.body.api_key })).status, 200);
  // The old code is spent; the new one works.
  assertError(await recover({ name: bot.bot.name, recovery_code: reg.body.recovery_code }, uniqueIp()), 401, "unauthorized");
  assert.equal((await recover({ name: bot.bot.name, recovery_code: done.body.recovery_code }, uniqueIp())).status, 200);

  // Guessing from one address runs into its registration limit.
  for (let i = 0; i < 3; i++) assertError(await recover({ name: bot.bot.name, recovery_code: `clawrec_${"1".repeat(64)}` }), 401, "unauthorized");
  assertRateLimited(await recover({ name: bot.bot.name, recovery_code: `clawrec_${"2".repeat(64)}` }), 5, 3600);
});
