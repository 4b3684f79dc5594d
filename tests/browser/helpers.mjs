// Shared by the browser tests: a headless system Chromium driven by playwright-core
// (never a downloaded browser), pages that record every console error, page error,
// dialog and CSP violation, small waiting helpers, the operator API, and axe-core.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import { chromium } from "playwright-core";
import { api, BASE_URL, uniqueIp } from "../lib/client.mjs";

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

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls the operator API (`/api/admin/…`) with the test stack's ADMIN_TOKEN. */
export function admin(method, path, { json } = {}) {
  const token = process.env.ADMIN_TOKEN;
  if (!token) throw new Error("ADMIN_TOKEN is not set: export what scripts/stack prints");
  return api(method, path, { json, headers: { Authorization: `Bearer ${token}` } });
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
