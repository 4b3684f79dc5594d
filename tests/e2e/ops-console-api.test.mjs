// What the operator console reads and does over the admin API: the reports queue
// (newest first, open ones counted, each message between its neighbours, closed by
// dismissing it or by the action that settles it), finding bots (banned ones too) and
// rooms (private ones too), reasons kept in the audit log and the log filtered by
// action and time; and the public pictures of activity: per-minute and per-hour series
// and the day's most active public rooms and bots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { redis } from "../lib/redis.mjs";
import { assertError, registerBots } from "./api-helpers.mjs";

/** Files a report of message `seq` of a room by `bot`. */
async function report(bot, roomId, seq, reason) {
  const res = await api("POST", `/api/rooms/${roomId}/messages/${seq}/report`, { key: bot.key, json: { reason } });
  assert.equal(res.status, 202, res.text);
}

/** The open queue, newest first. */
async function openQueue(limit = 100) {
  const res = await admin("GET", `/api/admin/reports?status=open&order=newest&limit=${limit}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** The newest audit entries, newest first. */
async function newestAudit(query = "") {
  const res = await admin("GET", `/api/admin/audit?order=newest&limit=20${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body.entries;
}

test("the queue: newest first, open ones counted, the message between its neighbours, a dismissal closes one with its reason", async () => {
  const [author, reporter] = await registerBots(2, "queue");
  const room = await createRoom(author, { name: unique("Queue ") });
  const said = [];
  for (let i = 1; i <= 5; i++) said.push(await post(author, room.id, `line ${i} ${unique()}`));
  const openBefore = (await openQueue(1)).open;
  await report(reporter, room.id, 3, "third line is rude");
  await report(reporter, room.id, 5, "fifth line is spam");

  const queue = await openQueue(2);
  assert.equal(queue.open, openBefore + 2);
  const [newest, older] = queue.entries;
  assert.equal(newest.message_seq, 5, "newest first");
  assert.equal(older.message_seq, 3);
  assert.equal(older.reason, "third line is rude");
  assert.deepEqual(older.reporter, { id: reporter.bot.id, name: reporter.bot.name });
  assert.equal(older.room.id, room.id);
  assert.deepEqual(older.message, said[2]);
  assert.deepEqual(older.context, { before: [said[0], said[1]], after: [said[3], said[4]] });
  assert.deepEqual(newest.context, { before: [said[2], said[3]], after: [] });
  assert.equal(older.closed, null);

  // Paging newest first goes on from `next`.
  assert.equal(queue.has_more, queue.open > 2);
  if (queue.has_more) {
    const next = await admin("GET", `/api/admin/reports?status=open&before=${queue.next}&limit=1`);
    assert.ok(next.body.entries[0].seq < older.seq);
  }

  const dismissed = await admin("POST", `/api/admin/reports/${older.seq}/dismiss`, { json: { reason: "quoting a film" } });
  assert.equal(dismissed.status, 200, dismissed.text);
  assert.equal(dismissed.body.dismissed, true);
  assert.equal(dismissed.body.open, openBefore + 1);
  assert.equal(dismissed.body.report.closed.action, "dismissed");
  assert.equal(dismissed.body.report.closed.reason, "quoting a film");
  assert.match(dismissed.body.report.closed.actor, /^admin:/);
  const again = await admin("POST", `/api/admin/reports/${older.seq}/dismiss`, { json: { reason: "twice" } });
  assert.equal(again.body.dismissed, false, "a closed report stays as it was closed");
  assert.equal(again.body.report.closed.reason, "quoting a film");

  const open = await openQueue();
  assert.ok(!open.entries.some((r) => r.seq === older.seq), "dismissed: out of the open queue");
  assert.ok(open.entries.some((r) => r.seq === newest.seq));
  const all = await admin("GET", `/api/admin/reports?order=newest&limit=100`);
  assert.equal(all.body.entries.find((r) => r.seq === older.seq).closed.action, "dismissed", "all: still listed, closed");
  const [entry] = await newestAudit("&action=dismiss_report");
  assert.deepEqual(entry.target, { report: older.seq, room_id: room.id, seq: 3 });
  assert.deepEqual(entry.details, { reason: "quoting a film" });

  assertError(await admin("POST", "/api/admin/reports/999999/dismiss", { json: { reason: "x" } }), 404, "not_found");
  assertError(await admin("POST", `/api/admin/reports/${newest.seq}/dismiss`, { json: {} }), 400, "validation_failed", { field: "reason" });
  assertError(await admin("POST", `/api/admin/reports/${newest.seq}/dismiss`, { json: { reason: "ok", note: "x" } }), 400, "validation_failed", { field: "note" });
  assertError(await admin("GET", "/api/admin/reports?status=closed"), 400, "validation_failed", { field: "status" });
  assertError(await admin("GET", "/api/admin/reports?order=newest&after=3"), 400, "validation_failed", { field: "after" });
  assert.equal((await openQueue()).open, openBefore + 1, "refusals changed nothing");
});

test("deleting the message, banning its author or ending its room closes its reports, each with the reason in the audit log", async () => {
  const [author, other, reporter] = await registerBots(3, "settle");
  const rooms = [await createRoom(author, { name: unique("Settle A ") }), await createRoom(other, { name: unique("Settle B ") })];
  const deleted = await post(author, rooms[0].id, unique("delete me "));
  const byAuthor = await post(author, rooms[1].id, unique("the author again "));
  const innocent = await post(other, rooms[1].id, unique("innocent "));
  const inEnded = await post(other, rooms[1].id, unique("in a room that ends "));
  for (const [room, message] of [[rooms[0], deleted], [rooms[1], byAuthor], [rooms[1], innocent], [rooms[1], inEnded]]) {
    await report(reporter, room.id, message.seq, "look at this");
  }
  const mine = (q) => q.entries.filter((r) => r.reporter.id === reporter.bot.id);
  const openBefore = (await openQueue()).open;

  const deletion = await admin("DELETE", `/api/admin/rooms/${rooms[0].id}/messages/${deleted.seq}`, { json: { reason: "slur" } });
  assert.equal(deletion.status, 200, deletion.text);
  assert.equal(deletion.body.reports_closed, 1);
  assert.equal(deletion.body.message.deleted, true);
  const ban = await admin("POST", `/api/admin/bots/${author.bot.name}/ban`, { json: { reason: "repeat offender" } });
  assert.equal(ban.status, 200, ban.text);
  assert.deepEqual([ban.body.messages_deleted, ban.body.reports_closed], [0, 1]);
  assert.deepEqual(mine(await openQueue()).map((r) => r.message_seq).sort(), [innocent.seq, inEnded.seq].sort());
  const ended = await admin("DELETE", `/api/admin/rooms/${rooms[1].id}`, { json: { reason: "raid" } });
  assert.equal(ended.status, 200, ended.text);
  assert.deepEqual([ended.body.ended, ended.body.reports_closed], [true, 2]);
  assert.equal((await openQueue()).open, openBefore - 4);
  assert.deepEqual(mine(await openQueue()), []);

  const closed = mine((await admin("GET", "/api/admin/reports?order=newest&limit=100")).body);
  assert.deepEqual(closed.map((r) => r.closed.action), ["room_ended", "room_ended", "bot_banned", "message_deleted"]);
  assert.deepEqual(closed.map((r) => r.closed.reason), ["raid", "raid", "repeat offender", "slur"]);
  // The ended room shows nothing of what was said in it.
  assert.deepEqual([closed[0].room, closed[0].message, closed[0].context], [null, null, { before: [], after: [] }]);

  const [end, banned, del] = await newestAudit();
  assert.deepEqual([end.action, end.details.reason, end.details.reports_closed], ["end_room", "raid", 2]);
  assert.deepEqual([banned.action, banned.details.reason, banned.details.reports_closed], ["ban", "repeat offender", 1]);
  assert.deepEqual([del.action, del.details.reason, del.details.reports_closed], ["delete_message", "slur", 1]);
  const unban = await admin("POST", `/api/admin/bots/${author.bot.name}/unban`, { json: { reason: "appeal accepted" } });
  assert.equal(unban.status, 200, unban.text);
  const [lifted] = await newestAudit("&action=unban");
  assert.deepEqual(lifted.details, { was_banned: true, reason: "appeal accepted" });
  // A reason stays optional for the API; a bad one or another field is refused.
  assertError(await admin("POST", `/api/admin/bots/${author.bot.name}/unban`, { json: { reason: "" } }), 400, "validation_failed", { field: "reason" });
  assertError(await admin("POST", `/api/admin/bots/${author.bot.name}/unban`, { json: { why: "x" } }), 400, "validation_failed", { field: "why" });
});

test("the audit log reads newest first and filters by action and time", async () => {
  const [bot] = await registerBots(1, "auditf");
  const before = new Date(Date.now() - 1000).toISOString();
  await admin("POST", `/api/admin/bots/${bot.bot.name}/ban`, { json: { reason: "first" } });
  await admin("POST", `/api/admin/bots/${bot.bot.name}/unban`, { json: { reason: "second" } });
  await admin("POST", `/api/admin/bots/${bot.bot.name}/ban`, { json: { reason: "third" } });
  const since = `&since=${encodeURIComponent(before)}`;
  const newest = await newestAudit(since);
  assert.deepEqual(newest.slice(0, 3).map((e) => e.details.reason), ["third", "second", "first"]);
  assert.deepEqual((await newestAudit(`&action=ban${since}`)).slice(0, 2).map((e) => e.details.reason), ["third", "first"]);
  const page = await admin("GET", `/api/admin/audit?order=newest&limit=1&action=ban${since}`);
  assert.equal(page.body.entries[0].details.reason, "third");
  assert.equal(page.body.has_more, true);
  const next = await admin("GET", `/api/admin/audit?before=${page.body.next}&limit=1&action=ban${since}`);
  assert.equal(next.body.entries[0].details.reason, "first");
  const untilThen = await admin("GET", `/api/admin/audit?order=newest&until=${encodeURIComponent(before)}&limit=100`);
  assert.ok(untilThen.body.entries.every((e) => e.at < before), "until is exclusive and respected");
  const future = new Date(Date.now() + 3_600_000).toISOString();
  assert.deepEqual((await admin("GET", `/api/admin/audit?since=${future}`)).body.entries, []);
  assertError(await admin("GET", "/api/admin/audit?action=kick"), 400, "validation_failed", { field: "action" });
  assertError(await admin("GET", "/api/admin/audit?since=yesterday"), 400, "validation_failed", { field: "since" });
  assertError(await admin("GET", "/api/admin/audit?from=1"), 400, "validation_failed", { field: "from" });
  await admin("POST", `/api/admin/bots/${bot.bot.name}/unban`, { json: { reason: "cleanup" } });
});

test("operators find bots by part of a name (banned ones too) and rooms by name or id (private ones too)", async () => {
  const tag = unique("find").toLowerCase().replace(/[^a-z0-9]/g, "");
  const alpha = await registerBot(`${tag}Alpha`);
  const beta = await registerBot(`${tag}beta`);
  await admin("POST", `/api/admin/bots/${beta.bot.name}/ban`, { json: { reason: "spam" } });
  const found = await admin("GET", `/api/admin/bots?q=${tag.toUpperCase()}`);
  assert.equal(found.status, 200, found.text);
  const byName = Object.fromEntries(found.body.bots.map((b) => [b.name, b]));
  assert.deepEqual(Object.keys(byName).sort(), [alpha.bot.name, beta.bot.name].sort());
  assert.equal(byName[alpha.bot.name].banned, null);
  assert.equal(byName[beta.bot.name].banned.reason, "spam");
  assert.ok(byName[beta.bot.name].banned.at <= new Date().toISOString());
  assert.deepEqual(Object.keys(byName[alpha.bot.name]), ["id", "name", "description", "created_at", "last_active_at", "banned"]);
  const exact = await admin("GET", `/api/admin/bots?q=${alpha.bot.name}&limit=1`);
  assert.deepEqual(exact.body.bots.map((b) => b.name), [alpha.bot.name], "the exact name first");

  const secret = await createRoom(alpha, { name: `${tag} hideout`, visibility: "private" });
  const open = await createRoom(alpha, { name: `${tag} plaza` });
  const rooms = (await admin("GET", `/api/admin/rooms?q=${tag}`)).body.rooms;
  assert.deepEqual(rooms.map((r) => r.id).sort(), [secret.id, open.id].sort());
  assert.equal(rooms.find((r) => r.id === secret.id).visibility, "private");
  assert.deepEqual((await admin("GET", `/api/admin/rooms?q=${secret.id.toUpperCase()}`)).body.rooms.map((r) => r.id), [secret.id]);
  assert.equal((await admin("GET", "/api/admin/rooms?q=GLOBAL")).body.rooms[0].id, "global");
  assertError(await admin("GET", `/api/admin/bots?q=${"x".repeat(65)}`), 400, "validation_failed", { field: "q" });
  assertError(await api("GET", `/api/admin/rooms?q=${tag}`, { key: alpha.key }), 401, "unauthorized");
  await admin("POST", `/api/admin/bots/${beta.bot.name}/unban`, { json: { reason: "cleanup" } });
});

test("stats: messages per minute and per hour, new bots, and the day's most active public rooms and bots, never private ones or banned bots", async () => {
  // The day's rankings are counters the stack's other tests fill too: start them afresh
  // (nothing else reads them), so the leaders here are exactly what this test posts.
  const rankings = [...(await redis("KEYS", "cc:stats:rooms:*")), ...(await redis("KEYS", "cc:stats:bots:*"))];
  if (rankings.length > 0) await redis("DEL", ...rankings);
  const before = (await api("GET", "/api/stats")).body;
  assert.deepEqual([before.top_rooms, before.top_bots], [[], []]);
  const [loud, quiet, hidden] = await registerBots(3, "leader");
  const room = await createRoom(loud, { name: unique("Busiest ") });
  const secret = await createRoom(hidden, { name: unique("Busier but private "), visibility: "private" });
  for (let i = 0; i < 3; i++) await post(loud, room.id, `loud ${i} ${unique()}`);
  for (let i = 0; i < 5; i++) await post(hidden, secret.id, `hidden ${i} ${unique()}`);
  await post(quiet, room.id, unique("quiet "));
  await post(quiet, "global", unique("quiet in global "));

  const res = await api("GET", "/api/stats");
  assert.equal(res.status, 200, res.text);
  const stats = res.body;
  assert.deepEqual(stats.top_rooms, [
    { id: room.id, name: room.name, messages: 4 },
    { id: "global", name: "Global chat", messages: 1 },
  ]);
  assert.deepEqual(stats.top_bots, [
    { id: loud.bot.id, name: loud.bot.name, messages: 3 },
    { id: quiet.bot.id, name: quiet.bot.name, messages: 2 },
  ], "what the hidden bot said in its private room does not count");

  assert.equal(stats.per_minute.counts.length, 60);
  assert.equal(stats.per_hour.counts.length, 24);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  assert.equal(sum(stats.per_minute.counts), stats.messages_last_hour);
  assert.ok(sum(stats.per_hour.counts) <= stats.messages_last_day);
  assert.ok(stats.messages_last_hour >= before.messages_last_hour + 10, "private messages are counted, as numbers");
  const minuteStart = Date.parse(stats.per_minute.start);
  assert.equal(minuteStart % 60_000, 0);
  assert.ok(Date.now() - minuteStart < 60 * 60_000 && Date.now() - minuteStart >= 59 * 60_000);
  const hourStart = Date.parse(stats.per_hour.start);
  assert.equal(hourStart % 3_600_000, 0);
  assert.ok(Date.now() - hourStart < 24 * 3_600_000 && Date.now() - hourStart >= 23 * 3_600_000);
  assert.equal(stats.bots_new_last_day, before.bots_new_last_day + 3);

  await admin("POST", `/api/admin/bots/${loud.bot.name}/ban`, { json: { reason: "leaderboard test" } });
  const later = (await api("GET", "/api/stats")).body;
  assert.deepEqual(later.top_bots.map((b) => b.id), [quiet.bot.id], "banned bots leave the leaders");
  await admin("DELETE", `/api/admin/rooms/${room.id}`, { json: { reason: "leaderboard test" } });
  const ended = (await api("GET", "/api/stats")).body;
  assert.deepEqual(ended.top_rooms.map((r) => r.id), ["global"], "ended rooms leave the leaders");
  await admin("POST", `/api/admin/bots/${loud.bot.name}/unban`, { json: { reason: "cleanup" } });
});
