// The live stream as observers and bots see it: who gets what in public and private
// rooms, membership frames, and the small protocol (ready, ping/pong, read-only, 404).
// Real WebSocket clients against the running stack; every test has its own bots and rooms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, openStream, post, registerBot } from "../lib/client.mjs";
import { eventually } from "../lib/poll.mjs";
import { assertRun, closeAll, connect, createLiveRoom, streamPath, waitForSeq } from "./live-helpers.mjs";

test("public room: two observers and a member bot get every message, in order", async () => {
  const [owner, guest] = await Promise.all([registerBot("pubown"), registerBot("pubguest")]);
  const room = await createLiveRoom(owner);
  const observers = [await connect(room.id), await connect(room.id)];
  const member = await connect(room.id, { key: owner.key });

  for (const o of observers) {
    assert.equal(o.ready.viewer, "observer");
    assert.equal(o.ready.room.id, room.id);
    assert.equal(o.ready.last_seq, 0);
  }
  assert.equal(member.ready.viewer, "member");

  const posted = [];
  for (let i = 0; i < 6; i++) posted.push(await post(i % 2 ? guest : owner, room.id, `public hello ${i}`));
  for (const stream of [...observers, member]) {
    await waitForSeq(stream, 6);
    assertRun(stream.messages().map((m) => m.seq), 1, 6);
    assert.deepEqual(stream.messages(), posted, "frames carry the stored messages exactly");
    assert.equal(stream.frames[0].type, "ready", "ready is the first frame");
  }
  // Posting made the guest a member; everyone in a public room hears about it.
  const joined = await observers[0].next((f) => f.type === "member_joined");
  assert.deepEqual(joined, { type: "member_joined", room_id: room.id, bot: { id: guest.bot.id, name: guest.bot.name } });
  await closeAll(...observers, member);
});

test("the global room streams too, and a bot's key makes it a member there", async () => {
  const bot = await registerBot("globe");
  const observer = await connect("global");
  const member = await connect("global", { key: bot.key });
  assert.equal(observer.ready.viewer, "observer");
  assert.equal(observer.ready.room.id, "global");
  assert.equal(member.ready.viewer, "member");
  const message = await post(bot, "global", "hello, global listeners");
  for (const stream of [observer, member]) {
    const frame = await stream.next((f) => f.type === "message" && f.message.id === message.id);
    assert.deepEqual(frame.message, message);
  }
  await closeAll(observer, member);
});

test("private room: observers get activity and never a byte of content; members get it all", async () => {
  const [owner, author, outsider, invitee] = await Promise.all([
    registerBot("privown"),
    registerBot("privauth"),
    registerBot("privout"),
    registerBot("privinv"),
  ]);
  const room = await createLiveRoom(owner, { visibility: "private", invite: [author.bot.name] });
  const anonymous = await connect(room.id);
  const keyedOutsider = await connect(room.id, { key: outsider.key });
  const member = await connect(room.id, { key: author.key });
  assert.equal(member.ready.viewer, "member");

  const secret = `sekrit-${Date.now().toString(36)}`;
  const posted = [];
  for (let i = 1; i <= 3; i++) posted.push(await post(author, room.id, `${secret} number ${i}`));

  await waitForSeq(member, 3);
  assert.deepEqual(member.messages(), posted);

  // Membership changes reach members only; the leaver sees member_left, then 4003.
  const invited = await api("POST", `/api/rooms/${room.id}/invite`, { key: owner.key, json: { bot: invitee.bot.name } });
  assert.equal(invited.status, 200, invited.text);
  const joined = await member.next((f) => f.type === "member_joined");
  assert.deepEqual(joined.bot, { id: invitee.bot.id, name: invitee.bot.name });
  const leaver = await connect(room.id, { key: invitee.key });
  assert.equal(leaver.ready.viewer, "member");
  const left = await api("POST", `/api/rooms/${room.id}/leave`, { key: invitee.key });
  assert.equal(left.status, 200, left.text);
  assert.deepEqual((await member.next((f) => f.type === "member_left")).bot, { id: invitee.bot.id, name: invitee.bot.name });
  assert.deepEqual((await leaver.next((f) => f.type === "member_left")).bot.id, invitee.bot.id);
  await eventually(() => leaver.closed, "the leaver's socket to close");
  assert.equal(leaver.closed.code, 4003);
  assert.equal(member.closed, null, "other members stay connected");

  // A fourth message after the membership changes: once observers have its activity,
  // they would have had anything sent before it.
  posted.push(await post(author, room.id, `${secret} number 4`));
  for (const observer of [anonymous, keyedOutsider]) {
    await observer.next((f) => f.type === "activity" && f.last_seq === 4);
  }
  await new Promise((r) => setTimeout(r, 300));

  for (const observer of [anonymous, keyedOutsider]) {
    const frames = observer.frames;
    assert.equal(frames[0].type, "ready");
    assert.equal(frames[0].viewer, "observer");
    const rest = frames.slice(1);
    assert.deepEqual(rest.map((f) => f.type), ["activity", "activity", "activity", "activity"]);
    rest.forEach((f, i) => {
      assert.deepEqual(Object.keys(f).sort(), ["at", "last_seq", "message_count", "room_id", "type"]);
      assert.equal(f.room_id, room.id);
      assert.equal(f.last_seq, i + 1);
      assert.equal(f.message_count, i + 1);
      assert.equal(f.at, posted[i].created_at);
    });
    // Not a byte of content, authors or members: only the room's public metadata in ready.
    const wire = observer.raw.join("\n");
    const hidden = [secret, author.bot.name, author.bot.id, invitee.bot.name, invitee.bot.id, ...posted.map((m) => m.id)];
    for (const word of hidden) assert.ok(!wire.includes(word), `observer frames leak ${word}`);
    const afterReady = observer.raw.slice(1).join("\n");
    for (const word of [owner.bot.name, owner.bot.id]) assert.ok(!afterReady.includes(word), `observer frames leak ${word}`);
  }
  await closeAll(anonymous, keyedOutsider, member, leaver);
});

test("private room: a member resuming gets the missed content; an observer's ?after= replays nothing", async () => {
  const owner = await registerBot("privres");
  const room = await createLiveRoom(owner, { visibility: "private" });
  for (let i = 1; i <= 3; i++) await post(owner, room.id, `private ${i}`);
  const member = await connect(room.id, { key: owner.key, after: 1 });
  const observer = await connect(room.id);
  await waitForSeq(member, 3);
  assertRun(member.messages().map((m) => m.seq), 2, 3);
  const late = await connect(room.id, { after: 0 });
  await post(owner, room.id, "private 4");
  await waitForSeq(member, 4);
  await late.next((f) => f.type === "activity" && f.last_seq === 4);
  assert.deepEqual(late.frames.map((f) => f.type), ["ready", "activity"], "nothing replayed to an observer");
  assert.ok(!observer.raw.join("").includes("private 4"));
  await closeAll(member, observer, late);
});

test("upgrades to unknown rooms are 404 before any socket; a bad key is 401", async () => {
  for (const path of ["/api/rooms/r_0000000000000000/ws", "/api/rooms/nonsense/ws"]) {
    await assert.rejects(openStream(path), (err) => err.status === 404, path);
  }
  const owner = await registerBot("badkey");
  const room = await createLiveRoom(owner);
  await assert.rejects(openStream(streamPath(room.id), { key: "clawchat_" + "0".repeat(64) }), (err) => err.status === 401);
  const plain = await api("GET", streamPath(room.id));
  assert.equal(plain.status, 426, "a stream URL without Upgrade is refused");
});

test("ping gets pong; a frame that is neither ping nor post gets a read_only error and the socket stays open", async () => {
  const bot = await registerBot("pinger");
  const room = await createLiveRoom(bot);
  const stream = await connect(room.id, { key: bot.key });

  stream.ws.send(JSON.stringify({ type: "ping" }));
  // (Frames of other kinds, such as `presence` when this stream arrived, may come between.)
  const answer = (f) => f.type === "pong" || f.type === "error";
  assert.deepEqual(await stream.next(answer), { type: "pong" });
  stream.ws.send(' { "type" : "ping" } ');
  assert.deepEqual(await stream.next(answer), { type: "pong" });

  for (const frame of ['{"type":"message","content":"let me in"}', "not json", Buffer.from([1, 2, 3])]) {
    stream.ws.send(frame);
    const error = await stream.next(answer);
    assert.equal(error.type, "error");
    assert.equal(error.error.code, "read_only");
    assert.match(error.error.message, new RegExp(`/api/rooms/${room.id}/messages`));
  }
  const message = await post(bot, room.id, "still listening?");
  assert.deepEqual((await stream.next((f) => f.type === "message")).message, message);
  assert.equal(stream.closed, null);
  await closeAll(stream);
});
