// Soak and faults. Bots post into several rooms (global, public rooms, a private room)
// while observers and members stream and readers page; meanwhile the stack's parts fail
// one after another:
//
//   redis-stall     CLIENT PAUSE longer than the Worker's storage timeout
//   gateway-down    the Upstash-compatible gateway killed, then started again
//   redis-restart   Redis shut down (saving, as a durable store would) and started again
//   runtime-restart the whole Worker runtime killed (every room hub evicted mid-stream),
//                   then started again on its persisted state
//   sockets-dropped half of the streams' connections cut; they resume with ?after=
//
// Every client keeps its own record. At the end (after one more message per room, so a
// live event lost in a fault is healed by the next, as it would be in service) the
// records are checked: every message answered 201 is stored exactly once, stored seqs
// are gapless, every stream that resumed holds every seq exactly once and in order, no
// answer is a 500, every storage outage answers a clear 503 within STORAGE_503_MS, and
// everything recovers with nothing restarted but the part that failed.
//
// `runSoak({ seconds })` returns the figures and the problems found; tests/e2e/soak-
// faults.test.mjs runs a short form in scripts/test, and `node bench/soak.mjs` (through
// scripts/bench, or against a stack from scripts/stack) a longer one that prints them.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { api, createRoom, registerBot, uniqueIp, WS_URL } from "../tests/lib/client.mjs";
import { eventually, redisAnswers, redisCli, startServer, stopRedisKeepingData, stopServer } from "../tests/lib/stack.mjs";

/** The Worker's storage timeout (src/store/upstash.rs) plus the way there and back. */
export const STORAGE_503_MS = 3000 + 1500;
/** Posts per bot per minute the stack allows (RATE_LIMIT_MESSAGES), with some margin. */
const POST_EVERY_MS = 2200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** One HTTP call with a deadline of its own: a request that hangs is a finding too. */
async function call(method, path, options = {}) {
  const started = now();
  const timeout = new Promise((resolve) => setTimeout(() => resolve({ status: "hung" }), 20_000));
  const answer = await Promise.race([
    api(method, path, options).catch((err) => ({ status: "network", text: String(err.cause?.code ?? err.message) })),
    timeout,
  ]);
  return { ...answer, ms: now() - started };
}

/** A stream that reconnects with ?after= on any close but expiry, and records every seq. */
class Follower {
  constructor(room, { key, label }) {
    Object.assign(this, { room, key, label });
    this.seqs = [];
    this.activity = [];
    this.last = null;
    this.reconnects = 0;
    this.stopped = false;
    this.queue = Promise.resolve();
    this.problems = [];
  }

  path() {
    const base = this.room.id === "global" ? "/api/global/ws" : `/api/rooms/${this.room.id}/ws`;
    return this.last === null ? base : `${base}?after=${this.last}`;
  }

  start() {
    const headers = { "CF-Connecting-IP": uniqueIp(), ...(this.key ? { Authorization: `Bearer ${this.key}` } : {}) };
    const ws = new WebSocket(WS_URL + this.path(), { headers, closeTimeout: 300 });
    this.ws = ws;
    ws.on("message", (data) => {
      const frame = JSON.parse(data);
      // Frames are handled one after another: a gap frame's REST read finishes first.
      this.queue = this.queue.then(() => this.onFrame(frame)).catch((err) => this.problems.push(`${this.label}: ${err.message}`));
    });
    ws.on("close", (code) => {
      if (this.stopped || code === 4001) return;
      this.reconnects += 1;
      setTimeout(() => this.start(), 200 + Math.random() * 800);
    });
    ws.on("error", () => {});
  }

  async onFrame(frame) {
    if (frame.type === "ready") {
      if (this.last === null) this.last = frame.last_seq;
    } else if (frame.type === "message") {
      this.seqs.push(frame.message.seq);
      this.last = Math.max(this.last ?? 0, frame.message.seq);
    } else if (frame.type === "activity") {
      this.activity.push(frame.last_seq);
    } else if (frame.type === "gap") {
      // Older than the replay cap: page them in, in order, before anything later.
      let after = frame.after;
      while (after < frame.before - 1) {
        const page = await call("GET", `${messagesPath(this.room.id)}?after=${after}&limit=100`, { key: this.key });
        if (page.status !== 200) throw new Error(`gap read ${page.status}`);
        const wanted = page.body.messages.filter((m) => m.seq < frame.before);
        for (const m of wanted) this.seqs.push(m.seq);
        if (!wanted.length) break;
        after = wanted.at(-1).seq;
      }
    }
  }

  drop() {
    this.ws?.terminate();
  }

  stop() {
    this.stopped = true;
    this.ws?.terminate();
  }
}

const messagesPath = (roomId) => (roomId === "global" ? "/api/global/messages" : `/api/rooms/${roomId}/messages`);

/** Every retained message of a room, oldest first. */
async function readAll(room, key) {
  const all = [];
  let after = 0;
  for (;;) {
    const page = await call("GET", `${messagesPath(room.id)}?after=${after}&limit=100`, { key });
    if (page.status !== 200) throw new Error(`reading ${room.id}: ${page.status} ${page.text}`);
    all.push(...page.body.messages);
    if (!page.body.has_more) return { messages: all, lastSeq: page.body.last_seq };
    after = page.body.messages.at(-1).seq;
  }
}

/** The faults, in order, at fractions of the run (each returns when the part is back). */
function faults(seconds) {
  const stall = Math.max(4, Math.min(6, seconds / 12));
  return [
    {
      name: "redis-stall", at: 0.12, run: async () => {
        redisCli("CLIENT", "PAUSE", Math.round(stall * 1000), "ALL");
        await sleep(stall * 1000);
      },
    },
    {
      name: "gateway-down", at: 0.3, run: async () => {
        await stopServer("gateway");
        await sleep(2000);
        startServer("gateway");
      },
    },
    {
      name: "redis-restart", at: 0.48, run: async () => {
        await stopRedisKeepingData();
        await sleep(2000);
        startServer("redis");
        await eventually(() => redisAnswers(), "redis back", 10_000);
      },
    },
    {
      name: "runtime-restart", at: 0.64, run: async () => {
        await stopServer("wrangler");
        startServer("wrangler");
      },
    },
    { name: "sockets-dropped", at: 0.82, run: async (ctx) => ctx.followers.filter((_, i) => i % 2 === 0).forEach((f) => f.drop()) },
  ];
}

/**
 * Runs the soak for `seconds` with `bots` posting. Returns `{ figures, problems }`;
 * `problems` is empty when every promise above held.
 */
export async function runSoak({ seconds = 60, bots: botCount = 16, log = () => {} } = {}) {
  const problems = [];
  const nonce = randomBytes(3).toString("hex");
  const bots = [];
  for (let i = 0; i < botCount; i++) bots.push(await registerBot("soak"));
  const owner = bots[0];
  const privateMembers = bots.slice(0, 4);
  const rooms = [
    { id: "global", members: bots },
    { ...(await createRoom(bots[1], { name: `soak ${nonce} a`, ttl_seconds: 3600 })), members: bots },
    { ...(await createRoom(bots[2], { name: `soak ${nonce} b`, ttl_seconds: 3600 })), members: bots },
    {
      ...(await createRoom(owner, { name: `soak ${nonce} private`, ttl_seconds: 3600, visibility: "private", invite: privateMembers.slice(1).map((b) => b.bot.name) })),
      members: privateMembers,
    },
  ];
  const privateRoom = rooms[3];

  // Observers and members follow every room; the private room's observer sees activity only.
  const followers = [];
  for (const room of rooms) {
    const member = room.members[0];
    followers.push(new Follower(room, { label: `observer of ${room.name ?? room.id}` }));
    followers.push(new Follower(room, { key: member.key, label: `member of ${room.name ?? room.id}` }));
  }
  for (const f of followers) f.start();
  await eventually(() => followers.every((f) => f.last !== null), "every stream ready", 20_000);

  const posts = [];
  const reads = [];
  let posting = true;
  const posters = bots.map(async (bot, b) => {
    await sleep(Math.random() * POST_EVERY_MS);
    for (let n = 0; posting; n++) {
      const choices = rooms.filter((r) => r.members.includes(bot));
      const room = choices[n % choices.length];
      const content = `soak ${nonce} ${b}.${n}`;
      const started = now();
      const res = await call("POST", messagesPath(room.id), { key: bot.key, json: { content } });
      posts.push({ room: room.id, content, at: started, status: res.status, ms: res.ms, message: res.body?.message, error: res.body?.error });
      await sleep(Math.max(0, POST_EVERY_MS - res.ms));
    }
  });
  const readers = [0, 1].map(async (r) => {
    for (let n = 0; posting; n++) {
      const room = rooms[(n + r) % 3]; // public rooms and global, anonymously
      const res = await call("GET", `${messagesPath(room.id)}?limit=20`);
      reads.push({ at: now(), status: res.status, ms: res.ms, error: res.body?.error });
      if (res.status === 200) {
        const seqs = res.body.messages.map((m) => m.seq);
        if (seqs.some((s, i) => i > 0 && s !== seqs[i - 1] + 1)) problems.push(`a page of ${room.id} is not contiguous: ${seqs}`);
        const before = seqs[0];
        if (before > 1) {
          const older = await call("GET", `${messagesPath(room.id)}?before=${before}&limit=20`);
          reads.push({ at: now(), status: older.status, ms: older.ms, error: older.body?.error });
          if (older.status === 200 && older.body.messages.at(-1)?.seq !== before - 1) problems.push(`paging back from ${before} in ${room.id} skipped`);
        }
      }
      await sleep(300);
    }
  });

  // The faults, each followed by the time until a post succeeds again.
  const started = now();
  const injected = [];
  const ctx = { followers };
  for (const fault of faults(seconds)) {
    const wait = started + fault.at * seconds * 1000 - now();
    if (wait > 0) await sleep(wait);
    const from = now();
    log(`fault: ${fault.name}`);
    await fault.run(ctx);
    const to = now();
    await eventually(async () => (await call("GET", "/api/health")).status === 200, `health after ${fault.name}`, 60_000, 250);
    injected.push({ name: fault.name, from, to, healthy: now() });
  }
  const left = started + seconds * 1000 - now();
  if (left > 0) await sleep(left);
  posting = false;
  await Promise.all([...posters, ...readers]);

  // Recovery: health, then one more message per room (heals a live event a fault lost).
  await eventually(async () => (await call("GET", "/api/health")).status === 200, "health 200 again", 30_000, 500);
  for (const room of rooms) {
    const res = await call("POST", messagesPath(room.id), { key: room.members[0].key, json: { content: `soak ${nonce} flush ${room.id}` } });
    posts.push({ room: room.id, content: `soak ${nonce} flush ${room.id}`, at: now(), status: res.status, ms: res.ms, message: res.body?.message });
    if (res.status !== 201) problems.push(`the flush post into ${room.id} answered ${res.status} ${res.text}`);
  }
  const stored = {};
  for (const room of rooms) stored[room.id] = await readAll(room, room.members[0].key);
  await eventually(
    () => followers.every((f) => f.room === privateRoom && !f.key ? true : f.last === stored[f.room.id].lastSeq),
    "every stream caught up",
    30_000,
  ).catch((err) => problems.push(`${err.message}: ${followers.map((f) => `${f.label} at ${f.last} of ${stored[f.room.id].lastSeq}`).join("; ")}`));
  for (const f of followers) f.stop();
  for (const f of followers) problems.push(...f.problems);

  // --- the checks ---
  const answers = [...posts, ...reads];
  for (const a of answers) {
    if (a.status === 500) problems.push(`a 500: ${JSON.stringify(a.error)}`);
    if (a.status === "hung") problems.push("a request hung for 20 s");
    if (a.status === 503 && a.error && !["storage_unavailable", "unavailable"].includes(a.error.code)) problems.push(`a 503 without a clear code: ${JSON.stringify(a.error)}`);
    if (a.status === 503 && a.error && a.ms > STORAGE_503_MS) problems.push(`a storage 503 took ${Math.round(a.ms)} ms`);
  }
  for (const room of rooms) {
    const { messages, lastSeq } = stored[room.id];
    const seqs = messages.map((m) => m.seq);
    if (seqs.some((s, i) => i > 0 && s !== seqs[i - 1] + 1) || seqs.at(-1) !== lastSeq) problems.push(`stored seqs of ${room.id} are not gapless up to ${lastSeq}`);
    const byContent = new Map();
    for (const m of messages) byContent.set(m.content, (byContent.get(m.content) ?? 0) + 1);
    for (const [content, count] of byContent) if (count > 1 && content.startsWith(`soak ${nonce}`)) problems.push(`"${content}" is stored ${count} times`);
    const first = seqs[0] ?? lastSeq + 1;
    for (const p of posts.filter((p) => p.room === room.id && p.status === 201)) {
      if (p.message.seq < first) continue; // trimmed by the history cap since
      const found = messages.find((m) => m.id === p.message.id);
      if (!found || found.content !== p.content || found.seq !== p.message.seq) problems.push(`201 message ${p.message.id} (${p.content}) is not stored as answered`);
    }
  }
  for (const f of followers) {
    if (f.room === privateRoom && !f.key) {
      if (f.seqs.length) problems.push("the private room's observer received messages");
      if (f.activity.some((s, i) => i > 0 && s <= f.activity[i - 1])) problems.push("the private room's observer got activity out of order");
      continue;
    }
    const seqs = f.seqs;
    const from = seqs[0];
    if (seqs.some((s, i) => i > 0 && s !== seqs[i - 1] + 1)) {
      const at = seqs.findIndex((s, i) => i > 0 && s !== seqs[i - 1] + 1);
      problems.push(`${f.label} received ${seqs.slice(Math.max(0, at - 3), at + 3).join(",")}: not each seq once, in order`);
    }
    if (from !== undefined && seqs.at(-1) !== stored[f.room.id].lastSeq) problems.push(`${f.label} ended at ${seqs.at(-1)}, not ${stored[f.room.id].lastSeq}`);
  }
  if ((await call("GET", "/api/health")).status !== 200) problems.push("not healthy at the end");

  // --- the figures ---
  const count = (list, test) => list.filter(test).length;
  const storage503 = answers.filter((a) => a.status === 503 && a.error);
  const recovery = injected.map((fault) => {
    const ok = posts.filter((p) => p.status === 201 && p.at >= fault.to).map((p) => p.at + p.ms);
    return {
      fault: fault.name,
      seconds: +((fault.to - fault.from) / 1000).toFixed(1),
      healthy_after_ms: Math.round(fault.healthy - fault.to),
      first_201_after_ms: ok.length ? Math.round(Math.min(...ok) - fault.to) : null,
    };
  });
  const figures = {
    seconds,
    bots: botCount,
    rooms: rooms.length,
    streams: followers.length,
    posts: posts.length,
    accepted: count(posts, (p) => p.status === 201),
    storage_503: count(posts, (p) => p.status === 503 && p.error),
    unreachable: count(posts, (p) => p.status === "network" || (p.status === 503 && !p.error)),
    other: count(posts, (p) => ![201, 503, "network"].includes(p.status)),
    reads: reads.length,
    reads_503: count(reads, (r) => r.status === 503),
    max_503_ms: storage503.length ? Math.round(Math.max(...storage503.map((a) => a.ms))) : null,
    reconnects: followers.reduce((n, f) => n + f.reconnects, 0),
    messages_streamed: followers.reduce((n, f) => n + f.seqs.length, 0),
    faults: recovery,
  };
  return { figures, problems };
}

// `node bench/soak.mjs`: the long form, against the stack in the environment.
if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.env.SOAK_SECONDS ?? 180);
  const { figures, problems } = await runSoak({ seconds, bots: Number(process.env.SOAK_BOTS ?? 24), log: (m) => console.error("  ·", m) });
  console.log(JSON.stringify(figures, null, 2));
  if (problems.length) {
    console.error(`${problems.length} problems:\n${problems.slice(0, 30).join("\n")}`);
    process.exit(1);
  }
  process.exit(0);
}
