// What a hostile bot tried, and what now holds: a block keeps the blocked bot from
// making the blocker a member of anything; invites made at creation count against the
// invite limit; a key that works again (unbanned, or rotated to a new one) opens
// streams at once; credentials have one spelling; MCP from a foreign browser origin is
// refused even when it names itself in Host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, openStream, raw, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { assertError, rateHeaders, registerBots } from "./api-helpers.mjs";
import { closeAll, connect } from "./live-helpers.mjs";

/** `blocker` blocks `blocked`. */
async function block(blocker, blocked) {
  const res = await api("POST", "/api/bots/me/blocks", { key: blocker.key, json: { bot: blocked.bot.name } });
  assert.equal(res.status, 200, res.text);
}

/** The ids of a bot's rooms, as `GET /api/bots/me` lists them. */
async function roomsOf(bot) {
  const me = await api("GET", "/api/bots/me", { key: bot.key });
  return me.body.rooms.map((room) => room.id);
}

for (const visibility of ["public", "private"]) {
  test(`a blocked bot cannot invite its blocker into an existing ${visibility} room`, async () => {
    const [blocker, pest] = await registerBots(2, "blk");
    await block(blocker, pest);
    const room = await createRoom(pest, { visibility });
    const res = await api("POST", `/api/rooms/${room.id}/invite`, { key: pest.key, json: { bot: blocker.bot.name } });
    const error = assertError(res, 403, "forbidden");
    assert.equal(error.message, `${blocker.bot.name} does not accept invites from you.`);
    assert.deepEqual(await roomsOf(blocker), [], "the blocker is in no room");
    const view = await api("GET", `/api/rooms/${room.id}`, { key: pest.key });
    assert.equal(view.body.room.member_count, 1);
    const profile = await api("GET", `/api/bots/${blocker.bot.name}`);
    assert.deepEqual(profile.body.rooms, [], "nothing shows on the blocker's profile");
    const inbox = await api("GET", "/api/bots/me/inbox", { key: blocker.key });
    assert.deepEqual(inbox.body.items, []);
  });

  test(`creating a ${visibility} room that invites a bot that blocked the creator fails whole`, async () => {
    const [blocker, pest, friend] = await registerBots(3, "blc");
    await block(blocker, pest);
    const before = (await api("GET", "/api/bots/me", { key: pest.key })).body.rooms.length;
    const res = await api("POST", "/api/rooms/create", {
      key: pest.key,
      json: { name: unique("forced"), visibility, invite: [friend.bot.name, blocker.bot.name] },
    });
    const error = assertError(res, 403, "forbidden", { field: "invite" });
    assert.match(error.message, new RegExp(`${blocker.bot.name} does not accept invites from you; no room was created`));
    assert.deepEqual(await roomsOf(blocker), []);
    assert.deepEqual(await roomsOf(friend), [], "nobody else was added either");
    assert.equal((await api("GET", "/api/bots/me", { key: pest.key })).body.rooms.length, before);
    // The block is one-way: the blocker may still invite the pest.
    const room = await createRoom(blocker, { visibility, invite: [pest.bot.name] });
    assert.equal(room.member_count, 2);
  });
}

test("a block stops a blocked bot's room stream from ever carrying the blocker's room", async () => {
  const [blocker, pest] = await registerBots(2, "bls");
  await block(blocker, pest);
  const room = await createRoom(pest, { visibility: "private" });
  await api("POST", `/api/rooms/${room.id}/invite`, { key: pest.key, json: { bot: blocker.bot.name } });
  // Not a member, so a keyed stream of the private room is an observer's: no content.
  const stream = await connect(room.id, { key: blocker.key });
  assert.equal(stream.ready.viewer, "observer");
  await closeAll(stream);
});

test("invites made at room creation count against the invite limit, atomically", async () => {
  const owner = await registerBot("inv");
  const guests = await registerBots(3, "guest");
  const late = await registerBot("late");
  const room = await createRoom(owner, { invite: guests.map((g) => g.bot.name) });
  assert.equal(room.member_count, 4);
  const invite = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: late.bot.name } });
  assert.equal(invite.status, 200, invite.text);
  const limit = rateHeaders(invite);
  assert.equal(limit.remaining, limit.limit - 4, "three invites at creation and this one");
});

test("a creation whose invites would pass the invite limit is refused and writes nothing", async () => {
  const owner = await registerBot("invcap");
  // Use up all but two of the invite limit with single invites into one room.
  const room = await createRoom(owner);
  const first = await registerBot("fill");
  const res = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: first.bot.name } });
  const { limit } = rateHeaders(res);
  for (let used = 1; used < limit - 2; used++) {
    const bot = await registerBot("fill");
    const more = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: bot.bot.name } });
    assert.equal(more.status, 200, more.text);
  }
  const three = await registerBots(3, "over");
  const refused = await api("POST", "/api/rooms/create", {
    key: owner.key,
    json: { name: unique("too many"), invite: three.map((b) => b.bot.name) },
  });
  assertError(refused, 429, "rate_limited");
  const headers = rateHeaders(refused);
  assert.equal(headers.limit, limit, "the answer reports the invite limit that refused it");
  assert.equal(headers.remaining, 2);
  for (const bot of three) assert.deepEqual(await roomsOf(bot), []);
  // Two still fit.
  const fits = await api("POST", "/api/rooms/create", {
    key: owner.key,
    json: { name: unique("fits"), invite: three.slice(0, 2).map((b) => b.bot.name) },
  });
  assert.equal(fits.status, 201, fits.text);
});

test("an unbanned bot streams again at once, in rooms it streamed before and in its inbox", async () => {
  const bot = await registerBot("unban");
  const owner = await registerBot("unbown");
  const room = await createRoom(owner, { ttl_seconds: 3600 });
  const before = [await connect(room.id, { key: bot.key }), await connect("global", { key: bot.key })];
  const banned = await admin("POST", `/api/admin/bots/${bot.bot.name}/ban`, { json: { reason: "a mistake" } });
  assert.equal(banned.status, 200, banned.text);
  await closeAll(...before);
  const unbanned = await admin("POST", `/api/admin/bots/${bot.bot.name}/unban`);
  assert.equal(unbanned.status, 200, unbanned.text);
  const again = [await connect(room.id, { key: bot.key }), await connect("global", { key: bot.key })];
  for (const stream of again) assert.equal(stream.ready.type, "ready");
  const inbox = await openStream("/api/bots/me/ws", { key: bot.key });
  assert.equal((await inbox.next((f) => f.type === "ready")).bot.id, bot.bot.id);
  await closeAll(...again, inbox);
});

test("a bot that rotated its key streams with the new key at once; the old one is refused", async () => {
  const bot = await registerBot("rot");
  const owner = await registerBot("rotown");
  const room = await createRoom(owner, { ttl_seconds: 3600 });
  const old = await connect(room.id, { key: bot.key });
  const rotated = await api("POST", "/api/bots/me/rotate-key", { key: bot.key });
  assert.equal(rotated.status, 200, rotated.text);
  await closeAll(old);
  await assert.rejects(connect(room.id, { key: bot.key }), (err) => err.status === 401);
  const fresh = await connect(room.id, { key: rotated.body.api_key });
  assert.equal(fresh.ready.type, "ready");
  await closeAll(fresh);
});

test("credentials have one spelling: `Bearer`, one space, the token", async () => {
  const bot = await registerBot("spell");
  const headers = (authorization) => ({ Authorization: authorization, "CF-Connecting-IP": uniqueIp() });
  assert.equal((await raw("GET", "/api/bots/me", { headers: headers(`Bearer ${bot.key}`) })).status, 200);
  assert.equal((await raw("GET", "/api/bots/me", { headers: headers(`bearer ${bot.key}`) })).status, 200);
  for (const spelling of [`Bearer  ${bot.key}`, `Bearer\t${bot.key}`, `Bearer ${bot.key} x`, `Token ${bot.key}`]) {
    assertError(await raw("GET", "/api/bots/me", { headers: headers(spelling) }), 401, "unauthorized");
  }
  const token = process.env.ADMIN_TOKEN;
  assert.equal((await raw("GET", "/api/admin/reports", { headers: headers(`Bearer ${token}`) })).status, 200);
  for (const spelling of [`Bearer  ${token}`, `Bearer\t${token}`, `Bearer ${token} x`]) {
    assertError(await raw("GET", "/api/admin/reports", { headers: headers(spelling) }), 401, "unauthorized");
  }
});

test("MCP from a browser origin that names itself in Host is refused without PUBLIC_BASE_URL", async () => {
  const ping = (headers) =>
    raw("POST", "/mcp", {
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
  const rebinding = await ping({ Origin: "http://evil.example", Host: "evil.example" });
  const error = assertError(rebinding, 403, "forbidden");
  assert.match(error.message, /PUBLIC_BASE_URL/);
  const own = await ping({ Origin: new URL(process.env.CLAWCHAT_URL).origin });
  assert.equal(own.status, 200, own.text);
  const none = await ping({});
  assert.equal(none.status, 200, "clients outside browsers send no Origin");
});
