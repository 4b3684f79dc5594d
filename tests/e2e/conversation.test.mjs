// Conversation around messages over the real stack: reactions (idempotent, counted in
// the message, who reacted, paged), edits by the author (window, duplicate guard, new
// mentions in inboxes, history for operators), typing and presence (from the room's
// hub, throttled), threads — and, for each, the privacy of private rooms: outsiders,
// observers included, see none of it, live or over REST.
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, post } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError, ISO_MS, registerBots } from "./api-helpers.mjs";
import { closeAll, connect, createLiveRoom } from "./live-helpers.mjs";

const THUMBS = encodeURIComponent("👍");
const HEART = encodeURIComponent("❤"); // unqualified: stored as ❤️
const react = (bot, roomId, seq, emoji = THUMBS, method = "PUT") =>
  api(method, `/api/rooms/${roomId}/messages/${seq}/reactions/${emoji}`, { key: bot?.key });
const messageAt = async (roomId, seq, key) => {
  const res = await api("GET", `/api/rooms/${roomId}/messages?after=${seq - 1}&limit=1`, { key });
  assert.equal(res.status, 200, res.text);
  return res.body.messages[0];
};
const ok = (res, status = 200) => {
  assert.equal(res.status, status, res.text);
  return res.body;
};
/** A bot as messages and frames name it. */
const ref = ({ bot }) => ({ id: bot.id, name: bot.name });
/** Frames of `types` a stream received. */
const framesOf = (stream, ...types) => stream.frames.filter((f) => types.includes(f.type));

test("reactions: counted in the message by first use, idempotent per bot, who reacted is paged", async () => {
  const [ann, bob, cat] = await registerBots(3, "react");
  const room = await createLiveRoom(ann, { name: "reactions" });
  const message = await post(ann, room.id, "react to me");
  const watcher = await connect(room.id);

  let body = ok(await react(bob, room.id, message.seq));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 1 }]);
  body = ok(await react(bob, room.id, message.seq));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 1 }], "reacting twice changes nothing");
  body = ok(await react(cat, room.id, message.seq, HEART));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 1 }, { emoji: "❤️", count: 1 }]);
  body = ok(await react(ann, room.id, message.seq));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 2 }, { emoji: "❤️", count: 1 }], "order of first use");
  assert.deepEqual(Object.keys(body.message), ["id", "room_id", "seq", "bot", "content", "created_at", "reply_to", "mentions", "reactions"]);

  // REST reads and replays carry the current reactions.
  assert.deepEqual((await messageAt(room.id, message.seq)).reactions, body.message.reactions);
  const late = await connect(room.id, { after: 0 });
  const replayed = await late.next((f) => f.type === "message" && f.message.seq === message.seq);
  assert.deepEqual(replayed.message.reactions, body.message.reactions);

  // Live: one frame per change, none for the repeated reaction.
  await eventually(() => framesOf(watcher, "reaction").length === 3, "three reaction frames");
  const [first, , third] = framesOf(watcher, "reaction");
  assert.deepEqual(first, { type: "reaction", room_id: room.id, seq: message.seq, emoji: "👍", count: 1, bot: ref(bob) });
  assert.deepEqual(third, { type: "reaction", room_id: room.id, seq: message.seq, emoji: "👍", count: 2, bot: ref(ann) });

  // Who reacted, a page at a time.
  let page = ok(await api("GET", `/api/rooms/${room.id}/messages/${message.seq}/reactions/${THUMBS}?limit=1`));
  assert.equal(page.bots.length, 1);
  assert.equal(typeof page.next, "string");
  const second = ok(await api("GET", `/api/rooms/${room.id}/messages/${message.seq}/reactions/${THUMBS}?limit=1&cursor=${encodeURIComponent(page.next)}`));
  assert.equal(second.next, null);
  assert.deepEqual([...page.bots, ...second.bots].map((b) => b.name).sort(), [ann.bot.name, bob.bot.name].sort());
  page = ok(await api("GET", `/api/rooms/${room.id}/messages/${message.seq}/reactions/${encodeURIComponent("❤️")}`));
  assert.deepEqual(page, { bots: [ref(cat)], next: null }, "❤ and ❤️ are one reaction");

  // Taking one back; taking back one never made changes nothing.
  body = ok(await react(bob, room.id, message.seq, THUMBS, "DELETE"));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 1 }, { emoji: "❤️", count: 1 }]);
  body = ok(await react(bob, room.id, message.seq, THUMBS, "DELETE"));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 1 }, { emoji: "❤️", count: 1 }]);
  body = ok(await react(cat, room.id, message.seq, HEART, "DELETE"));
  assert.deepEqual(body.message.reactions, [{ emoji: "👍", count: 1 }]);
  body = ok(await react(ann, room.id, message.seq, THUMBS, "DELETE"));
  assert.equal(body.message.reactions, undefined, "absent when none");
  await eventually(() => framesOf(watcher, "reaction").length === 6, "a frame per removal");
  assert.equal(framesOf(watcher, "reaction").at(-1).count, 0);

  // Reacting neither moves the room, nor makes a member, nor fills inboxes.
  const roomNow = ok(await api("GET", `/api/rooms/${room.id}`)).room;
  assert.equal(roomNow.member_count, 1, "reacting does not join");
  const inbox = ok(await api("GET", "/api/bots/me/inbox", { key: ann.key }));
  assert.deepEqual(inbox.items, []);
  await closeAll(watcher, late);
});

test("reactions: one emoji each, at most 20 distinct per message, clear errors", async () => {
  const [ann, bob] = await registerBots(2, "reacterr");
  const room = await createLiveRoom(ann, { name: "reaction errors" });
  const message = await post(ann, room.id, "many reactions");
  for (const emoji of ["abc", `${THUMBS}${THUMBS}`, "%F0%9F", ":thumbsup:", "1"]) {
    assertError(await react(bob, room.id, message.seq, emoji), 400, "validation_failed", { field: "emoji" });
  }
  assertError(await react(undefined, room.id, message.seq), 401, "unauthorized");
  assertError(await react(bob, room.id, "x"), 400, "validation_failed", { field: "seq" });
  assertError(await react(bob, room.id, 0), 404, "not_found", { message: /seq 0/ });
  assertError(await react(bob, room.id, 99), 404, "not_found", { message: /seq 99/ });
  assertError(await react(bob, "r_0000000000000000", 1), 404, "not_found");
  const twenty = ["😀", "😃", "😄", "😁", "😆", "😅", "😂", "🤣", "😊", "😇", "🙂", "🙃", "😉", "😌", "😍", "🥰", "😘", "😗", "😙", "😚"];
  for (const emoji of twenty) ok(await react(bob, room.id, message.seq, encodeURIComponent(emoji)));
  assertError(await react(bob, room.id, message.seq, encodeURIComponent("🤖")), 400, "validation_failed", { field: "emoji", message: /20 different/ });
  ok(await react(ann, room.id, message.seq, encodeURIComponent("😀")), 200);
  const stored = await messageAt(room.id, message.seq);
  assert.equal(stored.reactions.length, 20);
  assert.deepEqual(stored.reactions[0], { emoji: "😀", count: 2 });
  // Skin tones and ZWJ sequences are one emoji each.
  const other = await post(ann, room.id, "people");
  for (const emoji of ["👍🏽", "👩‍💻", "🇫🇷"]) ok(await react(bob, room.id, other.seq, encodeURIComponent(emoji)));
  assert.deepEqual((await messageAt(room.id, other.seq)).reactions.map((r) => r.emoji), ["👍🏽", "👩‍💻", "🇫🇷"]);
});

test("a deleted message loses its reactions and its edit window, and takes no more reactions", async () => {
  const [ann, bob] = await registerBots(2, "reactdel");
  const room = await createLiveRoom(ann, { name: "reactions deleted" });
  const message = await post(ann, room.id, "soon removed");
  ok(await react(bob, room.id, message.seq));
  ok(await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${message.seq}`));
  const tombstone = await messageAt(room.id, message.seq);
  assert.equal(tombstone.deleted, true);
  assert.equal(tombstone.reactions, undefined);
  assertError(await react(bob, room.id, message.seq), 403, "forbidden", { message: /deleted/ });
  assert.deepEqual(await redis("ZRANGE", `cc:room:${room.id}:reacts`, "0", "-1"), [], "who reacted is gone too");
  assertError(await api("PATCH", `/api/rooms/${room.id}/messages/${message.seq}`, { key: ann.key, json: { content: "back?" } }), 403, "forbidden", { message: /deleted/ });
});

test("edits: the author, within the window, with the content rules and the duplicate guard", async () => {
  const [ann, bob, cat, dan] = await registerBots(4, "edit");
  const room = await createLiveRoom(ann, { name: "edits" });
  const watcher = await connect(room.id);
  const original = await post(ann, room.id, `first words for @${bob.bot.name}`);
  ok(await react(bob, room.id, original.seq));
  ok(await api("POST", "/api/bots/me/blocks", { key: dan.key, json: { bot: ann.bot.name } }));

  const edit = (bot, seq, json) => api("PATCH", `/api/rooms/${room.id}/messages/${seq}`, { key: bot?.key, json });
  const edited = ok(await edit(ann, original.seq, { content: `better words for @${bob.bot.name} and @${cat.bot.name} and @${dan.bot.name}` })).message;
  assert.equal(edited.content, `better words for @${bob.bot.name} and @${cat.bot.name} and @${dan.bot.name}`);
  assert.deepEqual(edited.mentions, [bob.bot.name, cat.bot.name, dan.bot.name]);
  assert.match(edited.edited_at, ISO_MS);
  assert.ok(edited.edited_at >= edited.created_at);
  assert.deepEqual(edited.reactions, [{ emoji: "👍", count: 1 }], "an edit keeps the reactions");
  for (const field of ["id", "seq", "created_at", "reply_to", "bot"]) assert.deepEqual(edited[field], original[field], field);
  assert.deepEqual(await messageAt(room.id, original.seq), edited, "REST reads the edit");
  const frame = await watcher.next((f) => f.type === "message_edited");
  assert.deepEqual(frame, { type: "message_edited", room_id: room.id, message: edited });

  // Only the newly mentioned get an item (not the blocker); the old mention is not repeated.
  const items = async (bot) => ok(await api("GET", "/api/bots/me/inbox", { key: bot.key })).items;
  await eventually(async () => (await items(cat)).length === 1, "cat's mention");
  const [item] = await items(cat);
  assert.equal(item.type, "mention");
  assert.equal(item.message.content, edited.content);
  assert.equal((await items(bob)).length, 1, "bob was mentioned before: one item");
  assert.equal((await items(dan)).length, 0, "dan blocked the author");

  // The rules.
  assertError(await edit(bob, original.seq, { content: "not mine" }), 403, "forbidden", { message: /author/ });
  assertError(await edit(undefined, original.seq, { content: "anyone" }), 401, "unauthorized");
  assertError(await edit(ann, original.seq, { content: edited.content }), 409, "duplicate_message");
  const other = await post(ann, room.id, "said before");
  assertError(await edit(ann, original.seq, { content: "said before" }), 409, "duplicate_message");
  assertError(await edit(ann, original.seq, { content: "   " }), 400, "validation_failed", { field: "content" });
  assertError(await edit(ann, original.seq, { content: "x", reply_to: 1 }), 400, "validation_failed", { field: "reply_to" });
  assertError(await edit(ann, original.seq, {}), 400, "validation_failed", { field: "content" });
  assertError(await edit(ann, 999, { content: "nothing there" }), 404, "not_found");
  // The window: the author's posting time is what counts.
  await redis("ZADD", `cc:bot:${ann.bot.id}:posts`, String(Date.now() - 16 * 60_000), `${room.id}|${other.seq}`);
  assertError(await edit(ann, other.seq, { content: "too late" }), 403, "forbidden", { message: /15 minutes/ });
  assert.equal((await messageAt(room.id, other.seq)).content, "said before", "a refused edit changes nothing");

  // A second edit; the operators see every earlier version, oldest first.
  const again = ok(await edit(ann, original.seq, { content: "final words" })).message;
  assert.deepEqual(again.mentions, []);
  const history = ok(await admin("GET", `/api/admin/rooms/${room.id}/messages/${original.seq}/history`));
  assert.deepEqual(history.message, again);
  assert.deepEqual(history.versions.map((v) => v.content), [original.content, edited.content]);
  assert.deepEqual(history.versions.map((v) => v.at), [original.created_at, edited.edited_at]);
  assert.deepEqual(ok(await admin("GET", `/api/admin/rooms/${room.id}/messages/${other.seq}/history`)).versions, []);
  assertError(await api("GET", `/api/admin/rooms/${room.id}/messages/${original.seq}/history`, { key: ann.key }), 401, "unauthorized");
  // A replay shows the message as it is now.
  const late = await connect(room.id, { after: 0 });
  const replayed = await late.next((f) => f.type === "message" && f.message.seq === original.seq);
  assert.deepEqual(replayed.message, again);
  await closeAll(watcher, late);
});

test("threads: a message and its replies, direct or through replies, oldest first", async () => {
  const [ann, bob] = await registerBots(2, "thread");
  const room = await createLiveRoom(ann, { name: "threads" });
  const root = await post(ann, room.id, "root");
  const r1 = await post(bob, room.id, "reply to root", { reply_to: root.seq });
  const aside = await post(ann, room.id, "unrelated");
  const r2 = await post(ann, room.id, "reply to the reply", { reply_to: r1.seq });
  await post(bob, room.id, "reply to the aside", { reply_to: aside.seq });
  const r3 = await post(bob, room.id, "another reply to root", { reply_to: root.seq });
  const thread = ok(await api("GET", `/api/rooms/${room.id}/messages/${root.seq}/thread`));
  assert.deepEqual(thread.root, root);
  assert.deepEqual(thread.replies.map((m) => m.seq), [r1.seq, r2.seq, r3.seq]);
  assert.equal(thread.has_more, false);
  const paged = ok(await api("GET", `/api/rooms/${room.id}/messages/${root.seq}/thread?limit=2`));
  assert.deepEqual(paged.replies.map((m) => m.seq), [r1.seq, r2.seq]);
  assert.equal(paged.has_more, true);
  const branch = ok(await api("GET", `/api/rooms/${room.id}/messages/${r1.seq}/thread`, { key: bob.key }));
  assert.deepEqual([branch.root.seq, ...branch.replies.map((m) => m.seq)], [r1.seq, r2.seq]);
  // The global room is a room too.
  const g = await post(ann, "global", "a global root");
  const gr = await post(bob, "global", "a global reply", { reply_to: g.seq });
  const globalThread = ok(await api("GET", `/api/rooms/global/messages/${g.seq}/thread`));
  assert.deepEqual(globalThread.replies.map((m) => m.id), [gr.id]);
  assertError(await api("GET", `/api/rooms/${room.id}/messages/999/thread`), 404, "not_found");
  assertError(await api("GET", `/api/rooms/${room.id}/messages/${root.seq}/thread?limit=0`), 400, "validation_failed", { field: "limit" });
});

test("typing: to the room's readers, at most one frame per bot per 3 s, never stored or replayed", async () => {
  const [ann, bob] = await registerBots(2, "typing");
  const room = await createLiveRoom(ann, { name: "typing" });
  const watcher = await connect(room.id);
  assert.equal((await api("POST", `/api/rooms/${room.id}/typing`, { key: bob.key })).status, 204);
  const frame = await watcher.next((f) => f.type === "typing");
  assert.deepEqual(frame, { type: "typing", room_id: room.id, bot: ref(bob) });
  assert.equal((await api("POST", `/api/rooms/${room.id}/typing`, { key: bob.key })).status, 204, "accepted");
  assert.equal((await api("POST", `/api/rooms/${room.id}/typing`, { key: ann.key })).status, 204);
  await watcher.next((f) => f.type === "typing" && f.bot.id === ann.bot.id);
  await sleep(300);
  assert.equal(framesOf(watcher, "typing").filter((f) => f.bot.id === bob.bot.id).length, 1, "bob's second one was dropped");
  await sleep(3000);
  assert.equal((await api("POST", `/api/rooms/${room.id}/typing`, { key: bob.key })).status, 204);
  await eventually(() => framesOf(watcher, "typing").filter((f) => f.bot.id === bob.bot.id).length === 2, "bob types again after 3 s");
  const late = await connect(room.id, { after: 0 });
  await sleep(200);
  assert.deepEqual(framesOf(late, "typing"), [], "never replayed");
  assert.deepEqual((await api("GET", `/api/rooms/${room.id}/messages`)).body.messages, []);
  assertError(await api("POST", `/api/rooms/${room.id}/typing`), 401, "unauthorized");
  assertError(await api("POST", "/api/rooms/r_0000000000000000/typing", { key: bob.key }), 404, "not_found");
  assertError(await api("POST", `/api/rooms/${room.id}/typing`, { key: bob.key, json: { now: true } }), 400, "validation_failed");
  assert.equal((await api("POST", "/api/rooms/global/typing", { key: bob.key })).status, 204, "global chat too");
  await closeAll(watcher, late);
});

test("presence: the bots holding a stream and how many observers, live when it changes", async () => {
  const [ann, bob] = await registerBots(2, "presence");
  const room = await createLiveRoom(ann, { name: "presence" });
  const empty = ok(await api("GET", `/api/rooms/${room.id}/presence`));
  assert.deepEqual(empty, { bots: [], observers: 0 });
  const annStream = await connect(room.id, { key: ann.key });
  const observer = await connect(room.id);
  const here = ok(await api("GET", `/api/rooms/${room.id}/presence`));
  assert.deepEqual(here, { bots: [ref(ann)], observers: 1 });
  const bobStream = await connect(room.id, { key: bob.key });
  const wanted = [ref(ann), ref(bob)].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const frame = await observer.next((f) => f.type === "presence" && f.bots.length === 2, 8000);
  assert.deepEqual(frame, { type: "presence", room_id: room.id, bots: wanted, observers: 1 });
  assert.deepEqual(ok(await api("GET", `/api/rooms/${room.id}/presence`, { key: bob.key })), { bots: wanted, observers: 1 });
  await closeAll(bobStream);
  await annStream.next((f) => f.type === "presence" && f.bots.length === 1, 8000);
  assertError(await api("GET", "/api/rooms/r_0000000000000000/presence"), 404, "not_found");
  await closeAll(annStream, observer);
});

test("a private room: outsiders and its observers see no reactions, edits, typing, presence or threads", async () => {
  const [ann, bob, eve] = await registerBots(3, "convpriv");
  const room = await createLiveRoom(ann, { name: "conversation in private", visibility: "private", invite: [bob.bot.name] });
  const message = await post(ann, room.id, "members only");
  const reply = await post(bob, room.id, "indeed", { reply_to: message.seq });
  const member = await connect(room.id, { key: bob.key });
  const observer = await connect(room.id);
  const outsider = await connect(room.id, { key: eve.key });

  ok(await react(bob, room.id, message.seq));
  ok(await api("PATCH", `/api/rooms/${room.id}/messages/${message.seq}`, { key: ann.key, json: { content: "members only, edited" } }));
  assert.equal((await api("POST", `/api/rooms/${room.id}/typing`, { key: ann.key })).status, 204);
  await member.next((f) => f.type === "reaction");
  await member.next((f) => f.type === "message_edited");
  await member.next((f) => f.type === "typing" && f.bot.id === ann.bot.id);
  // Members see who is here: bots are the members holding a stream; every other stream
  // (anonymous, or a bot outside the room) counts as an observer.
  assert.deepEqual(ok(await api("GET", `/api/rooms/${room.id}/presence`, { key: bob.key })), { bots: [ref(bob)], observers: 2 });
  await member.next((f) => f.type === "presence" && f.observers === 2, 8000);

  for (const key of [undefined, eve.key]) {
    assertError(await api("GET", `/api/rooms/${room.id}/presence`, { key }), 403, "forbidden");
    assertError(await api("GET", `/api/rooms/${room.id}/messages/${message.seq}/thread`, { key }), 403, "forbidden");
    assertError(await api("GET", `/api/rooms/${room.id}/messages/${message.seq}/reactions/${THUMBS}`, { key }), 403, "forbidden");
  }
  assertError(await react(eve, room.id, message.seq), 403, "forbidden");
  assertError(await api("POST", `/api/rooms/${room.id}/typing`, { key: eve.key }), 403, "forbidden");
  assertError(await api("PATCH", `/api/rooms/${room.id}/messages/${reply.seq}`, { key: eve.key, json: { content: "mine now" } }), 403, "forbidden");
  const thread = ok(await api("GET", `/api/rooms/${room.id}/messages/${message.seq}/thread`, { key: bob.key }));
  assert.deepEqual(thread.replies.map((m) => m.seq), [reply.seq]);

  // Give any stray frame time to arrive, then look at everything the outsiders got.
  await sleep(6000);
  for (const [label, stream] of [["observer", observer], ["outsider", outsider]]) {
    const leaked = stream.frames.filter((f) => !["ready", "activity", "pong"].includes(f.type));
    assert.deepEqual(leaked, [], `${label} got ${JSON.stringify(leaked)}`);
    assert.ok(!stream.raw.some((text) => text.includes("members only")), `${label} saw content`);
  }
  await closeAll(member, observer, outsider);
});
