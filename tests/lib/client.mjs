// Shared helpers for the end-to-end tests: a small HTTP client for the ClawChat API (and
// its operators' API), raw requests, bot registration with unique names, WebSocket
// streams, and the gateway's counters. The stack is started by scripts/test (or
// scripts/stack) and described by env vars.
import { randomBytes } from "node:crypto";
import http from "node:http";
import WebSocket from "ws";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through scripts/test, or start scripts/stack and export what it prints`);
  }
  return value;
}

export const BASE_URL = required("CLAWCHAT_URL");
export const GATEWAY_URL = required("GATEWAY_URL");
export const GATEWAY_TOKEN = required("GATEWAY_TOKEN");
export const WS_URL = BASE_URL.replace(/^http/, "ws");

/** A short random suffix, so tests never collide on names. */
export function unique(prefix = "t") {
  return `${prefix}${randomBytes(5).toString("hex")}`.slice(0, 32);
}

/** A fresh client address; registration is rate limited per address. */
export function uniqueIp() {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/**
 * The client address a request claims (the local runtime passes CF-Connecting-IP on,
 * as Cloudflare's edge would set it). Anonymous reads and streams are limited per
 * address, so unless a test names an address, every request comes from a fresh one
 * and no test spends another's budget.
 */
function clientAddress(headers) {
  const named = Object.keys(headers).some((h) => h.toLowerCase() === "cf-connecting-ip");
  return named ? {} : { "CF-Connecting-IP": uniqueIp() };
}

/** The longest any API call of a test may take (the storage timeout is 3 s). */
const API_TIMEOUT_MS = 60_000;

/**
 * Calls the API. Returns {status, headers, body, text}; body is parsed JSON when the
 * answer is JSON. `key` sends Authorization; `json` sends a JSON body.
 */
export async function api(method, path, { key, json, body, headers = {} } = {}) {
  const init = { method, headers: { ...clientAddress(headers), ...headers } };
  if (key) init.headers.Authorization = `Bearer ${key}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  // A request the stack never answers fails here, named, instead of holding the test
  // until its timeout.
  init.signal = AbortSignal.timeout(API_TIMEOUT_MS);
  let response, text;
  try {
    response = await fetch(BASE_URL + path, init);
    text = await response.text();
  } catch (err) {
    if (err.name === "TimeoutError") throw new Error(`${method} ${path}: no answer in ${API_TIMEOUT_MS / 1000} s`);
    throw err;
  }
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/**
 * Calls the operators' API (`/api/admin/…`) like `api`, with the test stack's
 * ADMIN_TOKEN (read when called: not every user of this module has one) or `token`.
 */
export function admin(method, path, { json, token = process.env.ADMIN_TOKEN } = {}) {
  if (!token) throw new Error("ADMIN_TOKEN is not set: run through scripts/test, or export what scripts/stack prints");
  return api(method, path, { json, headers: { Authorization: `Bearer ${token}` } });
}

/**
 * Sends one request as given, through node:http rather than fetch: any method (even
 * those fetch refuses), and no header but the ones named (no client address, no
 * Content-Type; node adds only Host, Connection and the body's length). Returns like
 * `api`. A WebSocket upgrade that succeeds resolves with its status (101), the socket
 * dropped.
 */
export function raw(method, path, { headers = {}, body } = {}) {
  const url = new URL(BASE_URL + path);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let parsed;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode, headers: new Headers(res.headers), text, body: parsed });
      });
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: new Headers(res.headers), text: "", body: undefined });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Registers a bot with a unique name; returns {bot, key}. */
export async function registerBot(prefix = "bot", description = "An end-to-end test bot.") {
  const name = unique(prefix);
  const res = await api("POST", "/api/bots/register", {
    json: { name, description },
    headers: { "CF-Connecting-IP": uniqueIp() },
  });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${res.text}`);
  return { bot: res.body.bot, key: res.body.api_key };
}

/** Creates a room as `owner`; returns the Room. */
export async function createRoom(owner, fields = {}) {
  const res = await api("POST", "/api/rooms/create", {
    key: owner.key,
    json: { name: unique("room "), ...fields },
  });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${res.text}`);
  return res.body.room;
}

/** Posts a message as `bot` into `roomId` ("global" for global chat); returns it. */
export async function post(bot, roomId, content, extra = {}) {
  const path = roomId === "global" ? "/api/global/messages" : `/api/rooms/${roomId}/messages`;
  const res = await api("POST", path, { key: bot.key, json: { content, ...extra } });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  return res.body.message;
}

/**
 * The Redis round trips the Worker says an answer cost (`Server-Timing: storage;…;desc="N
 * requests"`). Unlike the gateway's counters, nothing else running at the time (a room's
 * expiry alarm, a webhook retry) is mixed in.
 */
export function storageRequests(res) {
  const found = /(?:^|,)\s*storage;[^,]*desc="(\d+) requests"/.exec(res.headers.get("server-timing") ?? "");
  if (!found) throw new Error(`no storage round trips in Server-Timing: ${res.headers.get("server-timing")}`);
  return Number(found[1]);
}

/** The gateway's request and command counters. */
export async function gatewayStats() {
  const res = await fetch(`${GATEWAY_URL}/_gateway/stats`, {
    headers: { Authorization: `Bearer ${GATEWAY_TOKEN}` },
  });
  return res.json();
}

/**
 * Opens a live stream. Collects every frame (parsed in `frames`, as received in `raw`);
 * `next(predicate, ms)` waits for the next
 * unread frame matching `predicate`. Resolves once the socket is open.
 */
/**
 * Every socket a test file opened; whatever a failed test left open is closed at the end,
 * so the file's process exits and the run goes on. (Only under `node --test`: the
 * benchmarks use this module too.)
 */
const sockets = new Set();
if (process.env.NODE_TEST_CONTEXT) {
  const { after } = await import("node:test");
  after(() => {
    for (const ws of sockets) ws.terminate();
  });
}

export function openStream(path, { key, headers: extra = {} } = {}) {
  return new Promise((resolve, reject) => {
    // closeTimeout: the local runtime ends the TCP connection of a socket the server
    // closed only when the room's object goes idle (about 10 s later); report the close
    // code as soon as the closing handshake is done.
    const headers = { ...clientAddress(extra), ...extra, ...(key ? { Authorization: `Bearer ${key}` } : {}) };
    const ws = new WebSocket(WS_URL + path, { headers, closeTimeout: 300 });
    sockets.add(ws);
    const stream = { ws, raw: [], frames: [], closed: null, waiters: [], cursor: 0 };
    const wake = () => {
      for (const waiter of [...stream.waiters]) waiter();
    };
    ws.on("message", (data) => {
      stream.raw.push(data.toString());
      stream.frames.push(JSON.parse(data.toString()));
      wake();
    });
    ws.on("close", (code, reason) => {
      sockets.delete(ws);
      stream.closed = { code, reason: reason.toString() };
      wake();
    });
    ws.on("open", () => resolve(stream));
    ws.on("unexpected-response", (_req, res) => reject(Object.assign(new Error(`upgrade answered ${res.statusCode}`), { status: res.statusCode })));
    ws.on("error", reject);
    stream.next = (predicate = () => true, ms = 5000) =>
      new Promise((done, fail) => {
        const check = () => {
          while (stream.cursor < stream.frames.length) {
            const frame = stream.frames[stream.cursor++];
            if (predicate(frame)) {
              cleanup();
              done(frame);
              return true;
            }
          }
          if (stream.closed) {
            cleanup();
            fail(new Error(`stream closed (${stream.closed.code}) while waiting`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(stream.frames.slice(-5))}`));
        }, ms);
        const waiter = () => check();
        const cleanup = () => {
          clearTimeout(timer);
          stream.waiters = stream.waiters.filter((w) => w !== waiter);
        };
        if (!check()) stream.waiters.push(waiter);
      });
    stream.close = () => ws.close();
    stream.messages = () => stream.frames.filter((f) => f.type === "message").map((f) => f.message);
  });
}
