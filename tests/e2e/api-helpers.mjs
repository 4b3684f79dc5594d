// Shared helpers of the REST API end-to-end tests (tests/e2e/*.test.mjs): assertions on
// the contract's shapes and errors, rate-limit headers, chunked bodies, and reading a
// room's whole history. Polling is tests/lib/poll.mjs; Redis is tests/lib/redis.mjs.
import assert from "node:assert/strict";
import { api, registerBot, BASE_URL } from "../lib/client.mjs";

/** RFC 3339 UTC with milliseconds, as the contract writes times. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const BOT_ID = /^b_[0-9a-f]{16}$/;
export const ROOM_ID = /^r_[0-9a-f]{16}$/;
export const API_KEY = /^clawchat_[0-9a-f]{64}$/;
/** A room id that has the right shape but was never created. */
export const UNKNOWN_ROOM = "r_0000000000000000";

/** Registers `n` bots at once (each from its own client address). */
export function registerBots(n, prefix = "bot") {
  return Promise.all(Array.from({ length: n }, () => registerBot(prefix)));
}

/** Asserts that `res` is the contract's error `{error:{code,message,hint?,...}}`. */
export function assertError(res, status, code, { field, message } = {}) {
  const where = `${status} ${code} expected; got ${res.status} ${res.text}`;
  assert.equal(res.status, status, where);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, where);
  assert.ok(res.body && typeof res.body === "object", where);
  assert.deepEqual(Object.keys(res.body), ["error"], where);
  const error = res.body.error;
  assert.equal(error.code, code, where);
  assert.equal(typeof error.message, "string", where);
  assert.ok(error.message.length > 0, where);
  for (const key of Object.keys(error)) {
    assert.ok(["code", "message", "hint", "retry_after_seconds", "expired_at"].includes(key), `unexpected error field ${key}: ${res.text}`);
  }
  if (error.hint !== undefined) assert.equal(typeof error.hint, "string");
  assert.equal(error.expired_at !== undefined, code === "room_expired", `expired_at comes with room_expired only: ${res.text}`);
  if (error.expired_at !== undefined) assert.match(error.expired_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  if (field !== undefined) {
    assert.ok(error.message.startsWith(`${field}:`), `message should start with "${field}:": ${error.message}`);
  }
  if (message !== undefined) assert.match(error.message, message);
  return error;
}

/** The X-RateLimit-* headers as numbers, or null when the answer carries none. */
export function rateHeaders(res) {
  const limit = res.headers.get("x-ratelimit-limit");
  const remaining = res.headers.get("x-ratelimit-remaining");
  const reset = res.headers.get("x-ratelimit-reset");
  if (limit === null && remaining === null && reset === null) return null;
  return { limit: Number(limit), remaining: Number(remaining), reset: Number(reset) };
}

/** Asserts the answer carries all three rate headers, with the given limit and window. */
export function assertRateHeaders(res, limit, windowSeconds, remaining) {
  const rate = rateHeaders(res);
  assert.ok(rate, `X-RateLimit-* headers expected on ${res.status} ${res.text}`);
  assert.equal(rate.limit, limit, "X-RateLimit-Limit");
  assert.ok(Number.isInteger(rate.remaining) && rate.remaining >= 0 && rate.remaining <= limit, `X-RateLimit-Remaining ${rate.remaining}`);
  assert.ok(Number.isInteger(rate.reset) && rate.reset >= 1 && rate.reset <= windowSeconds, `X-RateLimit-Reset ${rate.reset}`);
  if (remaining !== undefined) assert.equal(rate.remaining, remaining, "X-RateLimit-Remaining");
  return rate;
}

export function assertNoRateHeaders(res) {
  assert.equal(rateHeaders(res), null, `no X-RateLimit-* headers expected on ${res.status} ${res.text}`);
}

/** Asserts a 429 with everything the contract promises. */
export function assertRateLimited(res, limit, windowSeconds) {
  const error = assertError(res, 429, "rate_limited");
  const rate = assertRateHeaders(res, limit, windowSeconds, 0);
  const retryAfter = Number(res.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${res.headers.get("retry-after")}`);
  assert.ok(Number.isInteger(error.retry_after_seconds) && error.retry_after_seconds >= 1 && error.retry_after_seconds <= windowSeconds, `retry_after_seconds ${error.retry_after_seconds}`);
  assert.ok(Math.abs(error.retry_after_seconds - retryAfter) <= 1, "Retry-After and retry_after_seconds agree");
  assert.ok(Math.abs(rate.reset - retryAfter) <= 1, "Retry-After and X-RateLimit-Reset agree");
  return error;
}

export function assertBot(bot) {
  assert.deepEqual(Object.keys(bot).sort(), ["created_at", "description", "id", "last_active_at", "name"]);
  assert.match(bot.id, BOT_ID);
  assert.equal(typeof bot.name, "string");
  assert.equal(typeof bot.description, "string");
  assert.match(bot.created_at, ISO_MS);
  assert.match(bot.last_active_at, ISO_MS);
}

export function assertBotRef(ref) {
  assert.deepEqual(Object.keys(ref).sort(), ["id", "name"]);
  assert.match(ref.id, BOT_ID);
  assert.equal(typeof ref.name, "string");
}

export function assertRoom(room) {
  assert.deepEqual(Object.keys(room).sort(), [
    "created_at", "created_by", "description", "expires_at", "id", "last_message_at",
    "member_count", "message_count", "name", "ttl_seconds", "visibility",
  ]);
  assert.ok(room.id === "global" || ROOM_ID.test(room.id), `room id ${room.id}`);
  assert.ok(["public", "private"].includes(room.visibility));
  assert.match(room.created_at, ISO_MS);
  assert.ok(Number.isInteger(room.member_count) && room.member_count >= 0);
  assert.ok(Number.isInteger(room.message_count) && room.message_count >= 0);
  if (room.last_message_at !== null) assert.match(room.last_message_at, ISO_MS);
  if (room.id === "global") {
    assert.equal(room.visibility, "public");
    assert.equal(room.created_by, null);
    assert.equal(room.expires_at, null);
    assert.equal(room.ttl_seconds, null);
  } else {
    assertBotRef(room.created_by);
    assert.match(room.expires_at, ISO_MS);
    assert.ok(Number.isInteger(room.ttl_seconds));
    assert.equal(Date.parse(room.expires_at) - Date.parse(room.created_at), room.ttl_seconds * 1000);
  }
}

export function assertMessage(message) {
  assert.deepEqual(Object.keys(message).sort(), ["bot", "content", "created_at", "id", "mentions", "reply_to", "room_id", "seq"]);
  assert.match(message.id, /^m_[0-9a-f]+$/);
  assert.ok(Number.isInteger(message.seq) && message.seq >= 1);
  assertBotRef(message.bot);
  assert.equal(typeof message.content, "string");
  assert.match(message.created_at, ISO_MS);
  assert.ok(message.reply_to === null || Number.isInteger(message.reply_to));
  assert.ok(Array.isArray(message.mentions));
}

/** Sends `body` as one chunked POST (no Content-Length), returning like `api`. */
export async function postChunked(path, chunks, headers = {}) {
  const stream = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  const response = await fetch(BASE_URL + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: stream,
    duplex: "half",
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** The path of a room's endpoint (`global` maps to the /api/global family). */
export function messagesPath(roomId) {
  return roomId === "global" ? "/api/global/messages" : `/api/rooms/${roomId}/messages`;
}

/** Reads every retained message of a room, oldest first, walking `after` pages. */
export async function readAll(roomId, key) {
  const all = [];
  let after = 0;
  for (;;) {
    const res = await api("GET", `${messagesPath(roomId)}?after=${after}&limit=100`, { key });
    assert.equal(res.status, 200, res.text);
    all.push(...res.body.messages);
    if (!res.body.has_more) return { messages: all, last_seq: res.body.last_seq };
    after = res.body.messages.at(-1).seq;
  }
}
