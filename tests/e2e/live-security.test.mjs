// Live streams under attack: a key that stops working closes every socket opened with
// it, a removed member keeps nothing (even when the hub never hears of the removal),
// replays are capped, each client address gets a bounded share of a room, and a socket
// that floods the hub with frames is closed. Races are run many times: each round is a
// fresh chance for the old code's window to open.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, gatewayStats, post, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { registerBots } from "./api-helpers.mjs";
import { closeAll, connect, createLiveRoom, waitForSeq } from "./live-helpers.mjs";

const REPLAY_LIMIT = 50; // STREAM_REPLAY_LIMIT of the test stack (scripts/lib.sh)
const SOCKETS_PER_CLIENT = 20; // STREAM_SOCKETS_PER_CLIENT's default

/** Opens a stream, resolving to the stream or to the refusal's status. */
function tryConnect(roomId, options = {}) {
  return connect(roomId, options).catch((err) => ({ refused: err.status ?? err.message }));
}

/** Whether a stream ever received a frame containing `text`. */
const saw = (stream, text) => stream.raw.some((frame) => frame.includes(text));

/** Waits until the stream is closed; returns the close code. */
async function closedWith(stream, ms = 5000) {
  await eventually(() => stream.closed, "the socket to close", ms);
  return stream.closed.code;
}

test("rotating a key closes every socket opened with it, in every room, before the new key is handed out", async () => {
  const [owner, bot] = await registerBots(2, "rot");
  const priv = await createLiveRoom(owner, { visibility: "private", invite: [bot.bot.name] });
  const pub = await createLiveRoom(owner);
  const streams = [
    await connect(priv.id, { key: bot.key }),
    await connect(pub.id, { key: bot.key }),
    await connect("global", { key: bot.key }),
  ];
  const observer = await connect(pub.id);
  const rotated = await api("POST", "/api/bots/me/rotate-key", { key: bot.key });
  assert.equal(rotated.status, 200, rotated.text);
  // Closed by the time the answer arrived: the close frames are already on their way.
  for (const stream of streams) assert.equal(await closedWith(stream, 2000), 4002);
  const secret = unique("AFTER-ROTATION");
  await post(owner, priv.id, secret);
  await post(owner, pub.id, `public ${secret}`);
  await observer.next((f) => f.type === "message" && f.message.content.includes(secret));
  for (const stream of streams) assert.ok(!saw(stream, secret));
  // The old key cannot open a new stream; the new key can, and stays open.
  const refused = await tryConnect(priv.id, { key: bot.key });
  assert.equal(refused.refused, 401);
  const fresh = await connect(priv.id, { key: rotated.body.api_key });
  assert.equal(fresh.ready.viewer, "member");
  const later = await post(owner, priv.id, "for the new key");
  await fresh.next((f) => f.type === "message" && f.message.id === later.id);
  await closeAll(fresh, observer);
});

test("race: a stream opened with a key while it is rotated never receives what is said after", async () => {
  const rounds = 25;
  for (let round = 0; round < rounds; round++) {
    const [owner, bot] = await registerBots(2, "rotr");
    const room = await createLiveRoom(owner, { visibility: "private", invite: [bot.bot.name] });
    // The connect and the rotation race; whichever wins, the old key's socket must not
    // outlive the rotation's answer.
    const opening = tryConnect(room.id, { key: bot.key });
    const rotated = await api("POST", "/api/bots/me/rotate-key", { key: bot.key });
    assert.equal(rotated.status, 200, rotated.text);
    const stream = await opening;
    const secret = unique(`ROUND${round}-`);
    await post(owner, room.id, secret);
    if (!stream.refused) {
      await eventually(() => stream.closed || saw(stream, secret), `round ${round}: close or leak`, 5000);
      assert.ok(!saw(stream, secret), `round ${round}: the rotated key's socket got a message posted after the rotation`);
      assert.equal(stream.closed.code, 4002, `round ${round}`);
    } else {
      assert.equal(stream.refused, 401, `round ${round}`);
    }
  }
});

test("a member who leaves a private room is closed out at once, and races with a connect never leave a ghost", async () => {
  for (let round = 0; round < 25; round++) {
    const [owner, member] = await registerBots(2, "ghost");
    const room = await createLiveRoom(owner, { visibility: "private", invite: [member.bot.name] });
    const opening = tryConnect(room.id, { key: member.key });
    const left = await api("POST", `/api/rooms/${room.id}/leave`, { key: member.key });
    assert.equal(left.status, 200, left.text);
    const stream = await opening;
    const secret = unique(`GHOST${round}-`);
    await post(owner, room.id, secret);
    if (stream.refused) {
      assert.equal(stream.refused, 403, `round ${round}`);
      continue;
    }
    if (stream.ready.viewer === "observer") {
      // Checked after the leave: an observer, who gets activity only.
      await stream.next((f) => f.type === "activity");
      assert.ok(!saw(stream, secret), `round ${round}: an observer got content`);
      await closeAll(stream);
      continue;
    }
    await eventually(() => stream.closed || saw(stream, secret), `round ${round}: close or leak`, 5000);
    assert.ok(!saw(stream, secret), `round ${round}: a member who left got a message posted after leaving`);
    assert.equal(stream.closed.code, 4003, `round ${round}`);
  }
});

test("a removal the hub never heard of still closes the removed member before the next message", async () => {
  const [owner, member, other] = await registerBots(3, "lost");
  const room = await createLiveRoom(owner, { visibility: "private", invite: [member.bot.name, other.bot.name] });
  const ghost = await connect(room.id, { key: member.key });
  const stays = await connect(room.id, { key: other.key });
  await post(owner, room.id, "before");
  await waitForSeq(ghost, 1);
  // Remove the member the way the leave script does, but without telling the hub: as
  // if the member_left event had been lost on its way.
  await redis("ZREM", `cc:room:${room.id}:members`, member.bot.id);
  await redis("ZREM", `cc:bot:${member.bot.id}:rooms`, room.id);
  await redis("HINCRBY", `cc:room:${room.id}`, "mver", 1);
  const secret = unique("AFTER-LOST-REMOVAL");
  const message = await post(owner, room.id, secret);
  await stays.next((f) => f.type === "message" && f.message.id === message.id);
  assert.equal(await closedWith(ghost), 4003);
  assert.ok(!saw(ghost, secret), "the removed member received a message posted after its removal");
  // Connecting again as a member is refused: the hub checks with Redis.
  const again = await connect(room.id, { key: member.key });
  assert.equal(again.ready.viewer, "observer");
  await closeAll(again, stays);
});

test("replay is capped: the newest messages come over the socket, a gap frame names the rest", async () => {
  const posters = await registerBots(3, "cap");
  const room = await createLiveRoom(posters[0]);
  const total = REPLAY_LIMIT + 25;
  for (let i = 1; i <= total; i++) await post(posters[i % 3], room.id, `message ${i}`);
  // Bounded work in Redis: the upgrade's check plus at most one read per 100 replayed
  // (the cheaper of two tries: background work of earlier tests can only add).
  const costs = [];
  let stream;
  for (let i = 0; i < 2; i++) {
    const before = await gatewayStats();
    stream = await connect(room.id, { after: 0 });
    await waitForSeq(stream, total);
    costs.push((await gatewayStats()).requests - before.requests);
    if (i === 0) await closeAll(stream);
  }
  const used = Math.min(...costs);
  const gap = stream.frames.find((f) => f.type === "gap");
  assert.deepEqual(gap, { type: "gap", room_id: room.id, after: 0, before: total - REPLAY_LIMIT + 1 });
  assert.ok(stream.frames.indexOf(gap) === 1, "the gap frame comes right after ready");
  const seqs = stream.messages().map((m) => m.seq);
  assert.equal(seqs.length, REPLAY_LIMIT);
  assert.equal(seqs[0], total - REPLAY_LIMIT + 1);
  assert.ok(used <= 1 + Math.ceil(REPLAY_LIMIT / 100), `a capped replay cost ${used} Redis requests`);
  // What the gap left out is there over REST.
  const rest = await api("GET", `/api/rooms/${room.id}/messages?after=${gap.after}&limit=100`);
  assert.equal(rest.body.messages[0].seq, 1);
  // A resume within the cap gets no gap frame.
  const near = await connect(room.id, { after: total - 3 });
  await waitForSeq(near, total);
  assert.ok(!near.frames.some((f) => f.type === "gap"));
  assert.deepEqual(near.messages().map((m) => m.seq), [total - 2, total - 1, total]);
  await closeAll(stream, near);
});

test("one client address gets a bounded share of a room; other addresses are not affected", async () => {
  const owner = await registerBot("share");
  const room = await createLiveRoom(owner);
  const address = uniqueIp();
  const headers = { "CF-Connecting-IP": address };
  const held = [];
  for (let i = 0; i < SOCKETS_PER_CLIENT; i++) held.push(await connect(room.id, { headers }));
  const refused = await tryConnect(room.id, { headers });
  assert.equal(refused.refused, 429);
  const other = await connect(room.id);
  assert.equal(other.ready.type, "ready");
  // Closing one makes room for one more.
  await closeAll(held.pop());
  let again = { refused: "not tried" };
  for (let i = 0; i < 50 && again.refused; i++) {
    again = await tryConnect(room.id, { headers });
    if (again.refused) await sleep(100);
  }
  assert.equal(again.ready?.type, "ready", `after a close: ${again.refused}`);
  await closeAll(other, again, ...held);
});

test("a socket that floods the hub with frames is closed; pings keep working", async () => {
  const owner = await registerBot("flood");
  const room = await createLiveRoom(owner);
  const calm = await connect(room.id);
  calm.ws.send(JSON.stringify({ type: "ping" }));
  await calm.next((f) => f.type === "pong");
  calm.ws.send(JSON.stringify({ type: "hello" }));
  const error = await calm.next((f) => f.type === "error");
  assert.equal(error.error.code, "read_only");

  const noisy = await connect(room.id);
  for (let i = 0; i < 40; i++) noisy.ws.send(JSON.stringify({ type: "spam", i }));
  assert.equal(await closedWith(noisy), 1008);

  const big = await connect(room.id);
  big.ws.send("x".repeat(10_000));
  assert.equal(await closedWith(big), 1009);

  // The calm socket is still live.
  const message = await post(owner, room.id, "still here");
  await calm.next((f) => f.type === "message" && f.message.id === message.id);
  await closeAll(calm);
});
