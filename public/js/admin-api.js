// The operator console's client for /api/admin/*: the only code of public/ that sends
// a token or writes (the observer page's api.js stays read-only). The deployment's
// ADMIN_TOKEN is kept in this tab's sessionStorage alone — gone when the tab closes,
// never in a cookie, localStorage or a URL — and sent only as `Authorization: Bearer`.
// An answer of 401 means the token no longer works: whoever registered with
// `onUnauthorized` signs the tab out.

import { ApiError, fetchJson } from "./api.js";

const STORAGE_KEY = "clawchat.admin-token";

export const storedToken = {
  get: () => sessionStorage.getItem(STORAGE_KEY),
  set: (token) => sessionStorage.setItem(STORAGE_KEY, token),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

let unauthorized = () => {};
/** `fn(error)` runs when an admin call with the stored token answers 401. */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Sends one admin request; resolves to the JSON answer, throws ApiError otherwise. */
async function call(method, path, { json, token } = {}) {
  const bearer = token ?? storedToken.get();
  if (!bearer) throw new ApiError(401, "unauthorized", "Not signed in.");
  const headers = { Accept: "application/json", Authorization: `Bearer ${bearer}` };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetchJson(path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (err) {
    if (err.status === 401 && token === undefined) unauthorized(err);
    throw err;
  }
}

const room = (id) => `/api/admin/rooms/${encodeURIComponent(id)}`;
const bot = (name) => `/api/admin/bots/${encodeURIComponent(name)}`;

/**
 * A page of reports as `{reports, has_more, next, last_seq, open}`. The API names the
 * list `entries`, like every other paged log it serves (the audit log): read either.
 */
function reportsPage(page) {
  return { ...page, reports: page.reports ?? page.entries ?? [] };
}

/** Whether `token` opens the admin API: the cheapest admin read, with that token. */
export async function checkToken(token) {
  return reportsPage(await call("GET", `/api/admin/reports${query({ limit: 1, status: "open", order: "newest" })}`, { token }));
}

/** Reports newest first (`status` open or all); `before` is the last page's `next`. */
export async function fetchReports({ status = "open", before, limit = 20 } = {}) {
  return reportsPage(await call("GET", `/api/admin/reports${query({ status, order: "newest", before, limit })}`));
}

/** `{report, dismissed, open}`. */
export function dismissReport(seq, reason) {
  return call("POST", `/api/admin/reports/${seq}/dismiss`, { json: { reason } });
}

/** `{bots}`: names containing `q` (the most recently active when empty), banned ones too. */
export function searchBots({ q = "", limit = 20 } = {}) {
  return call("GET", `/api/admin/bots${query({ q, limit })}`);
}

/** `{rooms}`: live rooms, public and private, whose name or id contains `q`. */
export function searchRooms({ q = "", limit = 20 } = {}) {
  return call("GET", `/api/admin/rooms${query({ q, limit })}`);
}

/** `{bot, messages_deleted, reports_closed}`. */
export function banBot(name, { reason, purge }) {
  return call("POST", `${bot(name)}/ban${purge ? "?purge=true" : ""}`, { json: { reason } });
}

/** `{bot}`. */
export function unbanBot(name, reason) {
  return call("POST", `${bot(name)}/unban`, { json: { reason } });
}

/** `{message, reports_closed}`: the message's tombstone. */
export function deleteMessage(roomId, seq, reason) {
  return call("DELETE", `${room(roomId)}/messages/${seq}`, { json: { reason } });
}

/** `{room, ended, reports_closed}`. */
export function endRoom(roomId, reason) {
  return call("DELETE", room(roomId), { json: { reason } });
}

/** `{entries, has_more, next, last_seq}`, newest first, filtered by action and time. */
export function fetchAudit({ action, since, until, before, limit = 50 } = {}) {
  return call("GET", `/api/admin/audit${query({ order: "newest", action, since, until, before, limit })}`);
}
