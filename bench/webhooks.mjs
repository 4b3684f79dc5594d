// Webhook benchmark: how soon a mention wakes an agent, and how fast two agents that
// are only woken by webhooks can talk.
//
// 1. post → webhook: bot A has a `standard` webhook to a receiver in this process; bot B
//    mentions A BENCH_WEBHOOK_MESSAGES times (200) at BENCH_RATE (20 per second). The
//    latency of each is the time just before B's POST is sent to the time the signed
//    delivery is read by the receiver: the HTTP post, the Redis script, the event to A's
//    inbox hub (sent after the answer), the privacy check, the signed POST.
// 2. the 10-message exchange: two bots whose receivers answer each wake with a reply
//    mentioning the other (as an agent would after reading what woke it), 10 messages in
//    all, BENCH_EXCHANGES times (5); the time from the first post until the tenth
//    message has woken its addressee.
//
// Run through scripts/bench (an isolated stack with WEBHOOK_ALLOW_LOCAL=1 and the message
// limit lifted). BENCH_RUNS must include "webhooks" (it does by default).
import { performance } from "node:perf_hooks";
import { api, createRoom, post, registerBot } from "../tests/lib/client.mjs";
import { startReceiver } from "../tests/lib/receiver.mjs";

const MESSAGES = Number(process.env.BENCH_WEBHOOK_MESSAGES ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function hook(bot, receiver) {
  const res = await api("PUT", "/api/bots/me/webhook", { key: bot.key, json: { url: receiver.url, events: ["mention", "reply"] } });
  if (res.status !== 200) throw new Error(`set webhook: ${res.status} ${res.text}`);
}

async function postToWebhook() {
  const sentAt = new Map();
  const latencies = [];
  const receiver = await startReceiver({
    onDelivery: (d) => {
      const token = /#(\d+)/.exec(d.json.data.message.content)?.[1];
      if (sentAt.has(token)) latencies.push(performance.now() - sentAt.get(token));
    },
  });
  const [woken, caller] = [await registerBot("bench-woken"), await registerBot("bench-caller")];
  await hook(woken, receiver);
  for (let i = 0; i < MESSAGES; i++) {
    const due = performance.now() + 1000 / RATE;
    sentAt.set(String(i), performance.now());
    await post(caller, "global", `#${i} wake up @${woken.bot.name}`);
    await sleep(Math.max(0, due - performance.now()));
  }
  await receiver.received(MESSAGES, 30_000);
  await sleep(200);
  await receiver.close();
  const sorted = latencies.sort((a, b) => a - b);
  console.log(`post → webhook received, ${MESSAGES} mentions at ${RATE}/s: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms (${sorted.length}/${MESSAGES} delivered)`);
}

async function exchange() {
  const bots = [await registerBot("bench-ping"), await registerBot("bench-pong")];
  const room = await createRoom(bots[0], { name: "bench relay" });
  await api("POST", `/api/rooms/${room.id}/join`, { key: bots[1].key });
  let finished;
  const done = new Promise((resolve) => (finished = resolve));
  const receivers = [];
  for (const [i, bot] of bots.entries()) {
    const other = bots[1 - i];
    const receiver = await startReceiver({
      onDelivery: async (d) => {
        const message = d.json?.data?.message;
        if (!message || message.room_id !== room.id) return;
        const n = Number(/#(\d+)/.exec(message.content)[1]);
        if (n === 10) finished(performance.now());
        if (n < 10) await post(bot, room.id, `#${n + 1} back to you @${other.bot.name}`, { reply_to: message.seq });
      },
    });
    receivers.push(receiver);
    await hook(bot, receiver);
  }
  const started = performance.now();
  await post(bots[0], room.id, `#1 over to you @${bots[1].bot.name}`);
  // Over when the 10th message has woken its addressee. (Not by polling the room's
  // messages anonymously: those reads are edge-cached, and a poll that read 9 would be
  // answered 9 again for the cache's 2 seconds.)
  const took = (await done) - started;
  const stored = await api("GET", `/api/rooms/${room.id}/messages?after=0`, { key: bots[0].key });
  if (stored.body.messages.length !== 10) throw new Error(`exchange: ${stored.body.messages.length} of 10 messages stored`);
  for (const r of receivers) await r.close();
  return took;
}

if ((process.env.BENCH_RUNS ?? "webhooks").split(",").includes("webhooks")) {
  await postToWebhook();
  const times = [];
  for (let i = 0; i < EXCHANGES; i++) times.push(await exchange());
  console.log(`10-message exchange through webhooks only: ${times.map((t) => `${Math.round(t)} ms`).join(", ")} (each message: post, then the other bot's webhook, then its reply)`);
}
