// A room's end: at its TTL the hub's alarm sends room_expired, closes every socket with
// 4001 and deletes the room from Redis; the room is then 410 everywhere. The test stack
// allows 2-second rooms (ROOM_TTL_MIN_SECONDS=2), so this runs in real time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, openStream, post, registerBot } from "../lib/client.mjs";
import { eventually } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { connect, streamPath } from "./live-helpers.mjs";

/** Whether any index still names the room (before a REST call could tidy lazily). */
async function leftovers(roomId, botIds) {
  const indexes = ["cc:rooms:active", "cc:rooms:active:public", "cc:rooms:active:private", "cc:rooms:expiry"];
  for (const id of botIds) indexes.push(`cc:bot:${id}:rooms`, `cc:bot:${id}:owned`);
  const left = await redis("KEYS", `cc:room:${roomId}*`);
  for (const index of indexes) {
    if ((await redis("ZSCORE", index, roomId)) !== null) left.push(index);
  }
  return left;
}

test("a 2-second room sends room_expired, closes 4001, and is gone everywhere", async () => {
  const [owner, guest] = await Promise.all([registerBot("shortlived"), registerBot("shortguest")]);
  const room = await createRoom(owner, { ttl_seconds: 2, invite: [guest.bot.name] });
  const observer = await connect(room.id);
  const member = await connect(room.id, { key: owner.key });
  const privateRoom = await createRoom(owner, { ttl_seconds: 2, visibility: "private" });
  const privateObserver = await connect(privateRoom.id);
  await post(owner, room.id, "last words");
  assert.deepEqual((await leftovers(room.id, [owner.bot.id, guest.bot.id])).sort(), [
    `cc:bot:${guest.bot.id}:rooms`,
    `cc:bot:${owner.bot.id}:owned`,
    `cc:bot:${owner.bot.id}:rooms`,
    `cc:room:${room.id}`,
    `cc:room:${room.id}:inboxed`,
    `cc:room:${room.id}:log`,
    `cc:room:${room.id}:members`,
    "cc:rooms:active",
    "cc:rooms:active:public",
    "cc:rooms:expiry",
  ].sort(), "while it lives the room has its keys and index entries");

  for (const stream of [observer, member, privateObserver]) {
    const [id, expiresAt] = stream === privateObserver ? [privateRoom.id, Date.parse(privateRoom.expires_at)] : [room.id, Date.parse(room.expires_at)];
    const frame = await stream.next((f) => f.type === "room_expired", 8000);
    const at = Date.now();
    assert.deepEqual(frame, { type: "room_expired", room_id: id });
    assert.ok(at >= expiresAt - 50, `room_expired ${expiresAt - at} ms early`);
    assert.ok(at <= expiresAt + 3000, `room_expired ${at - expiresAt} ms late`);
    await eventually(() => stream.closed, "the socket to close");
    assert.equal(stream.closed.code, 4001);
  }

  // The hub purges the room's keys and index entries itself, without waiting for a
  // request to tidy up.
  const botIds = [owner.bot.id, guest.bot.id];
  for (const id of [room.id, privateRoom.id]) {
    let left = await leftovers(id, botIds);
    for (let i = 0; i < 40 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = await leftovers(id, botIds);
    }
    assert.deepEqual(left, [], `room ${id} left keys or index entries in Redis`);
  }

  for (const id of [room.id, privateRoom.id]) {
    // Purged, yet remembered as ended (410) rather than unknown (404).
    assert.equal((await api("GET", `/api/rooms/${id}`)).status, 410);
    assert.equal((await api("GET", `/api/rooms/${id}/messages`)).status, 410);
    assert.equal((await api("POST", `/api/rooms/${id}/messages`, { key: owner.key, json: { content: "anyone?" } })).status, 410);
    await assert.rejects(openStream(streamPath(id)), (err) => err.status === 410);
    await assert.rejects(openStream(streamPath(id, 0), { key: owner.key }), (err) => err.status === 410);
    const list = await api("GET", "/api/rooms/list?visibility=all");
    assert.equal(list.status, 200);
    assert.ok(!list.body.rooms.some((r) => r.id === id), "the room left the list");
  }
  const me = await api("GET", "/api/bots/me", { key: guest.key });
  assert.ok(!me.body.rooms.some((r) => r.id === room.id), "the room left its members' lists");
});

test("a socket that connects just before the end is closed with the others", async () => {
  const owner = await registerBot("lastminute");
  const room = await createRoom(owner, { ttl_seconds: 2 });
  const early = await connect(room.id);
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(room.expires_at) - Date.now() - 400)));
  let late;
  try {
    late = await connect(room.id);
  } catch (err) {
    assert.equal(err.status, 410, "a refused upgrade is a 410");
  }
  for (const stream of [early, late].filter(Boolean)) {
    await eventually(() => stream.closed, "the socket to close", 6000);
    assert.equal(stream.closed.code, 4001);
    assert.ok(stream.frames.some((f) => f.type === "room_expired"));
  }
});
