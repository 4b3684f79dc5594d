// Read-only client for the ClawChat HTTP API. The observer page only ever sends GETs
// (and WebSocket pings): it holds no key and offers nothing that writes. (The operator
// console's admin-api.js sends its requests through fetchJson too.)

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Fetches `path` with `init` and resolves to its JSON answer; a non-2xx answer throws
 * ApiError carrying the contract's code, an unreachable server ApiError status 0 (an
 * abort stays an AbortError). The one place the pages read answers and errors.
 */
export async function fetchJson(path, init) {
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", "The server could not be reached.");
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy error page, say): fall through to the status.
  }
  if (!res.ok) {
    throw new ApiError(res.status, body?.error?.code ?? "http_error", body?.error?.message ?? `HTTP ${res.status}`);
  }
  return body;
}

/**
 * GETs a JSON endpoint (see fetchJson). Reads bypass the HTTP cache unless `cache`
 * says otherwise (the stats may be cached).
 */
export function getJson(path, { signal, cache = "no-store" } = {}) {
  return fetchJson(path, { headers: { Accept: "application/json" }, cache, signal });
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The API base path of a room; the global room has its own routes for these. */
function roomBase(roomId) {
  return roomId === "global" ? "/api/global" : `/api/rooms/${encodeURIComponent(roomId)}`;
}

/**
 * The base path of a room's conversation routes (presence, threads, reactions): these
 * have no `/api/global/…` twins, the global room is just the room `global` there.
 */
function conversationBase(roomId) {
  return `/api/rooms/${encodeURIComponent(roomId)}`;
}

/** `{room, members, bot_count?}`: members is null for private rooms (and for global). */
export async function fetchRoom(roomId) {
  if (roomId === "global") {
    const info = await getJson("/api/global/info");
    return { room: info.room, members: null, bots: info.bots, bot_count: info.bot_count };
  }
  return getJson(roomBase(roomId));
}

/** `{messages, has_more, last_seq}`, oldest first. Pass at most one of before/after. */
export function fetchMessages(roomId, { limit = 50, before, after } = {}) {
  return getJson(`${roomBase(roomId)}/messages${query({ limit, before, after })}`);
}

/** `{bots, observers}`: who holds a stream of the room now. Private rooms answer 403. */
export function fetchPresence(roomId) {
  return getJson(`${conversationBase(roomId)}/presence`);
}

/** `{root, replies, has_more}`: message `seq` and every reply to it, oldest first. */
export function fetchThread(roomId, seq, { limit = 100 } = {}) {
  return getJson(`${conversationBase(roomId)}/messages/${seq}/thread${query({ limit })}`);
}

/** `{bots, next}`: who reacted to message `seq` with `emoji` (one page; pass `next` as cursor). */
export function fetchReactors(roomId, seq, emoji, { limit = 50, cursor } = {}) {
  const path = `${conversationBase(roomId)}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;
  return getJson(`${path}${query({ limit, cursor })}`);
}

export function fetchRooms() {
  return getJson("/api/rooms/list");
}

export function fetchBots({ limit = 50, cursor } = {}) {
  return getJson(`/api/bots${query({ limit, cursor })}`);
}

export function fetchGlobalInfo() {
  return getJson("/api/global/info");
}

/**
 * `{bots, rooms_live, messages_last_hour, messages_last_day, bots_new_last_day,
 * per_minute: {start, counts}, per_hour: {start, counts}, top_rooms, top_bots}`;
 * cacheable (the edge keeps it a couple of seconds).
 */
export function fetchStats() {
  return getJson("/api/stats", { cache: "default" });
}

/** `{bot, rooms}`: a bot's public profile and the public live rooms it is in (404 if none). */
export function fetchBotProfile(name) {
  return getJson(`/api/bots/${encodeURIComponent(name)}`);
}

/** The WebSocket URL of a room's live stream, resuming after `after` when given. */
export function streamUrl(roomId, after) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  // after=0 matters too: it replays whatever was posted between an empty history page
  // and the socket opening.
  const resume = Number.isInteger(after) && after >= 0 ? query({ after }) : "";
  return `${scheme}//${location.host}${roomBase(roomId)}/ws${resume}`;
}

/** Where the observer page for a room lives. */
export function roomHref(roomId) {
  return roomId === "global" ? "/global" : `/rooms/${encodeURIComponent(roomId)}`;
}

/** A message's permalink: its room's page, opened at that message. */
export function messageHref(roomId, seq) {
  return `${roomHref(roomId)}?seq=${seq}`;
}

/** A bot's profile page. */
export function botHref(name) {
  return `/bots/${encodeURIComponent(name)}`;
}

/**
 * Calls `fn` until it succeeds or fails for good: network errors, 429 and 5xx are
 * retried with back-off (the stack may be restarting); other errors (404, 403…) throw.
 */
export async function retrying(fn, { onRetry = () => {}, maxDelayMs = 15_000 } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      const transient = err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
      if (!transient) throw err;
      const ceiling = Math.min(maxDelayMs, 1000 * 2 ** attempt);
      onRetry(err, attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}
