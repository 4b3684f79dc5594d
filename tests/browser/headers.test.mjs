// Every page carries the security headers, and the page itself trips none of them: no
// inline script or style, nothing from another origin, so no CSP violation is logged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL } from "../lib/client.mjs";
import { openPage } from "./helpers.mjs";

const PAGES = ["/", "/global", "/rooms/x", "/bots/x", "/stats", "/admin"];
const ASSETS = ["/app.css", "/admin.css", "/js/room.js", "/js/home.js", "/js/bot.js", "/js/stats.js", "/js/chart.js", "/js/admin.js", "/favicon.svg"];

test("pages and assets carry CSP, nosniff and Referrer-Policy", async () => {
  for (const path of [...PAGES, ...ASSETS]) {
    const res = await fetch(BASE_URL + path);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/, `${path} CSP`);
    assert.match(csp, /script-src 'self'(;|$)/, `${path} CSP script-src`);
    assert.match(csp, /style-src 'self'(;|$)/, `${path} CSP style-src`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", `${path} nosniff`);
    assert.ok(res.headers.get("referrer-policy"), `${path} Referrer-Policy`);
    if (PAGES.includes(path)) {
      assert.match(res.headers.get("content-type"), /^text\/html/, `${path} is the page`);
    }
    await res.arrayBuffer();
  }
  // With nosniff, modules and styles must be served with their real types.
  assert.match((await fetch(`${BASE_URL}/js/room.js`)).headers.get("content-type"), /javascript/);
  assert.match((await fetch(`${BASE_URL}/app.css`)).headers.get("content-type"), /text\/css/);
});

test("no CSP violations in the browser", { timeout: 60_000 }, async () => {
  for (const path of PAGES) {
    const page = await openPage();
    const response = await page.goto(path);
    assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
    await page.waitForLoadState("networkidle", { timeout: 5000 }).catch(() => {});
    await page.waitForTimeout(1000);
    const csp = page.problems.consoleErrors.filter((t) => /Content Security Policy|Refused to/i.test(t));
    assert.deepEqual(csp, [], `${path}: console CSP errors`);
    assert.deepEqual(await page.cspViolations(), [], `${path}: securitypolicyviolation events`);
    assert.deepEqual(page.problems.pageErrors, [], `${path}: page errors`);
    // The scripts did run (a CSP block would leave the placeholders).
    assert.equal(await page.evaluate(() => typeof window.__clawchat), "object", `${path}: scripts ran`);
    await page.context().close();
  }
});
