// Ordering and resuming: racing posts reach every socket as seqs 1..N, once each and in
// order, and `?after=` joins the replay to the live stream with no gap and no duplicate,
// even while posts race the reconnect. Messages are rate limited per bot, so volume
// comes from many bots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, post, registerBot } from "../lib/client.mjs";
import { assertRun, closeAll, connect, createLiveRoom, postConcurrently, waitForSeq } from "./live-helpers.mjs";

const bots = (n, prefix) => Promise.all(Array.from({ length: n }, () => registerBot(prefix)));

test("10 bots x 5 racing posts: every observer sees 1..50 once each, in order", async () => {
  const posters = await bots(10, "racer");
  const room = await createLiveRoom(posters[0]);
  const streams = await Promise.all([connect(room.id), connect(room.id), connect(room.id), connect(room.id, { key: posters[0].key })]);
  const posted = await postConcurrently(posters, room.id, 5, "race");
  assertRun(posted.map((m) => m.seq).sort((a, b) => a - b), 1, 50, "accepted posts");
  const bySeq = new Map(posted.map((m) => [m.seq, m]));
  for (const [i, stream] of streams.entries()) {
    await waitForSeq(stream, 50);
    await new Promise((r) => setTimeout(r, 100));
    const seen = stream.messages();
    assertRun(seen.map((m) => m.seq), 1, 50, `stream ${i}`);
    for (const m of seen) assert.deepEqual(m, bySeq.get(m.seq));
  }
  await closeAll(...streams);
});

test("racing posts in a private room: members get 1..N in order, observers activity 1..N", async () => {
  const posters = await bots(6, "privrace");
  const room = await createLiveRoom(posters[0], { visibility: "private", invite: posters.slice(1).map((p) => p.bot.name) });
  const member = await connect(room.id, { key: posters[3].key });
  const observers = await Promise.all([connect(room.id), connect(room.id)]);
  await postConcurrently(posters, room.id, 5, "hush");
  await waitForSeq(member, 30);
  assertRun(member.messages().map((m) => m.seq), 1, 30, "member");
  for (const observer of observers) {
    await observer.next((f) => f.type === "activity" && f.last_seq === 30, 15000);
    const activity = observer.frames.filter((f) => f.type === "activity").map((f) => f.last_seq);
    assertRun(activity, 1, 30, "observer activity");
    assert.equal(observer.messages().length, 0);
  }
  await closeAll(member, ...observers);
});

test("resume: ?after= replays exactly what was missed, then streams live", async () => {
  const bot = await registerBot("resumer");
  const room = await createLiveRoom(bot);
  const first = await connect(room.id);
  for (let i = 1; i <= 5; i++) await post(bot, room.id, `before ${i}`);
  await waitForSeq(first, 5);
  assertRun(first.messages().map((m) => m.seq), 1, 5);
  const lastSeen = first.messages().at(-1).seq;
  await closeAll(first);

  for (let i = 6; i <= 10; i++) await post(bot, room.id, `while away ${i}`);
  const again = await connect(room.id, { after: lastSeen });
  assert.equal(again.ready.last_seq, 10);
  await waitForSeq(again, 10);
  for (let i = 11; i <= 12; i++) await post(bot, room.id, `live ${i}`);
  await waitForSeq(again, 12);
  await new Promise((r) => setTimeout(r, 100));
  assertRun(again.messages().map((m) => m.seq), 6, 12, "resumed stream");
  assert.deepEqual(again.messages()[0].content, "while away 6");

  // Resuming from 0 replays everything; after the newest seq, nothing; beyond it, from
  // the newest on (a cursor from the future cannot hide what comes next).
  const fromZero = await connect(room.id, { after: 0 });
  const upToDate = await connect(room.id, { after: 12 });
  const future = await connect(room.id, { after: 999 });
  await waitForSeq(fromZero, 12);
  await post(bot, room.id, "for everyone");
  for (const stream of [fromZero, upToDate, future]) await waitForSeq(stream, 13);
  assertRun(fromZero.messages().map((m) => m.seq), 1, 13, "after=0");
  assertRun(upToDate.messages().map((m) => m.seq), 13, 13, "after=12");
  assertRun(future.messages().map((m) => m.seq), 13, 13, "after=999");
  await closeAll(again, fromZero, upToDate, future);
});

test("resume races concurrent posting: every reconnect meets the live stream without gap or duplicate", async () => {
  const posters = await bots(8, "seam");
  const room = await createLiveRoom(posters[0]);
  const watcher = await connect(room.id);
  const total = 8 * 6;
  const reconnects = [];
  // While posts race, reconnect after whatever the watcher has seen so far.
  const reconnecting = (async () => {
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 40 + i * 25));
      const seen = watcher.messages().at(-1)?.seq ?? 0;
      reconnects.push(connect(room.id, { after: seen }).then((stream) => ({ after: seen, stream })));
      // And one without a cursor: it continues from its ready frame's last_seq.
      reconnects.push(connect(room.id).then((stream) => ({ after: stream.ready.last_seq, stream })));
    }
  })();
  await Promise.all([postConcurrently(posters, room.id, 6, "seam"), reconnecting]);
  const opened = await Promise.all(reconnects);
  await waitForSeq(watcher, total);
  assertRun(watcher.messages().map((m) => m.seq), 1, total, "watcher");
  for (const { after, stream } of opened) {
    if (after < total) await waitForSeq(stream, total);
    await new Promise((r) => setTimeout(r, 20));
    assertRun(stream.messages().map((m) => m.seq), after + 1, total, `reconnect after ${after}`);
  }
  assert.ok(opened.some(({ after }) => after > 0 && after < total), "some reconnects landed mid-stream");
  await closeAll(watcher, ...opened.map((o) => o.stream));
});

test("a room's only listener, connecting while posts race, continues exactly after its ready frame", async () => {
  const posters = await bots(6, "lonely");
  const room = await createLiveRoom(posters[0]);
  const seen = [];
  const posting = postConcurrently(posters, room.id, 5, "lonely");
  let done = false;
  posting.then(() => (done = true));
  // One socket at a time, each the room's only listener when it connects.
  while (!done) {
    const stream = await connect(room.id);
    await new Promise((r) => setTimeout(r, 60));
    await closeAll(stream);
    seen.push({ last: stream.ready.last_seq, seqs: stream.messages().map((m) => m.seq) });
  }
  await posting;
  for (const { last, seqs } of seen) {
    if (seqs.length > 0) assertRun(seqs, last + 1, last + seqs.length, `listener after ${last}`);
  }
  const last = await connect(room.id, { after: 0 });
  await waitForSeq(last, 30);
  assertRun(last.messages().map((m) => m.seq), 1, 30, "a final full replay");
  await closeAll(last);
});

test("after the room's object hibernates, its sockets stay open and racing posts still arrive in order", async () => {
  const posters = await bots(5, "sleeper");
  const room = await createLiveRoom(posters[0]);
  const streams = await Promise.all([connect(room.id), connect(room.id, { key: posters[0].key })]);
  for (let i = 1; i <= 3; i++) await post(posters[0], room.id, `before the nap ${i}`);
  await waitForSeq(streams[0], 3);
  // The runtime evicts an idle object after about 10 s; the sockets stay with it.
  await new Promise((r) => setTimeout(r, 12000));
  streams[0].ws.send('{"type":"ping"}');
  assert.deepEqual(await streams[0].next((f) => f.type === "pong"), { type: "pong" });
  await postConcurrently(posters, room.id, 4, "after the nap");
  for (const [i, stream] of streams.entries()) {
    await waitForSeq(stream, 23);
    assertRun(stream.messages().map((m) => m.seq), 1, 23, `stream ${i}`);
    assert.equal(stream.closed, null);
  }
  await closeAll(...streams);
});

test("resume after a trimmed history: the socket replays the newest 50, REST has the rest of the 200 kept", async () => {
  // The test stack keeps 200 messages a room and replays at most 50 to a socket.
  const posters = await bots(8, "capper");
  const room = await createLiveRoom(posters[0]);
  await postConcurrently(posters, room.id, 27, "cap");
  const total = 8 * 27;
  const stream = await connect(room.id, { after: 0 });
  await waitForSeq(stream, total);
  const gap = stream.frames.find((f) => f.type === "gap");
  assert.deepEqual(gap, { type: "gap", room_id: room.id, after: 0, before: total - 49 });
  assertRun(stream.messages().map((m) => m.seq), total - 49, total, "replay of the newest 50");
  // The gap, paged over REST, starts where the history cap left off: the oldest kept.
  const rest = await api("GET", `/api/rooms/${room.id}/messages?after=${gap.after}&limit=100`);
  assert.equal(rest.body.messages[0].seq, total - 199);
  const live = await post(posters[1], room.id, "after the cap");
  await waitForSeq(stream, live.seq);
  assertRun(stream.messages().map((m) => m.seq), total - 49, total + 1, "then live");
  await closeAll(stream);
});
