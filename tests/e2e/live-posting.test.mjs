// Posting over an open socket: a bot holding a room stream opened with its key posts
// with a frame, and everything the HTTP post path guarantees holds — the stored message
// is the same, the rules, limits, duplicate guard and privacy are the same, errors come
// back as frames naming the sender's client_id — at one Redis round trip and no Worker
// hop. Posts sent together share round trips and still arrive once each, in seq order;
// a flood of refused posts is closed like any flood; and a runtime that crashes with
// posts in flight neither loses an acknowledged post nor stores one twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, gatewayStats, registerBot } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { redisCli, startServer, stopServer } from "../lib/stack.mjs";
import { registerBots } from "./api-helpers.mjs";
import { assertRun, closeAll, connect, createLiveRoom, waitForSeq } from "./live-helpers.mjs";

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
  // Everyone gets the message frame, the sender too (its stream stays the whole log),
  // the sender after its answer: `posted` goes out as soon as the message is stored.
  const seen = await observer.next((f) => f.type === "message");
  assert.deepEqual(seen.message, message);
  const own = await annStream.next((f) => f.type === "message");
  assert.deepEqual(own.message, message);
  const order = annStream.frames.map((f) => f.type).filter((t) => t === "posted" || t === "message");
  assert.deepEqual(order, ["posted", "message"]);
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

test("the global stream takes posts too: stored in global chat, delivered to its observers", async () => {
  const bot = await registerBot("sockglobal");
  const stream = await connect("global", { key: bot.key });
  const observer = await connect("global");
  const content = `said over the global stream ${Date.now()}`;
  const answer = await postOver(stream, { content, client_id: "g1" });
  assert.equal(answer.type, "posted", JSON.stringify(answer));
  assert.equal(answer.message.room_id, "global");
  assert.deepEqual(answer.message.bot, { id: bot.bot.id, name: bot.bot.name });
  const seen = await observer.next((f) => f.type === "message" && f.message.content === content);
  assert.deepEqual(seen.message, answer.message);
  const stored = await api("GET", `/api/global/messages?limit=50`, { key: bot.key });
  assert.deepEqual(stored.body.messages.filter((m) => m.content === content), [answer.message]);
  await closeAll(stream, observer);
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

/** The answers (`posted` or `error`) a stream received so far, by client_id (those starting with `prefix`). */
function answers(stream, prefix = "") {
  const byId = new Map();
  for (const f of stream.frames) if ((f.type === "posted" || f.type === "error") && f.client_id?.startsWith(prefix)) byId.set(f.client_id, f);
  return byId;
}

test("posts sent together share round trips: each answered and stored once, delivered to every stream in seq order", async () => {
  const bots = await registerBots(6, "sockbatch");
  const room = await createLiveRoom(bots[0], { name: "socket batches" });
  const streams = await Promise.all(bots.map((bot) => connect(room.id, { key: bot.key })));
  const observer = await connect(room.id);
  const warm = await postOver(streams[0], { content: "warm the script" });
  assert.equal(warm.type, "posted");
  await sleep(150);
  const perBot = 10;
  const before = await gatewayStats();
  // Every frame at once: the hub receives them while its first round trip is out (Redis
  // holds writes for a second, so that is so however busy the machine is).
  redisCli("CLIENT", "PAUSE", 1000, "WRITE");
  for (const [i, stream] of streams.entries()) {
    for (let j = 0; j < perBot; j++) stream.ws.send(JSON.stringify({ type: "post", content: `batch ${i}.${j}`, client_id: `${i}.${j}` }));
  }
  const total = bots.length * perBot;
  await eventually(() => streams.every((s, i) => answers(s, `${i}.`).size === perBot), "every post answered", 15_000);
  await sleep(150);
  const trips = (await gatewayStats()).requests - before.requests;
  const posted = streams.flatMap((s, i) => [...answers(s, `${i}.`).values()]);
  assert.ok(posted.every((a) => a.type === "posted"), JSON.stringify(posted.find((a) => a.type !== "posted")));
  assert.deepEqual(posted.map((a) => a.message.seq).sort((a, b) => a - b), Array.from({ length: total }, (_, k) => k + 2));
  for (const [i, stream] of streams.entries()) {
    // A bot's own posts keep the order it sent them in.
    const mine = [...answers(stream, `${i}.`).values()].sort((a, b) => a.message.seq - b.message.seq);
    assert.deepEqual(mine.map((a) => a.message.content), Array.from({ length: perBot }, (_, j) => `batch ${i}.${j}`));
  }
  for (const stream of [...streams, observer]) {
    await waitForSeq(stream, total + 1);
    assertRun(stream.messages().map((m) => m.seq), 1, total + 1, "a stream");
  }
  const stored = (await api("GET", `/api/rooms/${room.id}/messages?limit=100`)).body.messages;
  assert.deepEqual(stored.slice(1), posted.sort((a, b) => a.message.seq - b.message.seq).map((a) => a.message));
  assert.ok(trips < total / 2, `${total} posts sent together took ${trips} round trips`);
  await closeAll(...streams, observer);
});

test("a bot with too many posts waiting is told to wait for its answers; nothing is stored twice", async () => {
  const bot = await registerBot("sockflood");
  const room = await createLiveRoom(bot, { name: "socket backlog" });
  const stream = await connect(room.id, { key: bot.key });
  // One post goes out alone; 32 may wait behind it; the rest are refused at once. (Of
  // those stored, the messages limit, 30 a minute here, still refuses what is over it.)
  // Redis holds writes for a second (well inside the storage timeout), so the first
  // post's round trip is surely out while the other 44 arrive, however busy the machine.
  redisCli("CLIENT", "PAUSE", 1000, "WRITE");
  for (let j = 0; j < 45; j++) stream.ws.send(JSON.stringify({ type: "post", content: `burst ${j}`, client_id: `b${j}` }));
  await eventually(() => answers(stream, "b").size === 45, "every post answered");
  const all = [...answers(stream, "b").values()];
  const refused = all.filter((a) => a.type === "error");
  const waiting = refused.filter((a) => /waiting to be stored; wait for their posted answers/.test(a.error.message));
  assert.equal(waiting.length, 45 - 33, "the posts beyond one out and 32 waiting");
  assert.deepEqual(waiting.map((a) => a.client_id), Array.from({ length: 12 }, (_, k) => `b${33 + k}`));
  assert.ok(refused.every((a) => a.error.code === "rate_limited"), JSON.stringify(refused.find((a) => a.error.code !== "rate_limited")));
  const stored = (await api("GET", `/api/rooms/${room.id}/messages?limit=100`)).body.messages;
  const accepted = all.filter((a) => a.type === "posted").map((a) => a.message);
  assert.deepEqual(stored, accepted.sort((a, b) => a.seq - b.seq));
  assert.deepEqual(stored.map((m) => m.content), Array.from({ length: stored.length }, (_, k) => `burst ${k}`), "in the order sent");
  assert.equal(stream.closed, null, "fewer than 20 refusals: the socket stays");
  await closeAll(stream);
});

test("refused posts count against the socket's client frames (a flood is closed); accepted ones do not", async () => {
  const bot = await registerBot("sockspam");
  const room = await createLiveRoom(bot, { name: "socket frames" });
  const stream = await connect(room.id, { key: bot.key });
  // 25 accepted posts in well under 10 s: more than the 20 frames a socket may send.
  for (let i = 0; i < 25; i++) assert.equal((await postOver(stream, { content: `fine ${i}` })).type, "posted");
  assert.equal(stream.closed, null);
  for (let i = 0; i < 30 && !stream.closed; i++) stream.ws.send(JSON.stringify({ type: "post", content: "" }));
  await eventually(() => stream.closed !== null, "the flooding socket closed");
  assert.equal(stream.closed.code, 1008);
  assert.equal((await api("GET", `/api/rooms/${room.id}/messages`)).body.last_seq, 25);
});

test("a runtime restart with socket posts in flight: nothing stored twice, nothing acknowledged and lost", { timeout: 120_000 }, async () => {
  const bots = await registerBots(4, "sockcrash");
  const room = await createLiveRoom(bots[0], { name: "socket restart" });
  const sent = new Map(); // content -> {bot index, answer once it came}
  let stop = false;
  /** One bot posting back to back over its stream until the stream dies or `stop`. */
  const poster = async (i, stream) => {
    for (let j = 0; !stop && !stream.closed; j++) {
      const content = `restart ${i}.${j}`;
      sent.set(content, { i, answer: null });
      stream.ws.send(JSON.stringify({ type: "post", content, client_id: content }));
      try {
        sent.get(content).answer = await stream.next((f) => f.client_id === content, 8000);
      } catch {
        return; // the runtime went away with this post in flight
      }
    }
  };
  const streams = await Promise.all(bots.map((bot) => connect(room.id, { key: bot.key })));
  const posting = Promise.all(streams.map((stream, i) => poster(i, stream)));
  await eventually(() => [...sent.values()].filter((s) => s.answer).length >= 12, "posts acknowledged");
  await stopServer("wrangler"); // SIGKILL, as a crash: posts in flight stay unanswered
  await posting;
  startServer("wrangler");
  await eventually(async () => (await api("GET", "/api/health").catch(() => ({}))).status === 200, "the runtime back", 60_000, 250);

  const acknowledged = [...sent.entries()].filter(([, s]) => s.answer?.type === "posted");
  const unanswered = [...sent.entries()].filter(([, s]) => !s.answer);
  assert.ok(acknowledged.length >= 12);
  // Each bot sends again what it got no answer for: stored now, or "you posted exactly
  // this", which says the first one was stored.
  const again = await Promise.all(bots.map((bot) => connect(room.id, { key: bot.key })));
  for (const [content, { i }] of unanswered) {
    const answer = await postOver(again[i], { content, client_id: content });
    assert.ok(answer.type === "posted" || answer.error.code === "duplicate_message", JSON.stringify(answer));
  }
  stop = true;
  const stored = (await api("GET", `/api/rooms/${room.id}/messages?limit=100`)).body.messages;
  assertRun(stored.map((m) => m.seq), 1, stored.length, "the room's log");
  assert.equal(new Set(stored.map((m) => m.content)).size, stored.length, "nothing stored twice");
  const byContent = new Map(stored.map((m) => [m.content, m]));
  for (const [content, { answer }] of acknowledged) {
    assert.deepEqual(byContent.get(content), answer.message, `acknowledged "${content}" is stored as answered`);
  }
  for (const [content] of unanswered) assert.ok(byContent.has(content), `"${content}", sent again, is stored`);
  assert.equal(stored.length, acknowledged.length + unanswered.length);
  // A stream resuming from the start replays that log exactly.
  const replay = await connect(room.id, { after: 0 });
  await waitForSeq(replay, stored.length);
  assert.deepEqual(replay.messages(), stored);
  await closeAll(...again, replay);
});
