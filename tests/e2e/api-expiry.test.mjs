// Expiry: a room whose TTL ends is gone at once from every endpoint, from the list and
// from its members' `me`, and its Redis keys are deleted. Real time is needed: the
// stack allows 2-second rooms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, post } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError, registerBots } from "./api-helpers.mjs";

/** Sleeps until `at` (an RFC 3339 time) has passed by `margin` ms. */
async function sleepUntil(at, margin = 100) {
  await sleep(Math.max(0, Date.parse(at) - Date.now()) + margin);
}

test("a 2-second room lives 2 seconds, then is not found anywhere", async () => {
  const [owner, member, guest, outsider] = await registerBots(4, "exp");
  const room = await createRoom(owner, { name: "mayfly", ttl_seconds: 2, invite: [member.bot.name] });
  const priv = await createRoom(owner, { name: "secret mayfly", ttl_seconds: 2, visibility: "private", invite: [member.bot.name] });
  const keeper = await createRoom(owner, { name: "keeper", ttl_seconds: 600 });
  assert.equal(room.ttl_seconds, 2);
  assert.equal(Date.parse(room.expires_at) - Date.parse(room.created_at), 2000);

  // While alive everything works.
  await post(member, room.id, "short-lived words");
  await post(member, priv.id, "short-lived secrets");
  assert.equal((await api("POST", `/api/rooms/${room.id}/join`, { key: guest.key })).status, 200);
  const list = await api("GET", "/api/rooms/list");
  assert.ok(list.body.rooms.some((r) => r.id === room.id));
  assert.ok(list.body.rooms.some((r) => r.id === priv.id));
  const me = await api("GET", "/api/bots/me", { key: member.key });
  assert.deepEqual(me.body.rooms.map((r) => r.id).sort(), [room.id, priv.id].sort());
  assert.ok(Date.now() < Date.parse(room.expires_at), "the checks above ran within the room's life");

  await sleepUntil(priv.expires_at);

  // Everything about the room answers 410 room_expired, with when it ended, for every
  // kind of caller: a bot holding the id learns the room is over, not that it guessed wrong.
  for (const id of [room.id, priv.id]) {
    for (const key of [undefined, owner.key, member.key, outsider.key]) {
      const ended = assertError(await api("GET", `/api/rooms/${id}`, { key }), 410, "room_expired");
      assert.equal(ended.expired_at, id === room.id ? room.expires_at : priv.expires_at);
      assert.match(ended.message, new RegExp(`^Room ${id} ended at `));
      assert.match(ended.hint, /GET \/api\/rooms\/list/);
      assertError(await api("GET", `/api/rooms/${id}/messages`, { key }), 410, "room_expired");
      assertError(await api("GET", `/api/rooms/${id}/messages?after=0`, { key }), 410, "room_expired");
    }
    assertError(await api("POST", `/api/rooms/${id}/messages`, { key: member.key, json: { content: "anyone?" } }), 410, "room_expired");
    assertError(await api("POST", `/api/rooms/${id}/messages`, { key: outsider.key, json: { content: "anyone?" } }), 410, "room_expired");
    assertError(await api("POST", `/api/rooms/${id}/join`, { key: outsider.key }), 410, "room_expired");
    assertError(await api("POST", `/api/rooms/${id}/join`, { key: member.key }), 410, "room_expired");
    assertError(await api("POST", `/api/rooms/${id}/leave`, { key: member.key }), 410, "room_expired");
    assertError(await api("POST", `/api/rooms/${id}/invite`, { key: owner.key, json: { bot: outsider.bot.name } }), 410, "room_expired");
  }
  // Gone from the list (every filter) and from every member's me, at once.
  for (const q of ["", "?visibility=all", "?visibility=public", "?visibility=private"]) {
    const after = await api("GET", `/api/rooms/list${q}`);
    assert.ok(!after.body.rooms.some((r) => r.id === room.id || r.id === priv.id), `list${q}`);
  }
  for (const bot of [owner, member, guest]) {
    const mine = await api("GET", "/api/bots/me", { key: bot.key });
    assert.ok(!mine.body.rooms.some((r) => r.id === room.id || r.id === priv.id), bot.bot.name);
  }
  const ownerMe = await api("GET", "/api/bots/me", { key: owner.key });
  assert.deepEqual(ownerMe.body.rooms.map((r) => r.id), [keeper.id], "other rooms live on");
  assert.equal((await api("GET", `/api/rooms/${keeper.id}`)).status, 200);
});

test("an expired room's Redis keys and list entries are deleted", async () => {
  const [owner, member] = await registerBots(2, "expk");
  const room = await createRoom(owner, { name: "cleanup", ttl_seconds: 2, invite: [member.bot.name] });
  await post(member, room.id, "leave no trace");
  const keys = [`cc:room:${room.id}`, `cc:room:${room.id}:members`, `cc:room:${room.id}:log`];
  assert.equal(await redis("EXISTS", ...keys), 3, "the room's keys exist while it lives");
  await sleepUntil(room.expires_at, 0);
  await eventually(async () => (await redis("EXISTS", ...keys)) === 0, "the room's keys deleted", 5000);
  await eventually(async () => {
    const [active, expiry] = await Promise.all([
      redis("ZSCORE", "cc:rooms:active", room.id),
      redis("ZSCORE", "cc:rooms:expiry", room.id),
    ]);
    return active === null && expiry === null;
  }, "the room removed from cc:rooms:active and cc:rooms:expiry", 10_000);
});

test("an expired room leaves nothing behind in its members' and owner's indexes", async () => {
  // The room's end (its hub's purge) is meant to remove the room from every member's
  // cc:bot:{id}:rooms and from the owner's cc:bot:{id}:owned; neither bot calls the API
  // again, so nothing else cleans these up.
  const [owner, member] = await registerBots(2, "expi");
  const room = await createRoom(owner, { name: "indexes", ttl_seconds: 2, invite: [member.bot.name] });
  await sleepUntil(room.expires_at, 0);
  await eventually(async () => (await redis("EXISTS", `cc:room:${room.id}`)) === 0, "the room deleted", 5000);
  await eventually(async () => {
    const [memberRooms, ownerRooms, owned] = await Promise.all([
      redis("ZSCORE", `cc:bot:${member.bot.id}:rooms`, room.id),
      redis("ZSCORE", `cc:bot:${owner.bot.id}:rooms`, room.id),
      redis("ZSCORE", `cc:bot:${owner.bot.id}:owned`, room.id),
    ]);
    if (memberRooms === null && ownerRooms === null && owned === null) return true;
    throw new Error(`still indexed (scores): ${JSON.stringify({ memberRooms, ownerRooms, owned })}`);
  }, "the room removed from cc:bot:{member}:rooms, cc:bot:{owner}:rooms and cc:bot:{owner}:owned", 5000);
});

test("a room is alive until the end of its TTL, not a moment less", async () => {
  const [owner] = await registerBots(1, "expl");
  const room = await createRoom(owner, { name: "countdown", ttl_seconds: 3 });
  // Poll until shortly before the end: it answers 200 the whole time.
  const end = Date.parse(room.expires_at);
  while (Date.now() < end - 400) {
    const res = await api("GET", `/api/rooms/${room.id}`);
    assert.equal(res.status, 200, `at ${end - Date.now()} ms before the end: ${res.text}`);
    await sleep(200);
  }
  // Then 410 once the end has passed.
  const goneAt = await eventually(async () => {
    const res = await api("GET", `/api/rooms/${room.id}`);
    return res.status === 410 ? Date.now() : res.status === 200 ? false : Promise.reject(new Error(res.text));
  }, "410 after the end", 3000, 20);
  assert.ok(goneAt >= end, `not before its time (${end - goneAt} ms early)`);
  assert.ok(goneAt - end < 1000, `at once (${goneAt - end} ms late)`);
});
