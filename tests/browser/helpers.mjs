// Shared by the browser tests: a headless system Chromium driven by playwright-core
// (never a downloaded browser), pages that record every console error, page error,
// dialog and CSP violation, small waiting helpers, seeding a scene through the API (with
// the conversation calls bots make: react, edit, typing, report), signing in to the
// operator console, and axe-core. The operator API is `admin()` in tests/lib/client.mjs.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import { chromium } from "playwright-core";
import { admin, api, BASE_URL, createRoom, post, registerBot, uniqueIp } from "../lib/client.mjs";

export { BASE_URL };

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", "artifacts");

/** Launches the system Chromium headless. */
function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

/**
 * A new page in its own context, with `problems` collecting what must never happen:
 * page errors, console errors (CSP violations are reported there), dialogs, and
 * securitypolicyviolation events seen by the page itself.
 */
// One browser per test file (each file runs in its own process), launched on first use
// and closed when the file's tests are done.
let sharedBrowser;
after(async () => {
  if (sharedBrowser) await (await sharedBrowser).close();
});

export async function openPage({ viewport = { width: 1280, height: 800 }, colorScheme = "light" } = {}) {
  sharedBrowser ??= launchBrowser();
  // Each page is its own viewer: its own client address, as the anonymous-read limit
  // counts per address.
  const extraHTTPHeaders = { "CF-Connecting-IP": uniqueIp() };
  const context = await (await sharedBrowser).newContext({ viewport, colorScheme, baseURL: BASE_URL, extraHTTPHeaders });
  const page = await context.newPage();
  const problems = { pageErrors: [], consoleErrors: [], dialogs: [], httpErrors: [] };
  page.on("pageerror", (err) => problems.pageErrors.push(String(err)));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.consoleErrors.push(msg.text());
  });
  // Console errors about failed loads do not say which URL: keep that here.
  page.on("response", (res) => {
    if (res.status() >= 400) problems.httpErrors.push(`${res.status()} ${res.url()}`);
  });
  page.on("dialog", async (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  // Init scripts run outside the page's CSP, so this listener itself is not blocked.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.problems = problems;
  page.cspViolations = () => page.evaluate(() => window.__cspViolations ?? []);
  return page;
}

/** Console errors that are not the expected ones (e.g. a 404 for a page about a gone room). */
export function unexpectedConsoleErrors(page, allowed = []) {
  const errors = page.problems.consoleErrors.filter((text) => !allowed.some((pattern) => pattern.test(text)));
  // Name the URLs behind "Failed to load resource" messages.
  return errors.length && page.problems.httpErrors.length ? [...errors, ...page.problems.httpErrors] : errors;
}

/** Waits until the page's live stream says it is live. */
export async function waitLive(page, timeout = 15_000) {
  await page.locator('[data-status][data-state="live"]').waitFor({ timeout });
}

/** The message seqs shown, in page order. */
export function shownSeqs(page) {
  return page.$$eval(".feed-list .msg", (els) => els.map((el) => Number(el.dataset.seq)));
}

/** A screenshot file under tests/artifacts/. */
export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** A message's path under its room (the global room is `global` on these routes). */
const messagePath = (roomId, seq) => `/api/rooms/${encodeURIComponent(roomId)}/messages/${seq}`;

/** `bot` reacts to message `seq` of `roomId` with `emoji`; resolves to the message. */
export async function react(bot, roomId, seq, emoji, method = "PUT") {
  const res = await api(method, `${messagePath(roomId, seq)}/reactions/${encodeURIComponent(emoji)}`, { key: bot.key });
  if (res.status !== 200) throw new Error(`${method} reaction ${emoji} on ${roomId}/${seq}: ${res.status} ${res.text}`);
  return res.body.message;
}

/** `bot` takes its `emoji` reaction back. */
export function unreact(bot, roomId, seq, emoji) {
  return react(bot, roomId, seq, emoji, "DELETE");
}

/** `bot` edits its message `seq`; resolves to the edited message. */
export async function edit(bot, roomId, seq, content) {
  const res = await api("PATCH", messagePath(roomId, seq), { key: bot.key, json: { content } });
  if (res.status !== 200) throw new Error(`edit ${roomId}/${seq}: ${res.status} ${res.text}`);
  return res.body.message;
}

/** `bot` says it is typing in `roomId`. */
export async function typing(bot, roomId) {
  const res = await api("POST", `/api/rooms/${encodeURIComponent(roomId)}/typing`, { key: bot.key });
  if (res.status !== 204) throw new Error(`typing in ${roomId}: ${res.status} ${res.text}`);
}

/**
 * `bot` reports `message` to the operators with `reason`; resolves to the report as the
 * operators' queue shows it (the report call answers only `{reported: true}`).
 */
export async function report(bot, message, reason) {
  const res = await api("POST", `${messagePath(message.room_id, message.seq)}/report`, { key: bot.key, json: { reason } });
  if (res.status !== 202) throw new Error(`report ${message.room_id}/${message.seq}: ${res.status} ${res.text}`);
  const queue = await admin("GET", "/api/admin/reports?status=all&order=newest&limit=50");
  if (queue.status !== 200) throw new Error(`reading the reports: ${queue.status} ${queue.text}`);
  // The queue's list is `entries` (as in every paged admin log).
  const found = queue.body.entries.find(
    (r) => r.room_id === message.room_id && r.message_seq === message.seq && r.reporter.id === bot.bot.id,
  );
  if (!found) throw new Error(`report of ${message.room_id}/${message.seq} not in the queue`);
  return found;
}

/** The console's Authorization headers and URLs of every admin request a page sends. */
export function recordAdminRequests(page) {
  const seen = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/admin/")) seen.push({ method: r.method(), url: r.url(), auth: r.headers().authorization });
  });
  return seen;
}

/** Opens /admin (at `hash`, a section) and signs in with `token`; resolves once the console shows. */
export async function signInToConsole(page, { token = process.env.ADMIN_TOKEN, hash = "" } = {}) {
  await page.goto(`/admin${hash}`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("[data-console]:not([hidden])").waitFor();
}

/**
 * Seeds a scene through the API, so pages show a real conversation. `bots` maps a label
 * to a description; each bot registers under a unique name that starts with its label.
 * `steps` run in order, as order is what pages show (activity sorts the directories):
 *
 * - `{ room: label, owner, invite, ...fields }` creates a room as bot `owner`, inviting
 *   the bots labelled in `invite`; other fields as POST /api/rooms/create takes them
 *   (the name is unique unless given).
 * - `{ by, in, say, as, replyTo, removed }` posts `say` as bot `by` in room `in` (a label,
 *   or "global"), "@label" in it standing for that bot's @name; `as` labels the message,
 *   `replyTo` answers a labelled one, and `removed` has an operator delete it at once.
 * - `{ by, react: label, emoji }` has bot `by` react to a labelled message.
 * - `{ by, edit: label, to }` has bot `by` (its author) change it to `to` ("@label" as above).
 *
 * Resolves to every label's bot ({bot, key}), room or message.
 */
export async function seed({ bots = {}, steps = [] }) {
  const scene = {};
  const name = (label, value) => {
    if (label in scene || label === "global") throw new Error(`seed: the label ${label} is taken`);
    scene[label] = value;
  };
  const get = (label) => {
    if (!(label in scene)) throw new Error(`seed: no ${label} (yet)`);
    return scene[label];
  };
  for (const [label, description] of Object.entries(bots)) name(label, await registerBot(label, description));
  for (const step of steps) {
    if ("room" in step) {
      const { room, owner, invite, ...fields } = step;
      const invited = invite?.map((label) => get(label).bot.name);
      name(room, await createRoom(get(owner), { ...fields, ...(invited ? { invite: invited } : {}) }));
      continue;
    }
    const mentions = (text) => text.replace(/@([A-Za-z0-9_-]+)/g, (mention, label) => (label in bots ? `@${scene[label].bot.name}` : mention));
    if ("react" in step) {
      const message = get(step.react);
      await react(get(step.by), message.room_id, message.seq, step.emoji);
      continue;
    }
    if ("edit" in step) {
      const message = get(step.edit);
      scene[step.edit] = await edit(get(step.by), message.room_id, message.seq, mentions(step.to));
      continue;
    }
    const { by, in: where, say, as, replyTo, removed } = step;
    const roomId = where === "global" ? "global" : get(where).id;
    const content = mentions(say);
    const message = await post(get(by), roomId, content, replyTo === undefined ? {} : { reply_to: get(replyTo).seq });
    if (as !== undefined) name(as, message);
    if (removed) {
      const res = await admin("DELETE", `/api/admin/rooms/${roomId}/messages/${message.seq}`);
      if (res.status !== 200) throw new Error(`seed: removing ${roomId}/${message.seq}: ${res.status} ${res.text}`);
    }
  }
  return scene;
}

/** The WCAG 2.0 and 2.1 rules, levels A and AA. */
export const WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
let axeSource;

/**
 * Runs axe-core's WCAG A and AA rules on the page as it is now and returns the
 * violations as readable lines ("rule (impact): help" and, under it, each element and
 * what fails), or [] when the page is clean. The page's CSP forbids inline scripts, so
 * an injected <script> would be blocked; page.evaluate runs axe through the DevTools
 * protocol, which the CSP does not govern.
 */
export async function axeViolations(page) {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const { violations } = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    WCAG_AA,
  );
  return violations.flatMap((v) => [
    `${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}`,
    ...v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary.replace(/\s*\n\s*/g, " ")}`),
  ]);
}
