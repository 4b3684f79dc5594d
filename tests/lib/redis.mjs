// Redis as the Worker sees it: commands through the stack's redis-rest-gateway (so a
// test reads exactly what the Worker stored), and snapshots of the whole keyspace, to
// prove that a refused request wrote nothing. The test's own requests count at the
// gateway too: a test that asserts the gateway's counters must not read through here
// in between.
import assert from "node:assert/strict";
import { GATEWAY_URL, GATEWAY_TOKEN } from "./client.mjs";

async function gateway(path, payload) {
  const res = await fetch(GATEWAY_URL + path, {
    method: "POST",
    headers: { Authorization: `Bearer ${GATEWAY_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`gateway ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Runs one Redis command; returns its result. */
export async function redis(...command) {
  const body = await gateway("/", command.map(String));
  if (body.error) throw new Error(`redis ${command[0]}: ${body.error}`);
  return body.result;
}

/** Runs commands in one pipeline; returns their results. */
export async function redisPipeline(commands) {
  if (commands.length === 0) return [];
  const body = await gateway("/pipeline", commands.map((c) => c.map(String)));
  return body.map((item, i) => {
    if (item.error) throw new Error(`redis ${commands[i][0]}: ${item.error}`);
    return item.result;
  });
}

/**
 * Every `cc:*` key with its type, full value and remaining TTL (ms, -1 for none), and
 * the number of live keys of any name. Values are read by type (DUMP is binary and does
 * not survive JSON). A key whose TTL runs out while it is being read (PTTL, read after
 * its value, answers -2) is left out, and the live keys are counted last, so both
 * describe the state at the end of the snapshot.
 */
export async function snapshot(pattern = "cc:*") {
  const keys = (await redis("KEYS", pattern)).sort();
  const types = await redisPipeline(keys.map((k) => ["TYPE", k]));
  const reads = keys.map((key, i) => {
    switch (types[i]) {
      case "string": return ["GET", key];
      case "hash": return ["HGETALL", key];
      case "zset": return ["ZRANGE", key, 0, -1, "WITHSCORES"];
      case "set": return ["SMEMBERS", key];
      case "list": return ["LRANGE", key, 0, -1];
      default: return ["TYPE", key];
    }
  });
  const values = await redisPipeline(reads);
  const ttls = await redisPipeline(keys.map((k) => ["PTTL", k]));
  // Every live key, whatever its name. Not DBSIZE: it also counts keys whose TTL has run
  // out until Redis gets round to evicting them, which it may do between two snapshots.
  const total = (await redis("KEYS", "*")).length;
  const entries = {};
  keys.forEach((key, i) => {
    if (ttls[i] === -2) return;
    let value = values[i];
    if (types[i] === "hash") {
      const obj = {};
      for (let j = 0; j < value.length; j += 2) obj[value[j]] = value[j + 1];
      value = obj;
    } else if (types[i] === "set") {
      value = [...value].sort();
    }
    entries[key] = { type: types[i], value, ttl: ttls[i] };
  });
  return { at: Date.now(), total, keys: entries };
}

/**
 * Differences between two snapshots, ignoring only what time alone explains: keys
 * whose TTL ran out between them, and TTLs counting down. Returns a list of strings.
 */
export function snapshotDiff(before, after) {
  const elapsed = after.at - before.at + 1000;
  const diffs = [];
  let expired = 0;
  for (const [key, was] of Object.entries(before.keys)) {
    const now = after.keys[key];
    if (!now) {
      if (was.ttl >= 0 && was.ttl <= elapsed) expired += 1;
      else diffs.push(`${key} disappeared`);
      continue;
    }
    if (now.type !== was.type) diffs.push(`${key} changed type ${was.type} -> ${now.type}`);
    try {
      assert.deepEqual(now.value, was.value);
    } catch {
      diffs.push(`${key} changed: ${JSON.stringify(was.value).slice(0, 300)} -> ${JSON.stringify(now.value).slice(0, 300)}`);
    }
    if ((was.ttl === -1) !== (now.ttl === -1)) diffs.push(`${key} TTL ${was.ttl} -> ${now.ttl}`);
    else if (was.ttl >= 0 && now.ttl > was.ttl) diffs.push(`${key} TTL extended ${was.ttl} -> ${now.ttl}`);
  }
  for (const key of Object.keys(after.keys)) {
    if (!before.keys[key]) diffs.push(`${key} appeared: ${JSON.stringify(after.keys[key].value).slice(0, 300)}`);
  }
  // Keys outside the pattern: none may appear or go, save what expired meanwhile.
  if (after.total > before.total || after.total < before.total - expired) {
    diffs.push(`live keys ${before.total} -> ${after.total} (${expired} expired)`);
  }
  return diffs;
}
