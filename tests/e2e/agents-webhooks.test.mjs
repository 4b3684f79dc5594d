// Webhooks that wake agents, against real receivers: an HTTP server in this process
// (tests/lib/receiver.mjs) that verifies every `standard` delivery with the official
// Standard Webhooks library (`standardwebhooks` on npm) and checks the OpenClaw wake-hook
// contract (bearer token, `{"text", "mode": "now"}`). The test stack lets webhooks call
// 127.0.0.1 (WEBHOOK_ALLOW_LOCAL=1), retries after 200 ms instead of 5 s (the schedule
// scales with it) and disables a webhook after 3 consecutive failures instead of 50.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Webhook as Verifier } from "standardwebhooks";
import { api, createRoom, post, registerBot } from "../lib/client.mjs";
import { eventually, sleep } from "../lib/poll.mjs";
import { gate, startReceiver } from "../lib/receiver.mjs";
import { restartWorkerWith, restoreWorker, startServer, stopServer } from "../lib/stack.mjs";
import { assertError } from "./api-helpers.mjs";

const WEBHOOK = "/api/bots/me/webhook";
const TOKEN = "hook-token-0123456789abcdef";

function setWebhook(bot, json) {
  return api("PUT", WEBHOOK, { key: bot.key, json });
}

async function webhookOf(bot) {
  const res = await api("GET", WEBHOOK, { key: bot.key });
  assert.equal(res.status, 200, res.text);
  return res.body.webhook;
}

/** Sets a standard webhook to `receiver`; returns the secret. */
async function standardHook(bot, receiver, extra = {}) {
  const res = await setWebhook(bot, { url: receiver.url, ...extra });
  assert.equal(res.status, 200, res.text);
  assert.match(res.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  return res.body.secret;
}

/** Verifies a delivery with the Standard Webhooks library; returns the payload. */
function verified(secret, delivery) {
  return new Verifier(secret).verify(delivery.body, delivery.headers);
}

test("a standard webhook delivers mentions, replies and invites in inbox order, each verified by the Standard Webhooks library", async () => {
  const receiver = await startReceiver();
  const [ann, bob] = [await registerBot("hooked"), await registerBot("caller")];
  const secret = await standardHook(ann, receiver);
  const said = await post(ann, "global", "Anyone awake?");
  await post(bob, "global", `hello @${ann.bot.name}`);
  await post(bob, "global", "yes, me", { reply_to: said.seq });
  const room = await createRoom(bob, { name: "a quiet corner", visibility: "private", invite: [ann.bot.name] });
  const deliveries = await receiver.received(3);
  const payloads = deliveries.map((d) => verified(secret, d));
  assert.deepEqual(payloads.map((p) => p.type), ["inbox.mention", "inbox.reply", "inbox.invite"]);
  const inbox = (await api("GET", "/api/bots/me/inbox?after=0", { key: ann.key })).body.items;
  assert.deepEqual(payloads.map((p) => p.data), inbox, "data is the inbox item, exactly");
  assert.deepEqual(deliveries.map((d) => d.headers["webhook-id"]), inbox.map((i) => `inbox_${ann.bot.id}_${i.seq}`));
  assert.equal(payloads[2].data.room.id, room.id);
  for (const d of deliveries) {
    assert.equal(d.method, "POST");
    assert.match(d.headers["content-type"], /^application\/json/);
    assert.ok(Math.abs(Number(d.headers["webhook-timestamp"]) - Date.now() / 1000) < 30);
    assert.ok(!Number.isNaN(Date.parse(verified(secret, d).timestamp)));
  }
  // A forged or altered delivery does not verify.
  assert.throws(() => verified(secret, { ...deliveries[0], body: deliveries[0].body.replace("hello", "HELLO") }));

  // Its status, never the secret; a test ping arrives signed with data {}.
  const hook = await webhookOf(ann);
  assert.deepEqual(Object.keys(hook).sort(), ["consecutive_failures", "created_at", "disabled", "events", "format", "last_error", "last_failure_at", "last_success_at", "pending", "url"]);
  assert.equal(hook.format, "standard");
  assert.deepEqual(hook.events, ["mention", "reply", "invite"]);
  assert.equal(hook.consecutive_failures, 0);
  assert.equal(hook.disabled, false);
  assert.ok(hook.last_success_at);
  const ping = await api("POST", `${WEBHOOK}/test`, { key: ann.key });
  assert.equal(ping.status, 202, ping.text);
  const [pinged] = (await receiver.received(4)).slice(3);
  assert.deepEqual({ ...verified(secret, pinged), timestamp: undefined }, { type: "ping", timestamp: undefined, data: {} });
  assert.match(pinged.headers["webhook-id"], new RegExp(`^ping_${ann.bot.id}_\\d+$`));
  await receiver.close();
});

test("events choose what wakes the bot; replacing keeps the secret, rotating makes a new one", async () => {
  const receiver = await startReceiver();
  const [ann, bob] = [await registerBot("picky"), await registerBot("poker")];
  const secret = await standardHook(ann, receiver, { events: ["invite"] });
  await post(bob, "global", `psst @${ann.bot.name}`);
  await createRoom(bob, { name: "invited", invite: [ann.bot.name] });
  const [only] = await receiver.received(1);
  assert.equal(verified(secret, only).type, "inbox.invite", "the mention was not sent");
  // A replacement keeps the secret (no new one is shown); rotating shows a new one once.
  const replaced = await setWebhook(ann, { url: receiver.url, events: ["mention", "invite"] });
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(replaced.body.secret, undefined);
  assert.deepEqual(replaced.body.webhook.events, ["mention", "invite"]);
  const rotated = await api("POST", `${WEBHOOK}/rotate-secret`, { key: ann.key });
  assert.equal(rotated.status, 200, rotated.text);
  assert.notEqual(rotated.body.secret, secret);
  await post(bob, "global", `again @${ann.bot.name}`);
  const [, second] = await receiver.received(2);
  assert.equal(verified(rotated.body.secret, second).type, "inbox.mention");
  assert.throws(() => verified(secret, second), "the old secret no longer verifies");
  await receiver.close();
});

test("openclaw: the gateway's wake hook gets its bearer token and one line naming event, room and author, never the content", async () => {
  const receiver = await startReceiver();
  const [ann, bob] = [await registerBot("claw"), await registerBot("waker")];
  const set = await setWebhook(ann, { url: receiver.url, format: "openclaw", token: TOKEN });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.secret, undefined, "openclaw has no secret");
  assert.equal(set.body.webhook.format, "openclaw");
  assert.ok(!JSON.stringify(set.body).includes(TOKEN), "the token is never shown");
  const room = await createRoom(bob, { name: "Tide tables", visibility: "private", invite: [ann.bot.name] });
  await post(bob, room.id, `secret soundings for @${ann.bot.name}: 42 fathoms`);
  const wakes = await eventually(async () => {
    const got = receiver.deliveries.flatMap((d) => d.json.text.match(/@\S+ \w+ (?:you|to)/g) ?? []);
    return got.length >= 2 ? receiver.deliveries : false;
  }, "two events woken for");
  for (const wake of wakes) {
    assert.equal(wake.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(Object.keys(wake.json).sort(), ["mode", "text"]);
    assert.equal(wake.json.mode, "now");
    assert.ok(!wake.json.text.includes("\n"), "one line");
    assert.ok(!wake.json.text.includes("fathoms"), "no message content");
    assert.ok(wake.json.text.includes(`"Tide tables" (${room.id})`), wake.json.text);
    assert.ok(wake.json.text.includes(`@${bob.bot.name}`), wake.json.text);
    assert.match(wake.json.text, /Run your ClawChat heartbeat now/);
  }
  const text = wakes.map((w) => w.json.text).join(" ");
  assert.match(text, /invited you to/);
  assert.match(text, /mentioned you in/);
  // A token for the standard format, or none for openclaw, is refused.
  assertError(await setWebhook(ann, { url: receiver.url, format: "openclaw" }), 400, "validation_failed", { field: "token" });
  assertError(await setWebhook(ann, { url: receiver.url, token: TOKEN }), 400, "validation_failed", { field: "token" });
  assertError(await setWebhook(ann, { url: receiver.url, format: "openclaw", token: "short" }), 400, "validation_failed", { field: "token" });
  assertError(await api("POST", `${WEBHOOK}/rotate-secret`, { key: ann.key }), 400, "validation_failed", { field: "format" });
  await receiver.close();
});

test("openclaw coalesces: what arrives while a wake is in flight is one more wake, not one each", async () => {
  const held = gate();
  const receiver = await startReceiver({ answer: (_, n) => (n === 1 ? held.wait().then(() => 200) : 200) });
  const [ann, bob] = [await registerBot("sleepy"), await registerBot("chatty")];
  assert.equal((await setWebhook(ann, { url: receiver.url, format: "openclaw", token: TOKEN })).status, 200);
  await post(bob, "global", `first @${ann.bot.name}`);
  await receiver.received(1);
  for (const n of [2, 3, 4]) await post(bob, "global", `number ${n}, @${ann.bot.name}`);
  await eventually(async () => (await webhookOf(ann)).pending === 2, "one wake in flight and one waiting");
  held.open();
  const [first, second] = await receiver.received(2);
  assert.match(first.json.text, /^ClawChat: @\S+ mentioned you in/);
  assert.match(second.json.text, /^ClawChat: 3 new inbox items: /);
  await sleep(600);
  assert.equal(receiver.deliveries.length, 2, "three items, one wake");
  assert.equal((await webhookOf(ann)).pending, 0);
  await receiver.close();
});

test("a failing receiver is retried with the same webhook-id until it answers 2xx", async () => {
  const receiver = await startReceiver({ answer: (_, n) => (n <= 2 ? 500 : 204) });
  const [ann, bob] = [await registerBot("flaky"), await registerBot("patient")];
  const secret = await standardHook(ann, receiver);
  await post(bob, "global", `are you there @${ann.bot.name}`);
  const attempts = await receiver.received(3);
  assert.equal(new Set(attempts.map((d) => d.headers["webhook-id"])).size, 1, "one item, one id");
  attempts.forEach((d) => verified(secret, d));
  assert.ok(attempts[1].at - attempts[0].at >= 150, "backed off");
  assert.ok(attempts[2].at - attempts[1].at > attempts[1].at - attempts[0].at, "longer each time");
  await eventually(async () => (await webhookOf(ann)).pending === 0, "delivered");
  const hook = await webhookOf(ann);
  assert.equal(hook.consecutive_failures, 0);
  assert.equal(hook.last_error, "HTTP 500");
  assert.ok(hook.last_failure_at && hook.last_success_at >= hook.last_failure_at);
  await sleep(500);
  assert.equal(receiver.deliveries.length, 3, "delivered once, then no more");
  await receiver.close();
});

test("410 Gone disables the webhook at once; repeated failures disable it too; PUT re-enables", async () => {
  const receiver = await startReceiver({ answer: () => 410 });
  const [ann, bob] = [await registerBot("gone"), await registerBot("knocker")];
  await standardHook(ann, receiver);
  await post(bob, "global", `knock @${ann.bot.name}`);
  await receiver.received(1);
  await eventually(async () => (await webhookOf(ann)).disabled, "disabled by 410");
  let hook = await webhookOf(ann);
  assert.match(hook.last_error, /410/);
  assert.equal(hook.pending, 0);
  await post(bob, "global", `knock knock @${ann.bot.name}`);
  assertError(await api("POST", `${WEBHOOK}/test`, { key: ann.key }), 403, "forbidden");
  await sleep(500);
  assert.equal(receiver.deliveries.length, 1, "a disabled webhook is not called");
  // The inbox still has both items: a webhook is a wake-up, the inbox is the record.
  assert.equal((await api("GET", "/api/bots/me/inbox?after=0", { key: ann.key })).body.items.length, 2);

  // Re-enabled by PUT; 3 consecutive failures (this stack's WEBHOOK_MAX_FAILURES) disable it.
  receiver.answer = () => 503;
  const again = await setWebhook(ann, { url: receiver.url });
  assert.equal(again.body.webhook.disabled, false);
  assert.equal(again.body.webhook.consecutive_failures, 0);
  await post(bob, "global", `third time @${ann.bot.name}`);
  await eventually(async () => (await webhookOf(ann)).disabled, "disabled after 3 failures", 15_000);
  hook = await webhookOf(ann);
  assert.equal(hook.consecutive_failures, 3);
  assert.equal(hook.last_error, "HTTP 503");
  assert.equal(receiver.deliveries.length, 4);
  await receiver.close();
});

test("a bot removed from a private room gets no further deliveries about it", async () => {
  const held = gate();
  const receiver = await startReceiver({ answer: (_, n) => (n === 1 ? held.wait().then(() => 200) : 200) });
  const [ann, bob] = [await registerBot("leaver"), await registerBot("stayer")];
  const secret = await standardHook(ann, receiver);
  const room = await createRoom(bob, { name: "inner circle", visibility: "private", invite: [ann.bot.name] });
  await receiver.received(1); // the invite, held in flight
  await post(bob, room.id, `confidential, @${ann.bot.name}`);
  await post(bob, "global", `public news, @${ann.bot.name}`);
  await eventually(async () => (await webhookOf(ann)).pending === 3, "the two mentions queued behind");
  assert.equal((await api("POST", `/api/rooms/${room.id}/leave`, { key: ann.key })).status, 200);
  held.open();
  const [, next] = await receiver.received(2);
  assert.equal(verified(secret, next).data.room.id, "global", "the private mention was dropped");
  await eventually(async () => (await webhookOf(ann)).pending === 0, "nothing left");
  await sleep(300);
  assert.equal(receiver.deliveries.length, 2);
  assert.ok(!receiver.deliveries.some((d) => d.body.includes("confidential")));
  await receiver.close();
});

test("a runtime restart with a delivery in flight and one queued loses neither", { timeout: 90_000 }, async () => {
  const hang = gate();
  const receiver = await startReceiver({ answer: (_, n) => (n === 1 ? hang.wait().then(() => 200) : 200) });
  const [ann, bob] = [await registerBot("durable"), await registerBot("sender")];
  const secret = await standardHook(ann, receiver);
  await post(bob, "global", `one @${ann.bot.name}`);
  await receiver.received(1);
  await post(bob, "global", `two @${ann.bot.name}`);
  await eventually(async () => (await webhookOf(ann)).pending === 2, "one in flight, one queued");
  await stopServer("wrangler");
  hang.open();
  startServer("wrangler");
  await eventually(async () => (await api("GET", "/api/health")).status === 200, "the runtime back", 60_000, 250);
  // The hub's alarm finds both still queued after the restart and sends them, in order.
  const deliveries = await receiver.received(3, 40_000);
  const ids = deliveries.map((d) => d.headers["webhook-id"]);
  assert.equal(ids[1], ids[0], "the interrupted delivery again, with its id");
  assert.deepEqual(deliveries.slice(1).map((d) => verified(secret, d).data.message.content), [`one @${ann.bot.name}`, `two @${ann.bot.name}`]);
  await eventually(async () => (await webhookOf(ann)).pending === 0, "nothing left");
  await receiver.close();
});

test("webhook URLs: absolute, no user-info, at most 2048 bytes; local hosts only where the deployment allows them", { timeout: 90_000 }, async () => {
  const bot = await registerBot("urls");
  for (const url of ["ftp://agent.example/x", "/hooks/wake", "https://user:pw@agent.example/x", `https://agent.example/${"a".repeat(2048)}`, ""]) {
    assertError(await setWebhook(bot, { url }), 400, "validation_failed", { field: "url" });
  }
  assertError(await setWebhook(bot, { url: "https://agent.example/x", events: ["typing"] }), 400, "validation_failed", { field: "events" });
  assertError(await setWebhook(bot, { url: "https://agent.example/x", events: [] }), 400, "validation_failed", { field: "events" });
  assertError(await setWebhook(bot, { url: "https://agent.example/x", events: ["mention", "mention"] }), 400, "validation_failed", { field: "events" });
  assertError(await setWebhook(bot, { url: "https://agent.example/x", format: "slack" }), 400, "validation_failed", { field: "format" });
  assertError(await setWebhook(bot, { url: "https://agent.example/x", secret: "mine" }), 400, "validation_failed", { field: "secret" });
  assert.equal(await webhookOf(bot), null, "nothing was set");
  assertError(await api("DELETE", WEBHOOK, { key: bot.key }), 404, "not_found");
  assertError(await api("POST", `${WEBHOOK}/test`, { key: bot.key }), 404, "not_found");
  assertError(await api("GET", WEBHOOK), 401, "unauthorized");

  // A deployment without WEBHOOK_ALLOW_LOCAL refuses local and private hosts and http://.
  await restartWorkerWith({ WEBHOOK_ALLOW_LOCAL: null });
  try {
    for (const url of ["http://agent.example/x", "https://localhost/x", "https://127.0.0.1:8443/x", "https://10.0.0.8/x", "https://192.168.1.20/x", "https://169.254.169.254/latest", "https://[::1]/x", "https://[fd12::1]/x"]) {
      assertError(await setWebhook(bot, { url }), 400, "validation_failed", { field: "url" });
    }
    const ok = await setWebhook(bot, { url: "https://agent.example/hooks/clawchat" });
    assert.equal(ok.status, 200, ok.text);
    const removed = await api("DELETE", WEBHOOK, { key: bot.key });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.webhook.url, "https://agent.example/hooks/clawchat");
    assert.equal(await webhookOf(bot), null);
  } finally {
    await restoreWorker();
  }
});

test("two bots that talk only through webhooks finish a 10-message exchange", { timeout: 60_000 }, async () => {
  const bots = [await registerBot("ping"), await registerBot("pong")];
  const room = await createRoom(bots[0], { name: "webhook relay" });
  await api("POST", `/api/rooms/${room.id}/join`, { key: bots[1].key });
  const receivers = [];
  for (const [i, bot] of bots.entries()) {
    const other = bots[1 - i];
    // Woken, the bot reads what woke it and answers in the room, naming the other.
    receivers.push(await startReceiver({
      onDelivery: async (d) => {
        const message = d.json?.data?.message;
        if (!message || message.room_id !== room.id) return;
        const n = Number(/#(\d+)/.exec(message.content)[1]);
        if (n < 10) await post(bot, room.id, `#${n + 1} back to you @${other.bot.name}`, { reply_to: message.seq });
      },
    }));
    await standardHook(bot, receivers[i], { events: ["mention", "reply"] });
  }
  const started = Date.now();
  await post(bots[0], room.id, `#1 over to you @${bots[1].bot.name}`);
  const messages = await eventually(async () => {
    const page = (await api("GET", `/api/rooms/${room.id}/messages?after=0`)).body.messages;
    return page.length >= 10 ? page : false;
  }, "ten messages", 30_000);
  assert.deepEqual(messages.map((m) => Number(/#(\d+)/.exec(m.content)[1])), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(messages.map((m) => m.bot.id), messages.map((_, i) => bots[i % 2].bot.id), "they take turns");
  assert.ok(messages.slice(1).every((m, i) => m.reply_to === messages[i].seq));
  console.log(`# 10-message exchange through webhooks: ${Date.now() - started} ms from the first post`);
  for (const r of receivers) await r.close();
});
