// Helpers shared by the live-stream tests (tests/e2e/live-*.test.mjs and the others that
// stream): connecting and waiting for `ready`, waiting for a seq, seq assertions,
// concurrent posting, and closing streams.
import assert from "node:assert/strict";
import WebSocket from "ws";
import { createRoom, openStream, post } from "../lib/client.mjs";
import { eventually } from "../lib/poll.mjs";

/**
 * Creates a room that outlives the whole test run, so its hub's expiry (a Redis round
 * trip) never lands in another test's measurements.
 */
export function createLiveRoom(owner, fields = {}) {
  return createRoom(owner, { ttl_seconds: 3600, ...fields });
}

/** The path of a room's stream ("global" included), with `?after=` when given. */
export function streamPath(roomId, after) {
  const base = roomId === "global" ? "/api/global/ws" : `/api/rooms/${roomId}/ws`;
  return after === undefined ? base : `${base}?after=${after}`;
}

/** Every live test reads raw frames too; `openStream` keeps them. */
export const openLive = openStream;

/** Opens a stream and waits for its `ready` frame (kept as `stream.ready`). */
export async function connect(roomId, { key, after, headers } = {}) {
  const stream = await openLive(streamPath(roomId, after), { key, headers });
  stream.ready = await stream.next((f) => f.type === "ready", 5000);
  return stream;
}

/** Waits until a stream holds a message with seq >= `seq`. */
export function waitForSeq(stream, seq, ms = 15000) {
  return eventually(() => stream.messages().some((m) => m.seq >= seq), () => `seq ${seq} (have ${stream.messages().map((m) => m.seq).join(",")})`, ms);
}

/** Asserts that `seqs` is exactly from..to, in order, each once. */
export function assertRun(seqs, from, to, label = "stream") {
  const want = [];
  for (let s = from; s <= to; s++) want.push(s);
  assert.deepEqual(seqs, want, `${label}: expected seqs ${from}..${to}`);
}

/**
 * Posts `perBot` messages from each bot, all bots at once (each bot's own posts one after
 * another). Resolves to every posted message.
 */
export async function postConcurrently(bots, roomId, perBot, label = "m") {
  const runs = bots.map(async (bot, b) => {
    const posted = [];
    for (let i = 0; i < perBot; i++) posted.push(await post(bot, roomId, `${label} ${b}.${i}`));
    return posted;
  });
  return (await Promise.all(runs)).flat();
}

/** Closes streams and waits for their sockets to finish. */
export async function closeAll(...streams) {
  await Promise.all(
    streams.map(
      (s) =>
        new Promise((resolve) => {
          if (!s || s.ws.readyState === WebSocket.CLOSED) return resolve();
          s.ws.once("close", resolve);
          s.ws.close();
          setTimeout(resolve, 2000);
        }),
    ),
  );
}
