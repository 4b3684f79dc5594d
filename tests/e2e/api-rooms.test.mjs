// Rooms: creation and its fields, the list, one room with its members, joining, leaving,
// inviting, the global room's refusals, the live-room cap and the creation rate limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, registerBot, createRoom, post, unique } from "../lib/client.mjs";
import { sleep } from "../lib/poll.mjs";
import {
  UNKNOWN_ROOM, assertBotRef, assertError, assertNoRateHeaders, assertRateHeaders,
  assertRateLimited, assertRoom, registerBots,
} from "./api-helpers.mjs";

function create(bot, json) {
  return api("POST", "/api/rooms/create", { key: bot.key, json });
}

async function listed(visibility) {
  const res = await api("GET", `/api/rooms/list${visibility ? `?visibility=${visibility}` : ""}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body), ["rooms"]);
  return res.body.rooms;
}

const member = (view, bot) => view.members?.some((m) => m.id === bot.bot.id);

test("a bot creates a room with the defaults: public, 600 s, itself the only member", async () => {
  const owner = await registerBot("cr");
  const before = Date.now();
  const res = await create(owner, { name: "  Tide tables  " });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(Object.keys(res.body), ["room"]);
  const room = res.body.room;
  assertRoom(room);
  assert.equal(room.name, "Tide tables", "name trimmed");
  assert.equal(room.description, "");
  assert.equal(room.visibility, "public");
  assert.equal(room.ttl_seconds, 600);
  assert.deepEqual(room.created_by, { id: owner.bot.id, name: owner.bot.name });
  assert.equal(room.member_count, 1);
  assert.equal(room.message_count, 0);
  assert.equal(room.last_message_at, null);
  assert.ok(Math.abs(Date.parse(room.created_at) - before) < 60_000);
  assertRateHeaders(res, 10, 3600, 9);

  const got = await api("GET", `/api/rooms/${room.id}`);
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(Object.keys(got.body).sort(), ["members", "room"]);
  assert.deepEqual(got.body.room, room);
  assert.deepEqual(got.body.members, [{ id: owner.bot.id, name: owner.bot.name }]);
  assert.equal(got.headers.get("access-control-allow-origin"), "*");
});

test("room fields: every option, bounds of name, description and ttl", async () => {
  const [owner, guest] = await registerBots(2, "crf");
  const res = await create(owner, {
    name: "n".repeat(64),
    description: `${"d".repeat(499)}😀`,
    visibility: "private",
    ttl_seconds: 604800,
    invite: [guest.bot.name],
  });
  assert.equal(res.status, 201, res.text);
  const room = res.body.room;
  assertRoom(room);
  assert.equal(room.name.length, 64);
  assert.equal([...room.description].length, 500);
  assert.equal(room.visibility, "private");
  assert.equal(room.ttl_seconds, 604800);
  assert.equal(room.member_count, 2);

  const min = await create(owner, { name: "x", description: null, visibility: null, ttl_seconds: 2, invite: null });
  assert.equal(min.status, 201, min.text);
  assert.equal(min.body.room.ttl_seconds, 2);
  assert.equal(min.body.room.visibility, "public");
  const withEmpty = await create(owner, { name: "multi\tline?", description: "line\none", visibility: "public", invite: [] });
  assertError(withEmpty, 400, "validation_failed", { field: "name" });

  const bad = [
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "   " }, "name"],
    [{ name: "n".repeat(65) }, "name"],
    [{ name: "😀".repeat(65) }, "name"],
    [{ name: "new\nline" }, "name"],
    [{ name: 5 }, "name"],
    [{ name: "ok", description: "d".repeat(501) }, "description"],
    [{ name: "ok", description: "bell\u0007" }, "description"],
    [{ name: "ok", description: 3 }, "description"],
    [{ name: "ok", visibility: "secret" }, "visibility"],
    [{ name: "ok", visibility: "Public" }, "visibility"],
    [{ name: "ok", visibility: true }, "visibility"],
    [{ name: "ok", ttl_seconds: 1 }, "ttl_seconds"],
    [{ name: "ok", ttl_seconds: 0 }, "ttl_seconds"],
    [{ name: "ok", ttl_seconds: -5 }, "ttl_seconds"],
    [{ name: "ok", ttl_seconds: 604801 }, "ttl_seconds"],
    [{ name: "ok", ttl_seconds: 1e20 }, "ttl_seconds"],
    [{ name: "ok", ttl_seconds: "600" }, "ttl_seconds"],
    [{ name: "ok", ttl_seconds: 60.5 }, "ttl_seconds"],
    [{ name: "ok", invite: "someone" }, "invite"],
    [{ name: "ok", invite: [1] }, "invite"],
    [{ name: "ok", invite: ["bad name"] }, "invite"],
    [{ name: "ok", invite: Array.from({ length: 21 }, (_, i) => `nobody${i}`) }, "invite"],
  ];
  for (const [json, field] of bad) {
    const r = await create(owner, json);
    assertError(r, 400, "validation_failed", { field });
    assertNoRateHeaders(r);
  }
  // None of the refusals counted: the owner has made 2 rooms.
  const third = await create(owner, { name: "third" });
  assertRateHeaders(third, 10, 3600, 7);
});

test("invite at creation: duplicates merged case-insensitively, an unknown name creates nothing", async () => {
  const [owner, a, b] = await registerBots(3, "inv0");
  const res = await create(owner, {
    name: "crew",
    visibility: "private",
    invite: [a.bot.name, a.bot.name.toUpperCase(), b.bot.name.toLowerCase(), owner.bot.name],
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.room.member_count, 3);
  const view = await api("GET", `/api/rooms/${res.body.room.id}`, { key: a.key });
  assert.deepEqual(view.body.members.map((m) => m.name).sort(), [owner, a, b].map((x) => x.bot.name).sort(), "names as registered");

  // 20 names is the maximum.
  const twenty = await registerBots(19, "inv20");
  const many = await create(owner, { name: "twenty", invite: [a.bot.name, ...twenty.map((t) => t.bot.name)] });
  assert.equal(many.status, 201, many.text);
  assert.equal(many.body.room.member_count, 21);

  const name = unique("ghostroom ");
  const ghost = await create(owner, { name, invite: [a.bot.name, unique("nobody")] });
  assertError(ghost, 404, "not_found");
  assertRateHeaders(ghost, 10, 3600, 8);
  assert.ok(!(await listed()).some((r) => r.name === name), "nothing was created");
  const me = await api("GET", "/api/bots/me", { key: a.key });
  assert.equal(me.body.rooms.length, 2, "the invited bot was not added anywhere");
  const next = await create(owner, { name: "after ghost" });
  assertRateHeaders(next, 10, 3600, 7);
});

test("the list: live rooms newest activity first, private ones with metadata only, filters", async () => {
  const [owner, other] = await registerBots(2, "list");
  const a = await createRoom(owner, { name: unique("list-a ") });
  await sleep(5);
  const b = await createRoom(owner, { name: unique("list-b ") });
  await sleep(5);
  const p = await createRoom(owner, { name: unique("list-p "), visibility: "private", invite: [other.bot.name] });

  let rooms = await listed();
  rooms.forEach(assertRoom);
  let ids = rooms.map((r) => r.id);
  assert.deepEqual(ids.slice(0, 3), [p.id, b.id, a.id], "newest creation first");
  const listedP = rooms.find((r) => r.id === p.id);
  assert.deepEqual(listedP, p, "a private room's metadata is listed as is");
  assert.ok(!("members" in listedP));

  // A message is activity: a moves to the top.
  await sleep(5);
  await post(owner, a.id, "bump");
  rooms = await listed();
  assert.deepEqual(rooms.slice(0, 3).map((r) => r.id), [a.id, p.id, b.id]);
  assert.equal(rooms[0].message_count, 1);
  assert.ok(rooms[0].last_message_at);
  // A message in a private room counts too, and shows nothing but counters.
  await sleep(5);
  await post(other, p.id, "quiet words");
  rooms = await listed();
  assert.equal(rooms[0].id, p.id);
  assert.equal(rooms[0].message_count, 1);
  assert.ok(!JSON.stringify(rooms).includes("quiet words"));

  const all = await listed("all");
  assert.deepEqual(all.map((r) => r.id), rooms.map((r) => r.id));
  const pub = await listed("public");
  assert.ok(pub.every((r) => r.visibility === "public"));
  assert.ok(pub.some((r) => r.id === a.id) && !pub.some((r) => r.id === p.id));
  const priv = await listed("private");
  assert.ok(priv.every((r) => r.visibility === "private"));
  assert.ok(priv.some((r) => r.id === p.id) && !priv.some((r) => r.id === a.id));
  assert.ok(all.length <= 500);
  ids = all.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(!ids.includes("global"), "the global room is not a listed room");
  for (let i = 1; i < all.length; i++) {
    const at = (r) => Math.max(Date.parse(r.created_at), r.last_message_at ? Date.parse(r.last_message_at) : 0);
    assert.ok(at(all[i - 1]) >= at(all[i]), `activity order at ${i}`);
  }

  for (const bad of ["secret", "PUBLIC", "", "global"]) {
    const res = await api("GET", `/api/rooms/list?visibility=${bad}`);
    assertError(res, 400, "validation_failed", { field: "visibility" });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
});

test("get: members of public rooms to all, of private rooms to members only", async () => {
  const [owner, guest, outsider] = await registerBots(3, "get");
  const pub = await createRoom(owner, { name: "pub" });
  const priv = await createRoom(owner, { name: "priv", visibility: "private", invite: [guest.bot.name] });

  for (const key of [undefined, outsider.key, guest.key, owner.key]) {
    const res = await api("GET", `/api/rooms/${pub.id}`, { key });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.members, [{ id: owner.bot.id, name: owner.bot.name }]);
  }
  for (const key of [undefined, outsider.key]) {
    const res = await api("GET", `/api/rooms/${priv.id}`, { key });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.members, null);
    assertRoom(res.body.room);
    assert.equal(res.body.room.member_count, 2);
  }
  for (const key of [guest.key, owner.key]) {
    const res = await api("GET", `/api/rooms/${priv.id}`, { key });
    assert.deepEqual(res.body.members.map((m) => m.id).sort(), [owner.bot.id, guest.bot.id].sort());
    res.body.members.forEach(assertBotRef);
  }
  for (const id of [UNKNOWN_ROOM, "nope", "r_0123", "R_0123456789abcdef", "r_0123456789ABCDEF", "r_0123456789abcdeg"]) {
    const res = await api("GET", `/api/rooms/${id}`);
    assertError(res, 404, "not_found");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
});

test("join and leave: public rooms open to all, private rooms closed, no-ops are 200", async () => {
  const [owner, bot, guest] = await registerBots(3, "jl");
  const pub = await createRoom(owner, { name: "pub" });
  const priv = await createRoom(owner, { name: "priv", visibility: "private", invite: [guest.bot.name] });

  let res = await api("POST", `/api/rooms/${pub.id}/join`, { key: bot.key });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body), ["room"]);
  assertRoom(res.body.room);
  assert.equal(res.body.room.member_count, 2);
  assert.ok(member((await api("GET", `/api/rooms/${pub.id}`)).body, bot));
  // Again: no change.
  res = await api("POST", `/api/rooms/${pub.id}/join`, { key: bot.key });
  assert.equal(res.status, 200);
  assert.equal(res.body.room.member_count, 2);

  res = await api("POST", `/api/rooms/${pub.id}/leave`, { key: bot.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.room.member_count, 1);
  assert.ok(!member((await api("GET", `/api/rooms/${pub.id}`)).body, bot));
  // Leaving a public room one is not in: a no-op.
  res = await api("POST", `/api/rooms/${pub.id}/leave`, { key: bot.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.room.member_count, 1);

  // Posting in a public room makes the author a member.
  await post(bot, pub.id, "I am back");
  res = await api("GET", `/api/rooms/${pub.id}`);
  assert.equal(res.body.room.member_count, 2);
  assert.ok(member(res.body, bot));

  // Private: outsiders can neither join nor leave; members join as a no-op and may leave.
  assertError(await api("POST", `/api/rooms/${priv.id}/join`, { key: bot.key }), 403, "forbidden");
  assertError(await api("POST", `/api/rooms/${priv.id}/leave`, { key: bot.key }), 403, "forbidden");
  res = await api("POST", `/api/rooms/${priv.id}/join`, { key: guest.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.room.member_count, 2);
  res = await api("POST", `/api/rooms/${priv.id}/leave`, { key: guest.key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.room.member_count, 1);
  assertError(await api("GET", `/api/rooms/${priv.id}/messages`, { key: guest.key }), 403, "forbidden");
  assertError(await api("POST", `/api/rooms/${priv.id}/join`, { key: guest.key }), 403, "forbidden");

  // No body is needed; one that says something is refused, and nothing changes.
  res = await api("POST", `/api/rooms/${pub.id}/join`, { key: guest.key, body: "not json", headers: { "Content-Type": "text/plain" } });
  assertError(res, 400, "validation_failed", { field: "body" });
  assert.ok(!member((await api("GET", `/api/rooms/${pub.id}`)).body, guest), "not joined");
  res = await api("POST", `/api/rooms/${pub.id}/join`, { key: guest.key, json: {} });
  assert.equal(res.status, 200, res.text);

  for (const op of ["join", "leave"]) {
    assertError(await api("POST", `/api/rooms/${pub.id}/${op}`), 401, "unauthorized");
    assertError(await api("POST", `/api/rooms/${UNKNOWN_ROOM}/${op}`, { key: bot.key }), 404, "not_found");
    assertError(await api("POST", `/api/rooms/not-a-room/${op}`, { key: bot.key }), 404, "not_found");
  }
});

test("invite: members only, by name, idempotent, unknown names 404", async () => {
  const [owner, member1, outsider, target, late] = await registerBots(5, "inv");
  const pub = await createRoom(owner, { name: "pub" });
  const priv = await createRoom(owner, { name: "priv", visibility: "private", invite: [member1.bot.name] });

  // A member of a private room invites by name (any case); the answer names the bot as registered.
  let res = await api("POST", `/api/rooms/${priv.id}/invite`, { key: member1.key, json: { bot: target.bot.name.toUpperCase() } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ["invited", "room"]);
  assert.deepEqual(res.body.invited, { id: target.bot.id, name: target.bot.name });
  assertRoom(res.body.room);
  assert.equal(res.body.room.member_count, 3);
  const first = assertRateHeaders(res, 60, 3600);
  // The invited bot can read now.
  assert.equal((await api("GET", `/api/rooms/${priv.id}/messages`, { key: target.key })).status, 200);
  assert.ok((await api("GET", "/api/bots/me", { key: target.key })).body.rooms.some((r) => r.id === priv.id));

  // Inviting a member again: 200, nothing changes, not counted.
  res = await api("POST", `/api/rooms/${priv.id}/invite`, { key: owner.key, json: { bot: target.bot.name } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.room.member_count, 3);
  res = await api("POST", `/api/rooms/${priv.id}/invite`, { key: member1.key, json: { bot: target.bot.name } });
  assertRateHeaders(res, 60, 3600, first.remaining);

  // Non-members may not invite, not even in public rooms.
  assertError(await api("POST", `/api/rooms/${priv.id}/invite`, { key: outsider.key, json: { bot: late.bot.name } }), 403, "forbidden");
  assertError(await api("POST", `/api/rooms/${pub.id}/invite`, { key: outsider.key, json: { bot: late.bot.name } }), 403, "forbidden");
  assert.equal((await api("GET", `/api/rooms/${pub.id}`)).body.room.member_count, 1);

  // A member of a public room may.
  res = await api("POST", `/api/rooms/${pub.id}/invite`, { key: owner.key, json: { bot: late.bot.name } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.room.member_count, 2);

  // Unknown bot: 404, decided with the limiter (headers, not counted).
  res = await api("POST", `/api/rooms/${pub.id}/invite`, { key: owner.key, json: { bot: unique("ghost") } });
  assertError(res, 404, "not_found");
  const after404 = await api("POST", `/api/rooms/${pub.id}/invite`, { key: owner.key, json: { bot: member1.bot.name } });
  assert.equal(after404.status, 200, after404.text);
  const rate = assertRateHeaders(after404, 60, 3600);
  assertRateHeaders(res, 60, 3600, rate.remaining + 1);
});

test("invites are limited to 60 per hour per bot, those made at creation included; refusals and re-invites do not count", async () => {
  const [owner, helper] = await registerBots(2, "irl");
  const targets = await registerBots(60, "irlt");
  // The invite at creation is the first of the 60.
  const room = await createRoom(owner, { name: "big party", invite: [helper.bot.name] });
  for (let i = 0; i < 59; i++) {
    if (i === 30) {
      // A re-invite and an invite refused for validation cost nothing.
      const again = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: targets[0].bot.name } });
      assert.equal(again.status, 200, again.text);
      assertRateHeaders(again, 60, 3600, 29);
      assertNoRateHeaders(await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: "no way" } }));
    }
    const res = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: targets[i].bot.name } });
    assert.equal(res.status, 200, res.text);
    assertRateHeaders(res, 60, 3600, 58 - i);
  }
  const over = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: targets[59].bot.name } });
  assertRateLimited(over, 60, 3600);
  const view = await api("GET", `/api/rooms/${room.id}`);
  assert.equal(view.body.room.member_count, 61, "the refused invite added nobody");
  assert.ok(!view.body.members.some((m) => m.id === targets[59].bot.id));
  // The limit is per inviting bot.
  const other = await api("POST", `/api/rooms/${room.id}/invite`, { key: helper.key, json: { bot: targets[59].bot.name } });
  assert.equal(other.status, 200, other.text);
  assertRateHeaders(other, 60, 3600, 59);
});

test("invite validation, auth and unknown rooms", async () => {
  const [owner, other] = await registerBots(2, "inv2");
  const room = await createRoom(owner);
  for (const json of [{}, { bot: "" }, { bot: "a" }, { bot: "bad name" }, { bot: 7 }, { bot: ["x"] }, { bot: null }]) {
    const res = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json });
    assertError(res, 400, "validation_failed", { field: "bot" });
    assertNoRateHeaders(res);
  }
  assertError(await api("POST", `/api/rooms/${room.id}/invite`, { json: { bot: other.bot.name } }), 401, "unauthorized");
  assertError(await api("POST", `/api/rooms/${UNKNOWN_ROOM}/invite`, { key: owner.key, json: { bot: other.bot.name } }), 404, "not_found");
});

test("the global room: readable as a room, but cannot be joined, left or invited to", async () => {
  const [bot, other] = await registerBots(2, "glob");
  assert.equal((await api("GET", "/api/bots/me", { key: bot.key })).status, 200);
  const res = await api("GET", "/api/rooms/global");
  assert.equal(res.status, 200, res.text);
  assertRoom(res.body.room);
  assert.equal(res.body.room.id, "global");
  const info = await api("GET", "/api/global/info");
  assert.equal(res.body.room.member_count, info.body.bot_count, "member_count = registered bots");
  assert.ok(Array.isArray(res.body.members) && res.body.members.length <= 100);
  assert.equal(res.body.members[0].id, bot.bot.id, "most recently active first");
  assert.ok(res.body.members.some((m) => m.id === other.bot.id));

  for (const op of ["join", "leave"]) {
    assertError(await api("POST", `/api/rooms/global/${op}`, { key: bot.key }), 403, "forbidden");
  }
  assertError(await api("POST", "/api/rooms/global/invite", { key: bot.key, json: { bot: other.bot.name } }), 403, "forbidden");
  // Creating a room does not touch the global one, whatever its name.
  const named = await create(bot, { name: "global" });
  assert.equal(named.status, 201, named.text);
  assert.notEqual(named.body.room.id, "global");
  assert.equal((await api("GET", "/api/rooms/global")).body.room.name, info.body.room.name);
});

test("a bot may own at most 10 live rooms: the 11th is 403", async () => {
  const [owner, other] = await registerBots(2, "cap");
  for (let i = 0; i < 10; i++) await createRoom(owner, { name: `cap ${i}` });
  // Being invited into more rooms is not owning them.
  const invited = await createRoom(other, { name: "not owned", invite: [owner.bot.name] });
  const me = await api("GET", "/api/bots/me", { key: owner.key });
  assert.equal(me.body.rooms.length, 11);
  assert.ok(me.body.rooms.some((r) => r.id === invited.id));
  // The eleventh live room is refused because of the cap (403), with the limiter's headers.
  const eleventh = await create(owner, { name: "cap 11" });
  assertError(eleventh, 403, "forbidden");
  assertRateHeaders(eleventh, 10, 3600);
});

test("room creation is rate limited (10 per hour per bot), live or not", async () => {
  const owner = await registerBot("crl");
  let last;
  for (let i = 0; i < 10; i++) {
    const res = await create(owner, { name: `short ${i}`, ttl_seconds: 2 });
    assert.equal(res.status, 201, res.text);
    assertRateHeaders(res, 10, 3600, 9 - i);
    last = res.body.room;
  }
  // Once they have all ended the bot owns no live room, and still may not create more.
  await sleep(Math.max(0, Date.parse(last.expires_at) - Date.now()) + 100);
  assertError(await api("GET", `/api/rooms/${last.id}`), 410, "room_expired");
  const res = await create(owner, { name: "one too many" });
  assertRateLimited(res, 10, 3600);
  // Other bots are unaffected.
  const other = await registerBot("crl-other");
  assert.equal((await create(other, { name: "fine" })).status, 201);
});

test("create needs a key and a JSON body", async () => {
  const owner = await registerBot("crauth");
  assertError(await api("POST", "/api/rooms/create", { json: { name: "x" } }), 401, "unauthorized");
  assertError(await api("POST", "/api/rooms/create", { key: owner.key, body: "name=x", headers: { "Content-Type": "application/x-www-form-urlencoded" } }), 415, "unsupported_media_type");
  assertError(await api("POST", "/api/rooms/create", { key: owner.key, body: "{name", headers: { "Content-Type": "application/json" } }), 400, "invalid_json");
  assertError(await api("POST", "/api/rooms/create", { key: owner.key, body: "[]", headers: { "Content-Type": "application/json" } }), 400, "invalid_json");
});

// 510 newer rooms (51 bots x 10, the most each may create) on top of two older ones.
let crowd;
function crowded() {
  crowd ??= (async () => {
    const early = await registerBot("l500e");
    const oldPrivate = await createRoom(early, { name: unique("old private "), visibility: "private" });
    const oldPublic = await createRoom(early, { name: unique("old public ") });
    const bots = await registerBots(51, "l500");
    const created = [];
    await Promise.all(bots.map(async (bot, b) => {
      for (let i = 0; i < 10; i++) created.push(await createRoom(bot, { name: `crowd ${b}.${i}` }));
    }));
    return { early, oldPrivate, oldPublic, created };
  })();
  return crowd;
}

test("the list shows at most 500 rooms, those with the newest activity", async () => {
  const { early, oldPublic, created } = await crowded();
  const all = await listed();
  assert.equal(all.length, 500);
  assert.equal(new Set(all.map((r) => r.id)).size, 500);
  for (let i = 1; i < all.length; i++) {
    const at = (r) => Math.max(Date.parse(r.created_at), r.last_message_at ? Date.parse(r.last_message_at) : 0);
    assert.ok(at(all[i - 1]) >= at(all[i]), `activity order at ${i}`);
  }
  const newest = created.reduce((a, b) => (Date.parse(b.created_at) > Date.parse(a.created_at) ? b : a));
  assert.equal(Date.parse(all[0].created_at), Date.parse(newest.created_at));
  assert.ok(!all.some((r) => r.id === oldPublic.id), "an older room falls off the list");
  assert.equal((await api("GET", `/api/rooms/${oldPublic.id}`)).status, 200, "but is still alive");
  // A message is activity: the old room is back on top.
  await post(early, oldPublic.id, "still here");
  const again = await listed();
  assert.equal(again.length, 500);
  assert.equal(again[0].id, oldPublic.id);
  assert.equal((await listed("public")).length, 500);
});

test("the visibility filter picks from all live rooms, not only the 500 newest", async () => {
  const { oldPrivate } = await crowded();
  const priv = await listed("private");
  assert.ok(priv.every((r) => r.visibility === "private"));
  assert.ok(priv.some((r) => r.id === oldPrivate.id), "a live private room is missing from ?visibility=private");
});
