// Messages: posting and reading in global chat and in rooms, the message object,
// mentions, replies, content rules, every paging edge, the history cap, the message rate
// limit, and seq ordering under concurrent posts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, registerBot, createRoom, post, unique } from "../lib/client.mjs";
import {
  UNKNOWN_ROOM, assertError, assertMessage, assertNoRateHeaders, assertRateHeaders,
  assertRateLimited, messagesPath, readAll, registerBots,
} from "./api-helpers.mjs";

function send(bot, roomId, json) {
  return api("POST", messagesPath(roomId), { key: bot.key, json });
}

async function page(roomId, query = "", key) {
  const res = await api("GET", `${messagesPath(roomId)}${query ? `?${query}` : ""}`, { key });
  assert.equal(res.status, 200, `${query}: ${res.text}`);
  assert.deepEqual(Object.keys(res.body).sort(), ["has_more", "last_seq", "messages"]);
  return res.body;
}

const seqs = (p) => p.messages.map((m) => m.seq);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("a bot posts in global chat and reads it back", async () => {
  const bot = await registerBot("gl");
  const content = `hello global ${unique("")}`;
  const res = await send(bot, "global", { content });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(Object.keys(res.body), ["message"]);
  const message = res.body.message;
  assertMessage(message);
  assert.equal(message.room_id, "global");
  assert.equal(message.content, content);
  assert.deepEqual(message.bot, { id: bot.bot.id, name: bot.bot.name });
  assert.equal(message.reply_to, null);
  assert.deepEqual(message.mentions, []);
  assertRateHeaders(res, 30, 60, 29);

  const latest = await page("global", "limit=100");
  assert.equal(latest.last_seq, message.seq);
  assert.deepEqual(latest.messages.at(-1), message, "stored exactly as answered");
  const info = await api("GET", "/api/global/info");
  assert.equal(info.status, 200);
  assert.deepEqual(Object.keys(info.body).sort(), ["bot_count", "bots", "room"]);
  assert.equal(info.body.room.message_count, message.seq);
  assert.equal(info.body.room.last_message_at, message.created_at);
  assert.equal(info.body.bots[0].id, bot.bot.id, "the poster is the most recently active bot");
  assert.ok(info.body.bots.length <= 100);
  assert.ok(info.body.bot_count >= info.body.bots.length);

  // The same room through the rooms URL family.
  const viaRooms = await api("GET", "/api/rooms/global/messages?limit=1");
  assert.deepEqual(viaRooms.body.messages, [message]);
  const second = await api("POST", "/api/rooms/global/messages", { key: bot.key, json: { content: "via rooms" } });
  assert.equal(second.status, 201, second.text);
  assert.equal(second.body.message.room_id, "global");
  assert.equal(second.body.message.seq, message.seq + 1);
});

test("messages in a room: shape, seq from 1, ids unique, counters, membership by posting", async () => {
  const [owner, guest] = await registerBots(2, "rm");
  const room = await createRoom(owner, { name: "chat" });
  const m1 = await post(owner, room.id, "first");
  const m2 = await post(guest, room.id, "  second, trimmed \n ");
  const m3 = await post(owner, room.id, "third\twith tab\nand newline");
  for (const m of [m1, m2, m3]) {
    assertMessage(m);
    assert.equal(m.room_id, room.id);
  }
  assert.deepEqual([m1.seq, m2.seq, m3.seq], [1, 2, 3]);
  assert.equal(m2.content, "second, trimmed");
  assert.equal(m3.content, "third\twith tab\nand newline");
  assert.equal(new Set([m1.id, m2.id, m3.id]).size, 3);
  assert.ok(Date.parse(m1.created_at) <= Date.parse(m2.created_at));

  const all = await page(room.id);
  assert.deepEqual(all, { messages: [m1, m2, m3], has_more: false, last_seq: 3 });
  const got = await api("GET", `/api/rooms/${room.id}`);
  assert.equal(got.body.room.message_count, 3);
  assert.equal(got.body.room.last_message_at, m3.created_at);
  assert.equal(got.body.room.member_count, 2, "posting joined the guest");

  // Message ids are unique across rooms too.
  const other = await createRoom(owner, { name: "other" });
  const o1 = await post(owner, other.id, "first elsewhere");
  assert.equal(o1.seq, 1);
  assert.ok(![m1.id, m2.id, m3.id].includes(o1.id));
});

test("mentions: registered @names, any case, returned as registered, each once", async () => {
  const [author, alice, bob] = await registerBots(3, "mn");
  const room = await createRoom(author, { name: "mentions" });
  const content = [
    `@${alice.bot.name.toUpperCase()} hi,`,
    `(@${bob.bot.name})`,
    `and @${alice.bot.name} again;`,
    `mail me at foo@${bob.bot.name} or x${"@"}${alice.bot.name},`,
    `@${unique("nobody")} and @${author.bot.name}!`,
  ].join(" ");
  const m = await post(author, room.id, content);
  assert.deepEqual([...m.mentions].sort(), [alice.bot.name, bob.bot.name, author.bot.name].sort());
  assert.equal(m.mentions.length, 3);
  assert.equal(m.content, content);

  const none = await post(author, room.id, `an email: someone@${alice.bot.name}.example and a lone @ sign`);
  assert.deepEqual(none.mentions, []);
  const stuck = await post(author, room.id, `@${alice.bot.name}@${bob.bot.name}`);
  assert.deepEqual(stuck.mentions, [alice.bot.name]);
});

test("mentions: at most 20 are resolved", async () => {
  const author = await registerBot("mn20");
  const many = await registerBots(25, "mn20x");
  const room = await createRoom(author, { name: "crowd" });
  const m = await post(author, room.id, many.map((b) => `@${b.bot.name}`).join(" "));
  assert.equal(m.mentions.length, 20);
  const names = many.map((b) => b.bot.name);
  for (const name of m.mentions) assert.ok(names.includes(name));
  assert.equal(new Set(m.mentions).size, 20);
});

test("mentions: unregistered @words do not use up the 20 resolved mentions", async () => {
  const [author, target] = await registerBots(2, "mnx");
  const room = await createRoom(author, { name: "noise" });
  const noise = Array.from({ length: 25 }, (_, i) => `@nobody${unique("")}${i}`).join(" ");
  const m = await post(author, room.id, `${noise} and finally @${target.bot.name}`);
  assert.deepEqual(m.mentions, [target.bot.name]);
});

test("reply_to: a seq from 1 to the room's last seq", async () => {
  const bot = await registerBot("rp");
  const room = await createRoom(bot, { name: "replies" });
  let res = await send(bot, room.id, { content: "no one to reply to", reply_to: 1 });
  assertError(res, 400, "validation_failed", { field: "reply_to" });
  const m1 = await post(bot, room.id, "root");
  const m2 = await post(bot, room.id, "reply to root", { reply_to: 1 });
  assert.equal(m2.reply_to, m1.seq);
  const m3 = await post(bot, room.id, "reply to the previous one", { reply_to: 2 });
  assert.equal(m3.reply_to, 2);
  const m4 = await post(bot, room.id, "explicit null", { reply_to: null });
  assert.equal(m4.reply_to, null);

  for (const reply_to of [0, -1, 5, 1000, 1.5, "1", true, [1], 1e30]) {
    res = await send(bot, room.id, { content: "bad reply", reply_to });
    assertError(res, 400, "validation_failed", { field: "reply_to" });
  }
  assert.equal((await page(room.id)).last_seq, 4, "nothing was posted by the refusals");

  // The global room checks against its own last seq.
  const g = await post(bot, "global", "global root");
  const g2 = await post(bot, "global", "global reply", { reply_to: g.seq });
  assert.equal(g2.reply_to, g.seq);
  res = await send(bot, "global", { content: "too far", reply_to: g2.seq + 1000 });
  assertError(res, 400, "validation_failed", { field: "reply_to" });
});

test("content: trimmed, 1-4000 Unicode characters, no control characters but \\n and \\t, nothing invisible alone", async () => {
  const bot = await registerBot("ct");
  const room = await createRoom(bot, { name: "content" });
  for (const good of ["x", "a".repeat(4000), "😀".repeat(4000), `  ${"b".repeat(4000)}  `, "é漢字🦀", "tab\there\nnewline", "می\u200cخواهم"]) {
    const res = await send(bot, room.id, { content: good });
    assert.equal(res.status, 201, `${good.slice(0, 20)}: ${res.text.slice(0, 200)}`);
    assert.equal(res.body.message.content, good.trim());
  }
  const bad = ["", "   ", "\n\t \n", "a".repeat(4001), "😀".repeat(4001), "nul\u0000", "bell\u0007x", "cr\rin the middle", "a\r\nb", "esc\u001b[31m", "del\u007fx", "c1\u0085x",
    "zero\u200bwidth", "\u202eevil", "\u200b\u200b", "line\u2028separator", "\u200d\ufe0f"];
  for (const content of bad) {
    const res = await send(bot, room.id, { content });
    assertError(res, 400, "validation_failed", { field: "content" });
    assertNoRateHeaders(res);
  }
  for (const json of [{}, { content: null }, { content: 5 }, { content: ["a"] }, { content: { text: "a" } }]) {
    const res = await send(bot, room.id, json);
    assertError(res, 400, "validation_failed", { field: "content" });
  }
  const p = await page(room.id, "limit=100");
  assert.equal(p.last_seq, 7);
  // Unicode survives the round trip exactly.
  assert.equal(p.messages[4].content, "é漢字🦀");
  // An unknown field is refused (a bot guessing `seq` or `bot` must hear it was not
  // taken), and nothing is stored: the next post is seq 8.
  const extra = await send(bot, room.id, { content: "extra fields", colour: "blue" });
  assertError(extra, 400, "validation_failed", { field: "colour" });
  const next = await send(bot, room.id, { content: "after the refusal" });
  assert.equal(next.status, 201, next.text);
  assert.equal(next.body.message.seq, 8);
});

test("posting needs a key, an existing room and, in private rooms, membership", async () => {
  const [owner, outsider] = await registerBots(2, "pa");
  const priv = await createRoom(owner, { name: "priv", visibility: "private" });
  assertError(await api("POST", "/api/global/messages", { json: { content: "anon" } }), 401, "unauthorized");
  assertError(await api("POST", `/api/rooms/${priv.id}/messages`, { json: { content: "anon" } }), 401, "unauthorized");
  assertError(await send(outsider, priv.id, { content: "let me in" }), 403, "forbidden");
  assertError(await send(owner, UNKNOWN_ROOM, { content: "anyone?" }), 404, "not_found");
  assertError(await send(owner, "not_a_room", { content: "anyone?" }), 404, "not_found");
  assertError(await api("GET", `/api/rooms/${UNKNOWN_ROOM}/messages`), 404, "not_found");
  assertError(await api("GET", `/api/rooms/${priv.id}/messages`), 403, "forbidden");
  assertError(await api("GET", `/api/rooms/${priv.id}/messages`, { key: outsider.key }), 403, "forbidden");
  assert.equal((await api("GET", `/api/rooms/${priv.id}/messages`, { key: owner.key })).status, 200);
});

test("paging edges: empty room, first and last pages, after/before bounds, exact limits", async () => {
  const bot = await registerBot("pg");
  const room = await createRoom(bot, { name: "pages" });
  const empty = { messages: [], has_more: false, last_seq: 0 };
  assert.deepEqual(await page(room.id), empty);
  for (const q of ["after=0", "after=5", "before=1", "before=100", "limit=1"]) {
    assert.deepEqual(await page(room.id, q), empty, q);
  }
  for (let i = 1; i <= 12; i++) await post(bot, room.id, `message ${i}`);

  let p = await page(room.id);
  assert.deepEqual(seqs(p), range(1, 12));
  assert.equal(p.has_more, false);
  assert.equal(p.last_seq, 12);
  assert.deepEqual(p.messages.map((m) => m.content), range(1, 12).map((i) => `message ${i}`));

  // Newest: the newest `limit`, oldest first; has_more says older ones exist.
  p = await page(room.id, "limit=5");
  assert.deepEqual(seqs(p), range(8, 12));
  assert.equal(p.has_more, true);
  p = await page(room.id, "limit=12");
  assert.deepEqual(seqs(p), range(1, 12));
  assert.equal(p.has_more, false, "exactly limit messages: nothing more");
  p = await page(room.id, "limit=11");
  assert.deepEqual(seqs(p), range(2, 12));
  assert.equal(p.has_more, true);

  // After: catching up, oldest first; has_more says newer ones exist.
  p = await page(room.id, "after=0&limit=5");
  assert.deepEqual(seqs(p), range(1, 5));
  assert.equal(p.has_more, true);
  p = await page(room.id, "after=5&limit=5");
  assert.deepEqual(seqs(p), range(6, 10));
  assert.equal(p.has_more, true);
  p = await page(room.id, "after=7&limit=5");
  assert.deepEqual(seqs(p), range(8, 12));
  assert.equal(p.has_more, false, "exactly limit left");
  p = await page(room.id, "after=10&limit=5");
  assert.deepEqual(seqs(p), [11, 12]);
  assert.equal(p.has_more, false);
  for (const after of [12, 13, 1000]) {
    assert.deepEqual(await page(room.id, `after=${after}`), { messages: [], has_more: false, last_seq: 12 });
  }

  // Before: scrolling back; has_more says older ones exist.
  p = await page(room.id, "before=13&limit=5");
  assert.deepEqual(seqs(p), range(8, 12));
  assert.equal(p.has_more, true);
  p = await page(room.id, "before=8&limit=5");
  assert.deepEqual(seqs(p), range(3, 7));
  assert.equal(p.has_more, true);
  p = await page(room.id, "before=6&limit=5");
  assert.deepEqual(seqs(p), range(1, 5));
  assert.equal(p.has_more, false, "exactly limit left");
  p = await page(room.id, "before=3&limit=5");
  assert.deepEqual(seqs(p), [1, 2]);
  assert.equal(p.has_more, false);
  p = await page(room.id, "before=2");
  assert.deepEqual(seqs(p), [1]);
  for (const before of [1, 0]) {
    assert.deepEqual(await page(room.id, `before=${before}`), { messages: [], has_more: false, last_seq: 12 });
  }
  p = await page(room.id, "before=1000&limit=1");
  assert.deepEqual(seqs(p), [12]);
  assert.equal(p.has_more, true);

  // limit bounds.
  assert.equal((await page(room.id, "limit=1")).messages.length, 1);
  assert.equal((await page(room.id, "limit=100")).messages.length, 12);
  for (const q of ["limit=0", "limit=101", "limit=-1", "limit=1.5", "limit=ten", "limit=", "limit=1e2"]) {
    const res = await api("GET", `/api/rooms/${room.id}/messages?${q}`);
    assertError(res, 400, "validation_failed", { field: "limit" });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
  for (const q of ["after=-1", "after=x", "after=1.5", "before=-3", "before=", "before=abc"]) {
    const res = await api("GET", `/api/rooms/${room.id}/messages?${q}`);
    assertError(res, 400, "validation_failed", { field: q.split("=")[0] });
  }
  for (const q of ["after=1&before=5", "before=5&after=1", "after=0&before=0"]) {
    assertError(await api("GET", `/api/rooms/${room.id}/messages?${q}`), 400, "validation_failed");
    assertError(await api("GET", `/api/global/messages?${q}`), 400, "validation_failed");
  }
  // Default limit is 50.
  const big = await createRoom(bot, { name: "fifty-five" });
  const authors = await registerBots(2, "pg2");
  for (let i = 0; i < 55; i++) await post(authors[i % 2], big.id, `m${i + 1}`);
  p = await page(big.id);
  assert.deepEqual(seqs(p), range(6, 55));
  assert.equal(p.has_more, true);
});

test("history cap: a room keeps its newest 200 messages; seqs and counters go on", async () => {
  const authors = await registerBots(7, "cap");
  const room = await createRoom(authors[0], { name: "history" });
  // 205 = 30 + 30 + 5 x 29: within each bot's 30 per minute.
  const posted = [];
  await Promise.all(authors.map(async (bot, b) => {
    const count = b < 2 ? 30 : 29;
    for (let i = 0; i < count; i++) posted.push(await post(bot, room.id, `history ${b}.${i}`));
  }));
  assert.equal(posted.length, 205);
  assert.deepEqual(posted.map((m) => m.seq).sort((a, b) => a - b), range(1, 205));

  const { messages, last_seq } = await readAll(room.id);
  assert.equal(last_seq, 205);
  assert.deepEqual(messages.map((m) => m.seq), range(6, 205));
  const bySeq = new Map(posted.map((m) => [m.seq, m]));
  for (const m of messages) assert.deepEqual(m, bySeq.get(m.seq));

  let p = await page(room.id, "after=0&limit=100");
  assert.deepEqual(seqs(p), range(6, 105));
  assert.equal(p.has_more, true);
  p = await page(room.id, "after=105&limit=100");
  assert.deepEqual(seqs(p), range(106, 205));
  assert.equal(p.has_more, false);
  p = await page(room.id, "before=8&limit=5");
  assert.deepEqual(seqs(p), [6, 7]);
  assert.equal(p.has_more, false, "nothing older is kept");
  p = await page(room.id, "before=6");
  assert.deepEqual(p, { messages: [], has_more: false, last_seq: 205 });
  p = await page(room.id, "limit=100");
  assert.deepEqual(seqs(p), range(106, 205));
  assert.equal(p.has_more, true);
  const got = await api("GET", `/api/rooms/${room.id}`);
  assert.equal(got.body.room.message_count, 205, "message_count counts every message ever posted");
  // A reply to a seq no longer kept is still a valid seq.
  const reply = await post(authors[6], room.id, "replying to history", { reply_to: 3 });
  assert.equal(reply.seq, 206);
  assert.equal(reply.reply_to, 3);
});

test("posting is limited to 30 messages per minute per bot; refusals do not count", async () => {
  const [bot, other] = await registerBots(2, "mrl");
  const room = await createRoom(bot, { name: "chatty" });
  for (let i = 0; i < 30; i++) {
    if (i === 10) {
      // A validation failure (no headers) and a bad reply_to (decided in storage) do not count.
      assertNoRateHeaders(await send(bot, room.id, { content: "" }));
      assertError(await send(bot, room.id, { content: "x", reply_to: 999 }), 400, "validation_failed");
    }
    const res = await send(bot, room.id, { content: `msg ${i}` });
    assert.equal(res.status, 201, res.text);
    assertRateHeaders(res, 30, 60, 29 - i);
  }
  const res = await send(bot, room.id, { content: "one too many" });
  assertRateLimited(res, 30, 60);
  assertRateLimited(await send(bot, "global", { content: "the limit is per bot, not per room" }), 30, 60);
  assert.equal((await page(room.id)).last_seq, 30, "the refused message was not stored");
  // Reading is not limited, and other bots may still post.
  assert.equal((await api("GET", `/api/rooms/${room.id}/messages`, { key: bot.key })).status, 200);
  assert.equal((await send(other, room.id, { content: "my turn" })).status, 201);
});

test("concurrency: 20 bots posting 5 messages each at once get seqs 1..100 exactly", async () => {
  const bots = await registerBots(20, "cc");
  const room = await createRoom(bots[0], { name: "stampede" });
  const results = await Promise.all(
    bots.flatMap((bot, b) => range(1, 5).map((i) => send(bot, room.id, { content: `bot ${b} message ${i}` }))),
  );
  for (const res of results) assert.equal(res.status, 201, res.text);
  const answered = results.map((r) => r.body.message);
  assert.deepEqual(answered.map((m) => m.seq).sort((a, b) => a - b), range(1, 100), "answers: no gaps, no duplicates");
  assert.equal(new Set(answered.map((m) => m.id)).size, 100);

  const { messages, last_seq } = await readAll(room.id);
  assert.equal(last_seq, 100);
  assert.deepEqual(messages.map((m) => m.seq), range(1, 100));
  const contents = messages.map((m) => m.content).sort();
  const expected = bots.flatMap((_, b) => range(1, 5).map((i) => `bot ${b} message ${i}`)).sort();
  assert.deepEqual(contents, expected, "each message exactly once");
  // The stored message is what its author was answered, and authors match.
  const byId = new Map(answered.map((m) => [m.id, m]));
  for (const m of messages) {
    assert.deepEqual(m, byId.get(m.id));
    assert.equal(m.bot.name, bots[Number(m.content.split(" ")[1])].bot.name);
  }
  // Every bot got its five in.
  for (let b = 0; b < 20; b++) {
    const mine = messages.filter((m) => m.bot.id === bots[b].bot.id).map((m) => m.seq);
    assert.equal(mine.length, 5);
  }
  const got = await api("GET", `/api/rooms/${room.id}`);
  assert.equal(got.body.room.message_count, 100);
  assert.equal(got.body.room.member_count, 20);
});
