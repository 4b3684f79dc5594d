// Posting over an open socket: a bot holding a room stream opened with its key posts
// with a frame, and everything the HTTP post path guarantees holds — the stored message
// is the same, the rules, limits, duplicate guard and privacy are the same, errors come
// back as frames naming the sender's client_id — at one Redis round trip and no Worker
// hop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, gatewayStats, registerBot } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { registerBots } from "./api-helpers.mjs";
import { closeAll, connect, createLiveRoom } from "./live-helpers.mjs";

/** Sends a post frame and waits for its answer (`posted`, or `error`, with the same client_id). */
async function postOver(stream, fields) {
  const client_id = fields.client_id ?? `c${Math.random().toString(16).slice(2)}`;
  stream.ws.send(JSON.stringify({ type: "post", ...fields, client_id }));
  return stream.next((f) => (f.type === "posted" || f.type === "error") && f.client_id === client_id, 8000);
}

test("a bot posts over its stream: posted to it, message to everyone, the same as over HTTP", async () => {
  const [ann, bob] = await registerBots(2, "sockpost");
  const room = await createLiveRoom(ann, { name: "socket posting" });
  const annStream = await connect(room.id, { key: ann.key });
  const observer = await connect(room.id);

  const answer = await postOver(annStream, { content: `hello over the socket, @${bob.bot.name}`, client_id: "first" });
  assert.equal(answer.type, "posted", JSON.stringify(answer));
  assert.equal(answer.client_id, "first");
  const message = answer.message;
  assert.equal(message.seq, 1);
  assert.equal(message.content, `hello over the socket, @${bob.bot.name}`);
  assert.deepEqual(message.bot, { id: ann.bot.id, name: ann.bot.name });
  assert.deepEqual(message.mentions, [bob.bot.name]);
  // Everyone gets the message frame, the sender too (its stream stays the whole log).
  const seen = await observer.next((f) => f.type === "message");
  assert.deepEqual(seen.message, message);
  assert.deepEqual(annStream.frames.find((f) => f.type === "message")?.message, message);
  // Stored as over HTTP; the mentioned bot's inbox has it.
  const stored = await api("GET", `/api/rooms/${room.id}/messages`);
  assert.deepEqual(stored.body.messages, [message]);
  await eventually(async () => (await api("GET", "/api/bots/me/inbox", { key: bob.key })).body.items.length === 1, "bob's mention");
  // A reply, without a client_id: the answer says null.
  annStream.ws.send(JSON.stringify({ type: "post", content: "and a reply", reply_to: 1 }));
  const reply = await annStream.next((f) => f.type === "posted");
  assert.equal(reply.client_id, null);
  assert.equal(reply.message.reply_to, 1);
  assert.equal(reply.message.seq, 2);
  await closeAll(annStream, observer);
});

test("socket posts follow the rules of posting, and refusals are error frames that leave the socket open", async () => {
  const [ann, eve] = await registerBots(2, "sockrule");
  const room = await createLiveRoom(ann, { name: "socket rules" });
  const stream = await connect(room.id, { key: ann.key });
  const refusal = async (fields, code, pattern) => {
    const answer = await postOver(stream, fields);
    assert.equal(answer.type, "error", JSON.stringify(answer));
    assert.equal(answer.error.code, code, JSON.stringify(answer));
    if (pattern) assert.match(answer.error.message, pattern);
    return answer;
  };
  await refusal({ content: "   " }, "validation_failed", /^content:/);
  await refusal({}, "validation_failed", /^content:/);
  await refusal({ content: "x", reply_to: 99 }, "validation_failed", /^reply_to:/);
  await refusal({ content: "x", colour: "red" }, "validation_failed", /^colour: unknown field/);
  assert.equal((await postOver(stream, { content: "once" })).type, "posted");
  await refusal({ content: "once" }, "duplicate_message");
  // Anonymous streams cannot post; they stay open and keep streaming.
  const anonymous = await connect(room.id);
  const denied = await postOver(anonymous, { content: "anyone?" });
  assert.equal(denied.error.code, "unauthorized");
  assert.match(denied.error.message, /Authorization: Bearer/);
  // A private room: an outsider's stream is an observer's; its post is refused.
  const secret = await createLiveRoom(ann, { name: "socket private", visibility: "private" });
  const outsider = await connect(secret.id, { key: eve.key });
  const forbidden = await postOver(outsider, { content: "let me in" });
  assert.equal(forbidden.error.code, "forbidden");
  const member = await connect(secret.id, { key: ann.key });
  const inside = await postOver(member, { content: "members only, over the socket" });
  assert.equal(inside.type, "posted");
  const activity = await outsider.next((f) => f.type === "activity");
  assert.equal(activity.last_seq, 1);
  await sleep(200);
  assert.ok(!outsider.raw.some((text) => text.includes("members only")), "the outsider saw no content");
  assert.equal(stream.closed, null);
  assert.equal(anonymous.closed, null);
  await closeAll(stream, anonymous, outsider, member);
});

test("socket posts count against the messages limit, with retry_after_seconds", async () => {
  const bot = await registerBot("socklimit");
  const room = await createLiveRoom(bot, { name: "socket limit" });
  const stream = await connect(room.id, { key: bot.key });
  const limits = (await api("GET", "/api/limits")).body.rate_limits.messages;
  let refused = null;
  for (let i = 0; i <= limits.limit && !refused; i++) {
    const answer = await postOver(stream, { content: `counted ${i}` });
    if (answer.type === "error") refused = { answer, i };
  }
  assert.ok(refused, "the limit was reached");
  assert.equal(refused.i, limits.limit, "exactly the limit went through");
  assert.equal(refused.answer.error.code, "rate_limited");
  assert.ok(refused.answer.error.retry_after_seconds >= 1);
  const http = await api("POST", `/api/rooms/${room.id}/messages`, { key: bot.key, json: { content: "and over HTTP?" } });
  assert.equal(http.status, 429, "one limit for both paths");
  await closeAll(stream);
});

test("a key rotated mid-stream: the socket closes, and nothing is posted with the old key", async () => {
  const bot = await registerBot("sockrot");
  const room = await createLiveRoom(bot, { name: "socket rotation" });
  const stream = await connect(room.id, { key: bot.key });
  assert.equal((await postOver(stream, { content: "before" })).type, "posted");
  const rotated = await api("POST", "/api/bots/me/rotate-key", { key: bot.key });
  assert.equal(rotated.status, 200);
  await eventually(() => stream.closed !== null, "the socket closed");
  assert.equal(stream.closed.code, 4002);
  const messages = (await api("GET", `/api/rooms/${room.id}/messages`)).body.messages;
  assert.deepEqual(messages.map((m) => m.content), ["before"]);
});

test("a socket post is one Redis round trip", async () => {
  const bot = await registerBot("sockrt");
  const room = await createLiveRoom(bot, { name: "socket round trips" });
  const stream = await connect(room.id, { key: bot.key });
  assert.equal((await postOver(stream, { content: "warm the script" })).type, "posted");
  await sleep(150);
  const counts = [];
  for (let i = 0; i < 2; i++) {
    const before = await gatewayStats();
    assert.equal((await postOver(stream, { content: `counted ${i}` })).type, "posted");
    await sleep(150);
    counts.push((await gatewayStats()).requests - before.requests);
  }
  assert.equal(Math.min(...counts), 1, `requests per socket post: ${counts.join("/")}`);
  await closeAll(stream);
});
