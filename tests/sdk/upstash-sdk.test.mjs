// Compatibility of redis-rest-gateway with the official @upstash/redis SDK, the
// client the Upstash docs point to, driven with its defaults (base64 answers,
// auto-pipelining), plus raw HTTP checks of the parts of the protocol the SDK does
// not exercise.
//
// Needs a running gateway in front of a throwaway redis-server:
//   GATEWAY_URL=http://127.0.0.1:PORT GATEWAY_TOKEN=… node --test tests/sdk/
// (scripts/test runs it against the test stack's gateway; so does exporting what
// scripts/stack prints.)
//
// The stats test asserts exact counter deltas: no other client may use the same
// gateway while this file runs. Keys carry a per-test random prefix.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";

const URL_ = process.env.GATEWAY_URL;
const TOKEN = process.env.GATEWAY_TOKEN;
if (!URL_ || !TOKEN) {
  throw new Error(
    "GATEWAY_URL and GATEWAY_TOKEN must be set to a running redis-rest-gateway (see tests/sdk/run.sh)",
  );
}

const redis = new Redis({ url: URL_, token: TOKEN, enableTelemetry: false });

/** A fresh key namespace, so tests never see each other's data. */
function keys() {
  const prefix = `sdk:${randomUUID()}:`;
  return (name) => prefix + name;
}

/** One raw HTTP request to the gateway; answers { status, body } with body parsed. */
async function raw(path, body, { token = TOKEN, headers = {}, method = "POST" } = {}) {
  const response = await fetch(URL_ + path, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

async function stats() {
  const { status, body } = await raw("/_gateway/stats", undefined, { method: "GET" });
  assert.equal(status, 200);
  return body;
}

test("strings: set, get, expiry, counters, mget, unicode and JSON-looking values", async () => {
  const k = keys();
  assert.equal(await redis.set(k("plain"), "hello"), "OK");
  assert.equal(await redis.get(k("plain")), "hello");
  assert.equal(await redis.get(k("missing")), null);

  assert.equal(await redis.set(k("temp"), "soon gone", { ex: 100 }), "OK");
  const ttl = await redis.ttl(k("temp"));
  assert.ok(ttl > 95 && ttl <= 100, `ttl ${ttl}`);

  assert.equal(await redis.incr(k("n")), 1);
  assert.equal(await redis.incrby(k("n"), 41), 42);
  assert.equal(await redis.decr(k("n")), 41);

  const unicode = "héllo wörld ✓ 日本語 😀🦀 \"quoted\" \\ back\nslash";
  await redis.set(k("unicode"), unicode);
  assert.equal(await redis.get(k("unicode")), unicode);

  // The SDK JSON-parses every answer it can: a stored JSON text comes back as the
  // object, and objects given to set are stored as JSON.
  await redis.set(k("jsonish"), '{"a":1,"b":[true,null,"x"]}');
  assert.deepEqual(await redis.get(k("jsonish")), { a: 1, b: [true, null, "x"] });
  await redis.set(k("object"), { room: "lobby", bots: 3 });
  assert.deepEqual(await redis.get(k("object")), { room: "lobby", bots: 3 });
  const stored = await raw("/", ["GET", k("object")]);
  assert.deepEqual(stored, { status: 200, body: { result: '{"room":"lobby","bots":3}' } });

  // The literal value "OK" is data here, not a status reply, and survives base64.
  await redis.set(k("ok"), "OK");
  assert.equal(await redis.get(k("ok")), "OK");

  assert.deepEqual(await redis.mget(k("plain"), k("n"), k("missing"), k("unicode")), [
    "hello",
    41,
    null,
    unicode,
  ]);
});

test("hashes: hset, hget, hgetall as an object", async () => {
  const k = keys();
  assert.equal(await redis.hset(k("bot"), { name: "Ada", score: 7, bio: "likes 🦀" }), 3);
  assert.equal(await redis.hget(k("bot"), "name"), "Ada");
  assert.equal(await redis.hget(k("bot"), "score"), 7);
  assert.equal(await redis.hget(k("bot"), "nope"), null);
  assert.deepEqual(await redis.hgetall(k("bot")), { name: "Ada", score: 7, bio: "likes 🦀" });
  assert.equal(await redis.hgetall(k("empty")), null);
  assert.equal(await redis.hincrby(k("bot"), "score", 3), 10);
});

test("sorted sets: zadd, zrange with scores, zscore, zrange by score", async () => {
  const k = keys();
  assert.equal(
    await redis.zadd(
      k("z"),
      { score: 1.5, member: "ada" },
      { score: 3, member: "bob" },
      { score: -2, member: "cy" },
    ),
    3,
  );
  assert.deepEqual(await redis.zrange(k("z"), 0, -1), ["cy", "ada", "bob"]);
  assert.deepEqual(await redis.zrange(k("z"), 0, -1, { withScores: true }), [
    "cy",
    -2,
    "ada",
    1.5,
    "bob",
    3,
  ]);
  assert.equal(await redis.zscore(k("z"), "ada"), 1.5);
  assert.equal(await redis.zscore(k("z"), "nobody"), null);
  assert.deepEqual(await redis.zrange(k("z"), 0, 5, { byScore: true }), ["ada", "bob"]);
  assert.deepEqual(
    await redis.zrange(k("z"), "+inf", "(0", { byScore: true, rev: true, withScores: true }),
    ["bob", 3, "ada", 1.5],
  );
  assert.equal(await redis.zcard(k("z")), 3);
});

test("streams: xadd, xrange, xlen", async () => {
  const k = keys();
  const first = await redis.xadd(k("log"), "*", { author: "ada", text: "hi 👋" });
  const second = await redis.xadd(k("log"), "*", { author: "bob", text: '{"n":1}' });
  assert.match(first, /^\d+-\d+$/);
  assert.match(second, /^\d+-\d+$/);
  assert.equal(await redis.xlen(k("log")), 2);
  assert.deepEqual(await redis.xrange(k("log"), "-", "+"), {
    [first]: { author: "ada", text: "hi 👋" },
    [second]: { author: "bob", text: { n: 1 } },
  });
  assert.deepEqual(await redis.xrange(k("log"), "-", "+", 1), {
    [first]: { author: "ada", text: "hi 👋" },
  });
  // An explicit id, as the Worker would use for ordering.
  assert.equal(await redis.xadd(k("ids"), "5-1", { a: "b" }), "5-1");
});

test("expiry: expire, ttl, pexpire, pttl, persist", async () => {
  const k = keys();
  await redis.set(k("key"), "v");
  assert.equal(await redis.ttl(k("key")), -1);
  assert.equal(await redis.expire(k("key"), 50), 1);
  const ttl = await redis.ttl(k("key"));
  assert.ok(ttl > 45 && ttl <= 50, `ttl ${ttl}`);
  assert.equal(await redis.pexpire(k("key"), 20_000), 1);
  const pttl = await redis.pttl(k("key"));
  assert.ok(pttl > 15_000 && pttl <= 20_000, `pttl ${pttl}`);
  assert.equal(await redis.persist(k("key")), 1);
  assert.equal(await redis.ttl(k("key")), -1);
  assert.equal(await redis.expire(k("missing"), 10), 0);
  assert.equal(await redis.ttl(k("missing")), -2);

  await redis.set(k("brief"), "v", { px: 50 });
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(await redis.get(k("brief")), null);
});

// A table of integers, strings and a nested table; Lua numbers become integers
// (3.7 is truncated) and false becomes nil, as Redis converts them.
const SCRIPT = `
redis.call("SET", KEYS[1], ARGV[1])
local n = redis.call("INCRBY", KEYS[2], tonumber(ARGV[2]))
return { n, "posted", redis.call("GET", KEYS[1]), 3.7, { "nested", 2 }, false }
`;

test("scripts: eval, scriptLoad + evalsha, NOSCRIPT fallback", async () => {
  const k = keys();
  assert.deepEqual(await redis.eval(SCRIPT, [k("text"), k("count")], ["hello 😀", 5]), [
    5,
    "posted",
    "hello 😀",
    3,
    ["nested", 2],
    null,
  ]);

  const sha = await redis.scriptLoad(SCRIPT);
  assert.match(sha, /^[0-9a-f]{40}$/);
  assert.deepEqual(await redis.evalsha(sha, [k("text"), k("count")], ["again", 2]), [
    7,
    "posted",
    "again",
    3,
    ["nested", 2],
    null,
  ]);

  await assert.rejects(redis.evalsha("0".repeat(40), [], []), /NOSCRIPT/);

  // createScript tries EVALSHA first and falls back to EVAL on NOSCRIPT.
  const script = redis.createScript(`return { ARGV[1], #KEYS, ${Date.now()} }`);
  const [echo, count] = await script.exec([k("a"), k("b")], ["fresh"]);
  assert.deepEqual([echo, count], ["fresh", 2]);
});

test("explicit pipeline: several commands, one request, results in order", async () => {
  const k = keys();
  const before = await stats();
  const results = await redis
    .pipeline()
    .set(k("a"), "1")
    .incr(k("a"))
    .hset(k("h"), { f: "v" })
    .hget(k("h"), "f")
    .rpush(k("list"), "x", "y", "z")
    .lrange(k("list"), 0, -1)
    .get(k("missing"))
    .exec();
  assert.deepEqual(results, ["OK", 2, 1, "v", 3, ["x", "y", "z"], null]);
  const after = await stats();
  assert.equal(after.requests - before.requests, 1);
  assert.equal(after.commands - before.commands, 7);
});

test("multi: a transaction runs atomically and answers in order", async () => {
  const k = keys();
  await redis.set(k("balance"), 10);
  const results = await redis
    .multi()
    .decrby(k("balance"), 3)
    .incrby(k("spent"), 3)
    .get(k("balance"))
    .lpush(k("audit"), "spent 3")
    .exec();
  assert.deepEqual(results, [7, 3, 7, 1]);

  // Many transactions at once: each moves one unit, so the sum never drifts.
  await Promise.all(
    Array.from({ length: 20 }, () =>
      redis.multi().decr(k("balance")).incr(k("spent")).exec(),
    ),
  );
  const [balance, spent] = await redis.mget(k("balance"), k("spent"));
  assert.deepEqual([balance, spent], [-13, 23]);

  // A command failing at run time does not undo the others; its error stays in place.
  const kept = await redis.multi().set(k("s"), "v").lpush(k("s"), "x").get(k("s")).exec({
    keepErrors: true,
  });
  assert.deepEqual(
    kept.map(({ error, result }) => (error ? error : result)),
    ["OK", "WRONGTYPE Operation against a key holding the wrong kind of value", "v"],
  );
});

test("auto-pipelining: concurrent commands share one request", async () => {
  const k = keys();
  await Promise.all([redis.set(k("a"), "A"), redis.set(k("b"), "B"), redis.set(k("c"), 3)]);

  const before = await stats();
  const pipelinesBefore = redis.pipelineCounter;
  const results = await Promise.all([
    redis.get(k("a")),
    redis.get(k("b")),
    redis.get(k("c")),
    redis.exists(k("a"), k("nope")),
    redis.strlen(k("b")),
  ]);
  assert.deepEqual(results, ["A", "B", 3, 1, 1]);
  assert.equal(redis.pipelineCounter - pipelinesBefore, 1);
  const after = await stats();
  assert.equal(after.requests - before.requests, 1);
  assert.equal(after.commands - before.commands, 5);
});

test("errors: wrong type, wrong token, failing command inside a pipeline", async () => {
  const k = keys();
  await redis.set(k("str"), "v");
  await assert.rejects(redis.lpush(k("str"), "x"), (err) => {
    assert.match(err.message, /WRONGTYPE Operation against a key holding the wrong kind of value/);
    return true;
  });
  await assert.rejects(redis.hget(k("str"), "f"), /WRONGTYPE/);

  const intruder = new Redis({ url: URL_, token: "not-the-token", enableTelemetry: false });
  await assert.rejects(intruder.get(k("str")), /WRONGPASS invalid or missing auth token/);
  await assert.rejects(intruder.set(k("str"), "overwritten"), /WRONGPASS/);
  assert.equal(await redis.get(k("str")), "v");

  // A pipeline is not atomic: the failing command reports, the others still ran.
  await assert.rejects(
    redis.pipeline().set(k("p"), "1").lpush(k("p"), "x").incr(k("p")).exec(),
    /Command 2 \[ lpush \] failed: WRONGTYPE/,
  );
  assert.equal(await redis.get(k("p")), 2);
  const kept = await redis
    .pipeline()
    .get(k("p"))
    .hget(k("p"), "f")
    .get(k("nope"))
    .exec({ keepErrors: true });
  assert.deepEqual(kept[0], { error: undefined, result: 2 });
  assert.match(kept[1].error, /^WRONGTYPE /);
  assert.deepEqual(kept[2], { error: undefined, result: null });

  // Redis refuses the whole transaction when a command is malformed at queue time
  // (HSET with no field is an arity error): nothing in it runs.
  await assert.rejects(
    redis.multi().set(k("t"), "1").hset(k("t2"), {}).exec(),
    /EXECABORT Transaction discarded because of previous errors/,
  );
  assert.equal(await redis.get(k("t")), null);
});

test("raw: authentication answers 401 WRONGPASS; the token is accepted in the header only", async () => {
  const unauthorized = { status: 401, body: { error: "WRONGPASS invalid or missing auth token" } };
  assert.deepEqual(await raw("/", ["PING"]), { status: 200, body: { result: "PONG" } });
  assert.deepEqual(await raw("/", ["PING"], { token: null }), unauthorized);
  assert.deepEqual(await raw("/", ["PING"], { token: "wrong" }), unauthorized);
  const sameLength = TOKEN.slice(0, -1) + (TOKEN.endsWith("x") ? "y" : "x");
  assert.deepEqual(await raw("/", ["PING"], { token: sameLength }), unauthorized);
  assert.deepEqual(await raw("/", ["PING"], { token: `${TOKEN}x` }), unauthorized);
  assert.deepEqual(await raw("/pipeline", [["PING"]], { token: "" }), unauthorized);
  assert.deepEqual(await raw("/_gateway/stats", undefined, { token: null, method: "GET" }), unauthorized);
  // Upstash also takes ?_token=, but a token in a URL ends up in logs and histories.
  assert.deepEqual(await raw(`/?_token=${encodeURIComponent(TOKEN)}`, ["PING"], { token: null }), unauthorized);
  assert.deepEqual(
    await raw(`/_gateway/stats?_token=${encodeURIComponent(TOKEN)}`, undefined, { token: null, method: "GET" }),
    unauthorized,
  );
});

test("raw: administrative commands are refused before Redis; the data stays", async () => {
  const k = keys();
  await raw("/", ["SET", k("kept"), "still here"]);
  const dbsize = (await raw("/", ["DBSIZE"])).body.result;
  assert.ok(dbsize >= 1, `dbsize ${dbsize}`);
  const refused = (name) => ({
    status: 400,
    body: { error: `ERR administrative command '${name}' is not supported over REST` },
  });
  for (const [command, name] of [
    [["FLUSHALL"], "flushall"],
    [["flushdb", "ASYNC"], "flushdb"],
    [["CONFIG", "GET", "*"], "config|get"],
    [["config", "set", "dir", "/tmp"], "config|set"],
    [["DEBUG", "SLEEP", 0], "debug"],
    [["SHUTDOWN", "NOSAVE"], "shutdown"],
    [["MODULE", "LIST"], "module|list"],
    [["SAVE"], "save"],
    [["BGSAVE"], "bgsave"],
    [["REPLICAOF", "127.0.0.1", 1], "replicaof"],
    [["SWAPDB", 0, 1], "swapdb"],
    [["ACL", "LIST"], "acl|list"],
    [["Script", "Flush"], "script|flush"],
    [["FUNCTION", "FLUSH"], "function|flush"],
    [["CLIENT", "PAUSE", 10_000], "client|pause"],
    [["CLIENT", "KILL", "TYPE", "normal"], "client|kill"],
  ]) {
    assert.deepEqual(await raw("/", command), refused(name), JSON.stringify(command));
  }
  // Inside a pipeline or a transaction, one refused command refuses the whole request.
  assert.deepEqual(await raw("/pipeline", [["SET", k("p"), "1"], ["FLUSHALL"]]), refused("flushall"));
  assert.deepEqual(await raw("/multi-exec", [["SET", k("t"), "1"], ["SHUTDOWN"]]), refused("shutdown"));

  // Nothing ran: the data is intact and Redis still answers (not paused, not shut down).
  assert.deepEqual((await raw("/", ["MGET", k("kept"), k("p"), k("t")])).body, {
    result: ["still here", null, null],
  });
  assert.ok((await raw("/", ["DBSIZE"])).body.result >= 1);
  // What the Worker and the tests use stays allowed.
  assert.equal((await raw("/", ["CLIENT", "ID"])).status, 200);
  assert.match((await raw("/", ["INFO", "server"])).body.result, /redis_version/);
  const sha = (await raw("/", ["SCRIPT", "LOAD", "return 1"])).body.result;
  assert.deepEqual((await raw("/", ["SCRIPT", "EXISTS", sha])).body, { result: [1] });
  assert.deepEqual((await raw("/", ["EVALSHA", sha, 0])).body, { result: 1 });
});

test("raw: plain answers keep RESP2 shape; base64 encodes every string but OK", async () => {
  const k = keys();
  const base64 = { headers: { "Upstash-Encoding": "base64" } };
  assert.deepEqual(await raw("/", ["SET", k("s"), "héllo 😀", "EX", 100]), {
    status: 200,
    body: { result: "OK" },
  });
  assert.deepEqual(await raw("/", ["GET", k("s")]), { status: 200, body: { result: "héllo 😀" } });
  assert.deepEqual(await raw("/", ["GET", k("s")], base64), {
    status: 200,
    body: { result: Buffer.from("héllo 😀").toString("base64") },
  });
  assert.deepEqual(await raw("/", ["SET", k("s"), "OK"], base64), {
    status: 200,
    body: { result: "OK" },
  });
  assert.deepEqual(await raw("/", ["GET", k("s")], base64), { status: 200, body: { result: "T0s=" } });
  assert.deepEqual(await raw("/", ["PING"], base64), { status: 200, body: { result: "UE9ORw==" } });

  await raw("/", ["HSET", k("h"), "f", "v", "n", 2]);
  assert.deepEqual((await raw("/", ["HGETALL", k("h")])).body, { result: ["f", "v", "n", "2"] });
  await raw("/", ["ZADD", k("z"), 1.5, "m"]);
  assert.deepEqual((await raw("/", ["ZRANGE", k("z"), 0, -1, "WITHSCORES"])).body, {
    result: ["m", "1.5"],
  });
  assert.deepEqual((await raw("/", ["MGET", k("h"), k("none")])).body, { result: [null, null] });
  assert.deepEqual((await raw("/", ["EVAL", "return {1,'a',{2,'OK'}}", 0], base64)).body, {
    result: [1, "YQ==", [2, "T0s="]],
  });
  await raw("/", ["XADD", k("x"), "1-1", "f", "v"]);
  assert.deepEqual((await raw("/", ["XRANGE", k("x"), "-", "+"])).body, {
    result: [["1-1", ["f", "v"]]],
  });

  // Numbers reach Redis as the text the client wrote; booleans as true/false.
  // (Written by hand: JSON.stringify would round it to 1.2345678901234568e+22.)
  await raw("/", `["SET", ${JSON.stringify(k("big"))}, 12345678901234567890123]`);
  assert.deepEqual((await raw("/", ["GET", k("big")])).body, { result: "12345678901234567890123" });
  await raw("/", ["SET", k("bool"), true]);
  assert.deepEqual((await raw("/", ["GET", k("bool")])).body, { result: "true" });
  assert.deepEqual((await raw("/", ["INCRBYFLOAT", k("f"), 1.25])).body, { result: "1.25" });
});

test("raw: a Redis error is 400 with its exact text; pipelines answer errors in place", async () => {
  const k = keys();
  assert.deepEqual(await raw("/", ["GET"]), {
    status: 400,
    body: { error: "ERR wrong number of arguments for 'get' command" },
  });
  await raw("/", ["SET", k("s"), "v"]);
  assert.deepEqual(await raw("/", ["LPUSH", k("s"), "x"], { headers: { "Upstash-Encoding": "base64" } }), {
    status: 400,
    body: { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
  });
  assert.deepEqual(await raw("/pipeline", [["GET", k("s")], ["INCR", k("s")], ["GET", k("none")]]), {
    status: 200,
    body: [
      { result: "v" },
      { error: "ERR value is not an integer or out of range" },
      { result: null },
    ],
  });
});

test("raw: /multi-exec answers per command, or one 400 EXECABORT when refused", async () => {
  const k = keys();
  assert.deepEqual(
    await raw("/multi-exec", [["SET", k("a"), "1"], ["INCR", k("a")], ["HGET", k("a"), "f"]]),
    {
      status: 200,
      body: [
        { result: "OK" },
        { result: 2 },
        { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      ],
    },
  );
  assert.deepEqual(await raw("/multi-exec", [["SET", k("a"), "9"], ["INCR"]]), {
    status: 400,
    body: { error: "EXECABORT Transaction discarded because of previous errors." },
  });
  assert.deepEqual(await raw("/multi-exec", [["NOSUCHCOMMAND"]]), {
    status: 400,
    body: { error: "EXECABORT Transaction discarded because of previous errors." },
  });
  assert.deepEqual((await raw("/", ["GET", k("a")])).body, { result: "2" });
  // The connection that carried the refused transaction is usable, not stuck in MULTI.
  const follow = await Promise.all(Array.from({ length: 20 }, () => raw("/", ["INCR", k("n")])));
  assert.ok(follow.every(({ status }) => status === 200));
  assert.deepEqual((await raw("/", ["GET", k("n")])).body, { result: "20" });
});

test("raw: bad requests, refused commands, unknown paths and methods", async () => {
  const k = keys();
  const bad = async (path, body) => {
    const answer = await raw(path, body);
    assert.equal(answer.status, 400, JSON.stringify(answer));
    assert.match(answer.body.error, /^ERR /);
    return answer.body.error;
  };
  assert.match(await bad("/", '["GET",'), /not valid JSON/);
  assert.match(await bad("/", { cmd: "GET" }), /must be a JSON array/);
  assert.match(await bad("/", []), /empty command/);
  assert.match(await bad("/", ["SET", k("x"), null]), /argument 3 is null/);
  assert.match(await bad("/", ["SET", k("x"), { a: 1 }]), /argument 3 is an object/);
  assert.match(await bad("/", ["SET", k("x"), ["v"]]), /argument 3 is a nested array/);
  assert.match(await bad("/pipeline", []), /empty pipeline/);
  assert.match(await bad("/pipeline", [["GET", k("x")], "GET"]), /^ERR command 2:/);

  assert.equal(await bad("/", ["BLPOP", k("l"), 0]), "ERR blocking command 'blpop' is not supported over REST");
  assert.match(await bad("/", ["xread", "BLOCK", 0, "STREAMS", k("s"), "$"]), /not supported over REST/);
  assert.match(await bad("/", ["SUBSCRIBE", k("ch")]), /not supported over REST/);
  assert.match(await bad("/", ["MULTI"]), /not supported over REST/);
  assert.match(await bad("/", ["WATCH", k("x")]), /not supported over REST/);
  // A refused command anywhere in a pipeline refuses it whole, before anything runs.
  assert.match(await bad("/pipeline", [["SET", k("x"), "1"], ["MULTI"]]), /'multi' is not supported/);
  assert.deepEqual((await raw("/", ["EXISTS", k("x")])).body, { result: 0 });
  // XREAD without BLOCK is an ordinary read.
  assert.deepEqual(await raw("/", ["XREAD", "COUNT", 1, "STREAMS", k("s"), "0"]), {
    status: 200,
    body: { result: null },
  });

  const notFound = await raw("/no/such/path", ["PING"]);
  assert.equal(notFound.status, 404);
  assert.match(notFound.body.error, /not found/);
  const notAllowed = await raw("/", undefined, { method: "DELETE" });
  assert.equal(notAllowed.status, 405);
  assert.ok(notAllowed.body.error);
  assert.deepEqual(await raw("/", undefined, { method: "GET" }), { status: 200, body: { result: "PONG" } });
  assert.equal((await raw("/", undefined, { method: "HEAD" })).status, 200);
});

test("stats: counters grow by exactly the requests and commands sent", async () => {
  const k = keys();
  const before = await stats();
  assert.ok(!Number.isNaN(Date.parse(before.started_at)), before.started_at);
  assert.match(before.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);

  await raw("/", ["SET", k("a"), "1"]); // 1 request, 1 command
  await raw("/pipeline", [["INCR", k("a")], ["GET", k("a")], ["LPUSH", k("a"), "x"]]); // 1, 3
  await raw("/multi-exec", [["INCR", k("a")], ["GET", k("a")]]); // 1, 2 (MULTI/EXEC not counted)
  await raw("/", ["GET"]); // 1, 1: a Redis error still ran on Redis
  await raw("/", ["BLPOP", k("l"), 0]); // 1, 0: refused before Redis
  await raw("/", ["GET", k("a")], { token: "wrong" }); // not authenticated: not counted
  await raw("/", undefined, { method: "GET" }); // health PING: not a client command
  await stats(); // reading stats is not a request

  const after = await stats();
  assert.equal(after.requests - before.requests, 5);
  assert.equal(after.commands - before.commands, 7);
  assert.equal(after.started_at, before.started_at);
});
