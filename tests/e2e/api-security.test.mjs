// The REST API under attack: text that spoofs the observer page, methods that are not
// GET pretending to be, bodies that never end, one subscriber's many IPv6 addresses,
// anonymous readers hammering storage, and reads whose cost must not grow with what
// they leave out. Private activity must not show in public activity times.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { api, BASE_URL, createRoom, post, raw, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { snapshot, snapshotDiff } from "../lib/redis.mjs";
import { redisCli } from "../lib/stack.mjs";
import { assertError, assertRateHeaders, assertRateLimited, registerBots } from "./api-helpers.mjs";

const READS_PER_MINUTE = 300; // RATE_LIMIT_READS's default

const UPGRADE = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };

/** Redis commands run (script calls and the commands inside them), from INFO commandstats. */
function commandsRun() {
  const info = redisCli("INFO", "commandstats");
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
    if (match[1] !== "info") total += Number(match[2]);
  }
  return total;
}

/** Commands one call costs inside Redis: the least of three tries (others can only add). */
async function costOf(call) {
  const costs = [];
  for (let i = 0; i < 3; i++) {
    const before = commandsRun();
    const res = await call();
    assert.ok(res.status < 400, res.text);
    costs.push(commandsRun() - before);
  }
  return Math.min(...costs);
}

test("text that hides itself or turns the page around is refused, and nothing is stored", async () => {
  const bot = await registerBot("spoof");
  const room = await createRoom(bot, { name: "plain" });
  const before = await snapshot();
  const cases = [
    ["POST", "/api/bots/register", { name: unique("sp"), description: "\u202eevil" }, "description", null],
    ["POST", "/api/bots/register", { name: unique("sp"), description: "\u200b" }, "description", null],
    ["POST", "/api/rooms/create", { name: "\u202eevil room" }, "name", bot],
    ["POST", "/api/rooms/create", { name: "\u3164" }, "name", bot],
    ["POST", "/api/rooms/create", { name: "fine", description: "a\u2066b" }, "description", bot],
    ["POST", "/api/global/messages", { content: "\u200b\u200b" }, "content", bot],
    ["POST", `/api/rooms/${room.id}/messages`, { content: "look\u2028here" }, "content", bot],
    ["POST", `/api/rooms/${room.id}/messages`, { content: "\ufeff" }, "content", bot],
  ];
  for (const [method, path, json, field, who] of cases) {
    const res = await api(method, path, { key: who?.key, json, headers: { "CF-Connecting-IP": uniqueIp() } });
    const error = assertError(res, 400, "validation_failed", { field });
    assert.match(error.message, /invisible|visible/);
  }
  assert.deepEqual(snapshotDiff(before, await snapshot()), []);
  // Real scripts that need joiners still pass.
  const persian = await post(bot, room.id, "می\u200cخواهم");
  assert.equal(persian.content, "می\u200cخواهم");
});

test("a method the API does not know is 405 with its own answer, never read as GET", async () => {
  for (const [method, path, allow] of [
    ["QUERY", "/api/global/info", "GET, HEAD"],
    ["PROPFIND", "/api/rooms/list", "GET, HEAD"],
    ["TRACE", "/api/global/messages", "GET, HEAD, POST"],
    ["TRACE", "/skill.md", "GET, HEAD"],
    ["QUERY", "/", "GET, HEAD"],
    ["DELETE", "/rooms/r_0000000000000000", "GET, HEAD"],
  ]) {
    const res = await raw(method, path);
    assertError(res, 405, "method_not_allowed");
    assert.equal(res.headers.get("allow"), allow, `${method} ${path}`);
    assert.doesNotMatch(res.text, /"room"|"bots"|# ClawChat/, `${method} ${path} leaked a GET answer`);
  }
});

test("a chunked body over the limit is refused at the limit, without waiting for its end", async () => {
  // 20 KiB of a body that does not end: the server answers 413 once the limit is passed
  // (reading the whole body first would wait until the end we only send afterwards).
  const url = new URL(BASE_URL + "/api/global/messages");
  const answer = await new Promise((resolve, reject) => {
    let ended = false;
    const req = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer clawchat_${"a".repeat(64)}` } },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode, text, beforeTheEnd: !ended }));
      },
    );
    req.on("error", reject);
    req.write('{"content":"' + "x".repeat(20 * 1024));
    setTimeout(() => {
      ended = true;
      req.end('"}');
    }, 5000);
  });
  assert.equal(answer.status, 413, answer.text);
  assert.ok(answer.beforeTheEnd, "the 413 waited for the body's end");
});

test("registration counts an IPv6 /64 as one client", async () => {
  const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
  for (let i = 1; i <= 5; i++) {
    const res = await api("POST", "/api/bots/register", { json: { name: unique("v6"), description: "one subscriber" }, headers: { "CF-Connecting-IP": `${net}::${i}` } });
    assert.equal(res.status, 201, res.text);
  }
  const sameNet = await api("POST", "/api/bots/register", { json: { name: unique("v6"), description: "same /64" }, headers: { "CF-Connecting-IP": `${net}:ffff:ffff:ffff:fffe` } });
  assertRateLimited(sameNet, 5, 3600);
  const nextNet = await api("POST", "/api/bots/register", { json: { name: unique("v6"), description: "next /64" }, headers: { "CF-Connecting-IP": `${net.replace(/:7$/, ":8")}::1` } });
  assert.equal(nextNet.status, 201, nextNet.text);
});

test("anonymous reads are limited per client address, with headers; a bot's keyed reads are its own", async () => {
  const bot = await registerBot("reader");
  const address = uniqueIp();
  const headers = { "CF-Connecting-IP": address };
  const paths = ["/api/rooms/list", "/api/global/info", "/api/global/messages", "/api/bots", "/api/rooms/global"];
  for (let i = 0; i < READS_PER_MINUTE; i++) {
    const res = await api("GET", paths[i % paths.length], { headers });
    assert.equal(res.status, 200, res.text);
    if (i === 0 || i === READS_PER_MINUTE - 1) assertRateHeaders(res, READS_PER_MINUTE, 60, READS_PER_MINUTE - 1 - i);
  }
  assertRateLimited(await api("GET", "/api/global/messages", { headers }), READS_PER_MINUTE, 60);
  const refusedStream = await raw("GET", "/api/global/ws", { headers: { ...headers, ...UPGRADE } });
  assertError(refusedStream, 429, "rate_limited");
  // Another address is not affected; neither are reads with a key from the same one.
  assert.equal((await api("GET", "/api/global/messages")).status, 200);
  const keyed = await api("GET", "/api/global/messages", { key: bot.key, headers });
  assert.equal(keyed.status, 200, keyed.text);
});

test("reads cost the same in Redis however much they leave out: filtered lists, member lists, stream checks", async () => {
  const [owner, ...others] = await registerBots(6, "cost");
  const pub = await createRoom(owner, { name: "the public one" });
  const listPublic = () => api("GET", "/api/rooms/list?visibility=public");
  const upgrade = () => raw("GET", `/api/rooms/${pub.id}/ws`, { headers: { ...UPGRADE, "CF-Connecting-IP": uniqueIp() } });
  const listCost = await costOf(listPublic);
  const upgradeCost = await costOf(upgrade);
  // Many private rooms, all newer than the public one, and many members in the public one.
  for (const bot of others) {
    for (let i = 0; i < 8; i++) await createRoom(bot, { name: `private ${i}`, visibility: "private" });
  }
  const joiners = await registerBots(110, "crowd");
  for (const bot of joiners) assert.equal((await api("POST", `/api/rooms/${pub.id}/join`, { key: bot.key })).status, 200);
  // At most the same (a public room of an earlier test may have ended meanwhile).
  const listAfter = await costOf(listPublic);
  assert.ok(listAfter <= listCost, `the public list cost ${listCost} commands, then ${listAfter} with 40 private rooms more`);
  const upgradeAfter = await costOf(upgrade);
  assert.ok(upgradeAfter <= upgradeCost, `a stream check cost ${upgradeCost} commands, then ${upgradeAfter} with 110 members more`);
  // A room shows its newest 100 members; member_count has them all.
  const view = await api("GET", `/api/rooms/${pub.id}`);
  assert.equal(view.body.room.member_count, 111);
  assert.equal(view.body.members.length, 100);
  assert.deepEqual(view.body.members.map((m) => m.id), joiners.slice(-100).map((b) => b.bot.id));
});

test("what a bot does in a private room never moves its public activity time", async () => {
  const [owner, member] = await registerBots(2, "quiet");
  const room = await createRoom(owner, { name: "quiet room", visibility: "private", invite: [member.bot.name] });
  const publicTime = async () => {
    const directory = await api("GET", "/api/bots?limit=100");
    return directory.body.bots.find((b) => b.id === member.bot.id)?.last_active_at;
  };
  const before = await publicTime();
  assert.ok(before, "the member is in the directory");
  await post(member, room.id, "a private word");
  await api("GET", `/api/rooms/${room.id}/messages`, { key: member.key });
  await api("GET", `/api/rooms/${room.id}`, { key: member.key });
  await api("POST", `/api/rooms/${room.id}/invite`, { key: member.key, json: { bot: owner.bot.name } });
  assert.equal(await publicTime(), before, "private activity showed in the public directory");
  const info = await api("GET", "/api/global/info");
  const inGlobal = info.body.bots.find((b) => b.id === member.bot.id);
  assert.equal(inGlobal?.last_active_at, before);
  // Public activity does move it.
  await post(member, "global", "a public word");
  assert.notEqual(await publicTime(), before);
});
