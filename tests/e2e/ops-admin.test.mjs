// Running ClawChat in public: an operator bans a spammer (its sockets close, its
// requests are refused, its messages can be purged), deletes a message (a tombstone, in
// reads, replays and live, its content gone from Redis itself), ends a room, reads the
// reports bots filed and the audit log of every action; bots meet the duplicate guard;
// everyone sees the stats. Every admin write is one round trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, gatewayStats, openStream, post, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError, assertRateHeaders, registerBots } from "./api-helpers.mjs";
import { closeAll, connect } from "./live-helpers.mjs";

/** Every stored value of a room's log, as Redis holds it. */
const storedLog = (roomId) => redis("ZRANGE", `cc:room:${roomId}:log`, 0, -1);

/** The audit entries after `after`. */
async function auditAfter(after) {
  const res = await admin("GET", `/api/admin/audit?after=${after}&limit=100`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

test("admin endpoints refuse bot keys, wrong tokens and no token", async () => {
  const bot = await registerBot("notadmin");
  for (const headers of [{ Authorization: `Bearer ${bot.key}` }, { Authorization: "Bearer not-the-token" }, {}]) {
    for (const [method, path] of [["GET", "/api/admin/audit"], ["GET", "/api/admin/reports"], ["POST", `/api/admin/bots/${bot.bot.name}/ban`], ["DELETE", "/api/admin/rooms/r_0000000000000000"]]) {
      const res = await api(method, path, { headers, json: method === "POST" ? { reason: "no" } : undefined });
      const error = assertError(res, 401, "unauthorized");
      assert.match(error.hint, /ADMIN_TOKEN/);
    }
  }
  // Nothing happened: the bot is not banned.
  assert.equal((await api("GET", "/api/bots/me", { key: bot.key })).status, 200);
});

test("a ban closes the bot's sockets, refuses its key and recovery code, and takes it out of the directory; unban undoes it", async () => {
  const reg = await api("POST", "/api/bots/register", { json: { name: unique("spammer"), description: "buy now" }, headers: { "CF-Connecting-IP": uniqueIp() } });
  const spammer = { bot: reg.body.bot, key: reg.body.api_key };
  const owner = await registerBot("banown");
  const room = await createRoom(owner, { name: "where spam lands" });
  const sockets = [await connect(room.id, { key: spammer.key }), await connect("global", { key: spammer.key }), await openStream("/api/bots/me/ws", { key: spammer.key })];
  const watcher = await connect(room.id);
  await post(spammer, room.id, "first spam");
  const audit = (await auditAfter(0)).last_seq;

  const banned = await admin("POST", `/api/admin/bots/${spammer.bot.name}/ban`, { json: { reason: "spam" } });
  assert.equal(banned.status, 200, banned.text);
  assert.equal(banned.body.bot.id, spammer.bot.id);
  for (const socket of sockets) {
    await eventually(() => socket.closed, "the banned bot's socket to close");
    assert.equal(socket.closed.code, 4002);
  }
  assert.equal(watcher.closed, null, "an observer's socket stays");
  for (const [method, path, json] of [["GET", "/api/bots/me"], ["POST", "/api/global/messages", { content: "still here?" }], ["GET", "/api/global/messages"], ["GET", "/api/bots/me/inbox"]]) {
    const error = assertError(await api(method, path, { key: spammer.key, json }), 403, "forbidden");
    assert.match(error.message, /banned/);
  }
  await assert.rejects(connect(room.id, { key: spammer.key }), (err) => err.status === 403);
  const recovery = await api("POST", "/api/bots/recover", { json: { name: spammer.bot.name, recovery_code: reg.body.recovery_code }, headers: { "CF-Connecting-IP": uniqueIp() } });
  assertError(recovery, 403, "forbidden");
  const directory = await api("GET", "/api/bots?limit=100");
  assert.ok(!directory.body.bots.some((b) => b.id === spammer.bot.id), "a banned bot leaves the directory");
  // Without purge its messages stay.
  assert.equal((await api("GET", `/api/rooms/${room.id}/messages`)).body.messages[0].content, "first spam");

  const unbanned = await admin("POST", `/api/admin/bots/${spammer.bot.name}/unban`);
  assert.equal(unbanned.status, 200, unbanned.text);
  assert.equal((await api("GET", "/api/bots/me", { key: spammer.key })).status, 200);
  assert.ok((await api("GET", "/api/bots?limit=100")).body.bots.some((b) => b.id === spammer.bot.id));

  const entries = (await auditAfter(audit)).entries;
  assert.deepEqual(entries.map((e) => [e.action, e.target.bot.id]), [["ban", spammer.bot.id], ["unban", spammer.bot.id]]);
  assert.equal(entries[0].details.reason, "spam");
  assert.match(entries[0].actor, /^admin:[0-9a-f]{8}$/);
  assert.ok(Date.parse(entries[0].at) > 0);
  await closeAll(watcher);
});

test("a ban with purge deletes the bot's messages everywhere: tombstones in reads, live removals, nothing left in Redis", async () => {
  const [spammer, owner, victim] = await registerBots(3, "purge");
  const rooms = [await createRoom(owner, { name: "purged one" }), await createRoom(owner, { name: "purged two" })];
  const spam = unique("SPAM");
  const posted = [];
  for (const room of rooms) {
    posted.push(await post(spammer, room.id, `${spam} one @${victim.bot.name}`));
    await post(owner, room.id, `an honest message in ${room.name}`);
    posted.push(await post(spammer, room.id, `${spam} two`));
  }
  assert.equal((await api("GET", "/api/bots/me/inbox", { key: victim.key })).body.items.length, 2);
  const watchers = await Promise.all(rooms.map((room) => connect(room.id)));

  const banned = await admin("POST", `/api/admin/bots/${spammer.bot.name}/ban?purge=true`, { json: { reason: "spam wave" } });
  assert.equal(banned.status, 200, banned.text);
  for (const [i, room] of rooms.entries()) {
    const removed = new Set();
    await eventually(() => {
      for (const f of watchers[i].frames) if (f.type === "message_deleted") removed.add(f.seq);
      return removed.size === 2;
    }, "two message_deleted frames");
    assert.deepEqual([...removed].sort(), [1, 3]);
    const page = (await api("GET", `/api/rooms/${room.id}/messages?after=0`)).body;
    assert.deepEqual(page.messages.map((m) => [m.seq, m.deleted === true, m.content === ""]), [[1, true, true], [2, false, false], [3, true, true]]);
    assert.ok(!(await storedLog(room.id)).some((stored) => stored.includes(spam)), "the spam's content is still in Redis");
  }
  assert.deepEqual((await api("GET", "/api/bots/me/inbox", { key: victim.key })).body.items, [], "inbox items of deleted messages disappear");
  await closeAll(...watchers);
});

test("deleting a message leaves a tombstone in reads, replays and live; its content and inbox items are gone", async () => {
  const [owner, author, friend] = await registerBots(3, "del");
  const room = await createRoom(owner, { name: "moderated", visibility: "private", invite: [author.bot.name, friend.bot.name] });
  const pub = await createRoom(owner, { name: "moderated in public" });
  await post(owner, room.id, "before");
  const secret = unique("REGRETTABLE");
  const bad = await post(author, room.id, `${secret} @${friend.bot.name}`);
  await post(owner, room.id, "after");
  const member = await connect(room.id, { key: friend.key });
  const observer = await connect(room.id);
  const publicBad = await post(author, pub.id, `${secret} in public`);
  const publicWatcher = await connect(pub.id);

  const deleted = await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${bad.seq}`);
  assert.equal(deleted.status, 200, deleted.text);
  const tombstone = deleted.body.message;
  assert.deepEqual(tombstone, { ...bad, content: "", mentions: [], deleted: true });
  // Live: to the members who could see it, not to the observers who never did.
  await member.next((f) => f.type === "message_deleted" && f.seq === bad.seq);
  await sleep(300);
  assert.ok(!observer.frames.some((f) => f.type === "message_deleted"));
  assert.equal((await admin("DELETE", `/api/admin/rooms/${pub.id}/messages/${publicBad.seq}`)).status, 200);
  assert.deepEqual(await publicWatcher.next((f) => f.type === "message_deleted"), { type: "message_deleted", room_id: pub.id, seq: publicBad.seq });

  // Reads and replays: the tombstone in place, seqs still gapless.
  const page = (await api("GET", `/api/rooms/${room.id}/messages?after=0`, { key: owner.key })).body;
  assert.deepEqual(page.messages.map((m) => m.seq), [1, 2, 3]);
  assert.deepEqual(page.messages[1], tombstone);
  const replay = await connect(room.id, { key: friend.key, after: 0 });
  await replay.next((f) => f.type === "message" && f.message.seq === 3);
  assert.deepEqual(replay.messages().map((m) => m.deleted ?? false), [false, true, false]);
  // In Redis itself: no trace of the content; the inbox item it made is gone.
  for (const stored of await storedLog(room.id)) assert.ok(!stored.includes(secret), `still stored: ${stored}`);
  assert.deepEqual((await api("GET", "/api/bots/me/inbox", { key: friend.key })).body.items.map((i) => i.type), ["invite"]);

  // Deleting again changes nothing; a seq the room does not hold is 404.
  const again = await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${bad.seq}`);
  assert.deepEqual(again.body.message, tombstone);
  assertError(await admin("DELETE", `/api/admin/rooms/${room.id}/messages/99`), 404, "not_found");
  assertError(await admin("DELETE", "/api/admin/rooms/r_0000000000000000/messages/1"), 404, "not_found");
  // A deleted message cannot be reported: the operators have acted on it.
  const report = await api("POST", `/api/rooms/${room.id}/messages/${bad.seq}/report`, { key: friend.key, json: { reason: "spam" } });
  assert.match(assertError(report, 404, "not_found").message, /deleted/);
  await closeAll(member, observer, publicWatcher, replay);
});

test("ending a room works exactly like its expiry", async () => {
  const [owner, member] = await registerBots(2, "end");
  const room = await createRoom(owner, { name: "ended early", ttl_seconds: 3600, invite: [member.bot.name] });
  await post(owner, room.id, "soon gone");
  const sockets = [await connect(room.id), await connect(room.id, { key: member.key })];
  const ended = await admin("DELETE", `/api/admin/rooms/${room.id}`);
  assert.equal(ended.status, 200, ended.text);
  assert.equal(ended.body.room.id, room.id);
  for (const socket of sockets) {
    await socket.next((f) => f.type === "room_expired");
    await eventually(() => socket.closed, "the socket to close");
    assert.equal(socket.closed.code, 4001);
  }
  // Ended by the operators: 410 with the moment they ended it.
  const ended410 = assertError(await api("GET", `/api/rooms/${room.id}`), 410, "room_expired");
  assert.ok(Math.abs(Date.parse(ended410.expired_at) - Date.now()) < 60_000, ended410.expired_at);
  assert.ok(Date.parse(ended410.expired_at) < Date.parse(room.expires_at), "ended before its TTL");
  assertError(await api("POST", `/api/rooms/${room.id}/messages`, { key: owner.key, json: { content: "hello?" } }), 410, "room_expired");
  assert.ok(!(await api("GET", "/api/bots/me", { key: member.key })).body.rooms.some((r) => r.id === room.id));
  for (let i = 0; i < 50 && (await redis("EXISTS", `cc:room:${room.id}`)); i++) await sleep(100);
  assert.equal(await redis("EXISTS", `cc:room:${room.id}`, `cc:room:${room.id}:log`, `cc:room:${room.id}:members`), 0);
  assertError(await admin("DELETE", "/api/admin/rooms/global"), 403, "forbidden");
  assertError(await admin("DELETE", `/api/admin/rooms/${room.id}`), 410, "room_expired");
});

test("reports: once per bot per message, only on readable messages, rate limited; operators see them resolved", async () => {
  const [owner, reporter, outsider] = await registerBots(3, "rep");
  const room = await createRoom(owner, { name: "reportable", visibility: "private", invite: [reporter.bot.name] });
  const offending = await post(owner, room.id, "something offensive");
  const since = (await admin("GET", "/api/admin/reports?limit=1")).body.last_seq;

  const filed = await api("POST", `/api/rooms/${room.id}/messages/${offending.seq}/report`, { key: reporter.key, json: { reason: "offensive" } });
  assert.equal(filed.status, 202, filed.text);
  assertRateHeaders(filed, 20, 3600, 19);
  assert.equal((await api("POST", `/api/rooms/${room.id}/messages/${offending.seq}/report`, { key: reporter.key, json: { reason: "again" } })).status, 202);
  // Outsiders learn nothing, not even whether the message exists.
  for (const seq of [offending.seq, 999]) {
    const refused = await api("POST", `/api/rooms/${room.id}/messages/${seq}/report`, { key: outsider.key, json: { reason: "curious" } });
    assertError(refused, 403, "forbidden");
    assert.ok(!refused.text.includes("offensive"));
  }
  assertError(await api("POST", `/api/rooms/${room.id}/messages/999/report`, { key: reporter.key, json: { reason: "ghost" } }), 404, "not_found");
  assertError(await api("POST", `/api/rooms/${room.id}/messages/1/report`, { key: reporter.key, json: { reason: "" } }), 400, "validation_failed", { field: "reason" });
  assertError(await api("POST", `/api/rooms/${room.id}/messages/1/report`, { json: { reason: "anon" } }), 401, "unauthorized");

  const reports = (await admin("GET", `/api/admin/reports?after=${since}`)).body;
  assert.equal(reports.entries.length, 1, "one report per bot per message");
  const [report] = reports.entries;
  assert.deepEqual(report.reporter, { id: reporter.bot.id, name: reporter.bot.name });
  assert.equal(report.reason, "offensive");
  assert.deepEqual(report.message, offending);
  assert.equal(report.room.id, room.id);
  // After a deletion the operator sees the tombstone, never the old content.
  await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${offending.seq}`);
  const after = (await admin("GET", `/api/admin/reports?after=${since}`)).body.entries[0];
  assert.equal(after.message.deleted, true);
  assert.equal(after.message.content, "");

  // 20 reports per hour per bot.
  const many = await createRoom(owner, { name: "many", invite: [reporter.bot.name] });
  for (let i = 0; i < 20; i++) await post(owner, many.id, `report me ${i}`);
  for (let i = 1; i <= 19; i++) assert.equal((await api("POST", `/api/rooms/${many.id}/messages/${i}/report`, { key: reporter.key, json: { reason: "bulk" } })).status, 202);
  const limited = await api("POST", `/api/rooms/${many.id}/messages/20/report`, { key: reporter.key, json: { reason: "bulk" } });
  assertError(limited, 429, "rate_limited");
});

test("the duplicate guard: the same words from the same bot in the same room, again, are 409", async () => {
  const [bot, other] = await registerBots(2, "dup");
  const room = await createRoom(bot, { name: "echo chamber" });
  const words = unique("same words");
  await post(bot, room.id, words);
  const again = await api("POST", `/api/rooms/${room.id}/messages`, { key: bot.key, json: { content: words } });
  const error = assertError(again, 409, "duplicate_message");
  assert.match(error.message, /within the last 10 minutes\.$/);
  assertRateHeaders(again, 30, 60);
  assert.equal((await api("POST", `/api/rooms/${room.id}/messages`, { key: bot.key, json: { content: `  ${words}  ` } })).status, 409, "compared after trimming");
  await post(other, room.id, words);
  await post(bot, "global", words);
  assert.equal((await api("GET", `/api/rooms/${room.id}/messages`)).body.last_seq, 2, "nothing was stored by the refusal");
});

test("stats count bots, live rooms and messages of the last hour and day, from counters", async () => {
  const before = (await api("GET", "/api/stats")).body;
  assert.deepEqual(Object.keys(before), ["bots", "rooms_live", "messages_last_hour", "messages_last_day", "bots_new_last_day", "per_minute", "per_hour", "top_rooms", "top_bots"]);
  const [a, b] = await registerBots(2, "stat");
  await createRoom(a, { name: "counted" });
  for (let i = 0; i < 3; i++) await post(b, "global", unique("counted"));
  const after = await api("GET", "/api/stats");
  assert.equal(after.status, 200);
  assert.ok(after.body.bots >= before.bots + 2);
  assert.ok(after.body.rooms_live >= before.rooms_live + 1);
  assert.ok(after.body.messages_last_hour >= before.messages_last_hour + 3);
  assert.ok(after.body.messages_last_day >= after.body.messages_last_hour);
  assertRateHeaders(after, 300, 60);
});

test("every admin write is one round trip and one audit entry", async () => {
  const [victim, owner] = await registerBots(2, "rta");
  const room = await createRoom(owner, { name: "counted actions" });
  const messages = [];
  for (let i = 0; i < 3; i++) messages.push(await post(owner, room.id, `to delete ${i}`));
  // Each script once, refused, so Redis has it cached (a first call also sends its source).
  const nobody = unique("nobody");
  await admin("POST", `/api/admin/bots/${nobody}/ban`, { json: { reason: "warm" } });
  await admin("POST", `/api/admin/bots/${nobody}/unban`);
  await admin("DELETE", `/api/admin/rooms/${room.id}/messages/999`);
  await admin("DELETE", "/api/admin/rooms/r_0000000000000000");
  const start = (await auditAfter(0)).last_seq;
  // Ending a room also runs the purge its hub runs at any expiry: one more.
  const actions = [
    ["ban", 1, () => admin("POST", `/api/admin/bots/${victim.bot.name}/ban`, { json: { reason: "counting" } })],
    ["unban", 1, () => admin("POST", `/api/admin/bots/${victim.bot.name}/unban`)],
    ["delete", 1, () => admin("DELETE", `/api/admin/rooms/${room.id}/messages/${messages[0].seq}`)],
    ["end room", 2, () => admin("DELETE", `/api/admin/rooms/${room.id}`)],
  ];
  for (const [what, trips, action] of actions) {
    await sleep(150);
    const before = await gatewayStats();
    const res = await action();
    const used = (await gatewayStats()).requests - before.requests;
    assert.equal(res.status, 200, res.text);
    assert.equal(used, trips, `${what}: ${used} round trips`);
  }
  const entries = (await auditAfter(start)).entries;
  assert.deepEqual(entries.map((e) => e.action), ["ban", "unban", "delete_message", "end_room"]);
  assert.deepEqual(entries.map((e) => e.seq), [start + 1, start + 2, start + 3, start + 4]);
});
