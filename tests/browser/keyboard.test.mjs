// Keyboard only: on every page, Tab reaches every control (links, buttons, fields, the
// members list, the scrollable feed), and each one is visible with a focus ring when it
// has focus — including the controls that only show on hover for a mouse. The
// conversation's controls too: reaction chips and who reacted, "View thread", the bots
// who are here, and the thread view, which keeps Tab inside while it is open. The
// stats page and the operator console too: signing in, each section (its tabs move
// with the arrow keys), and the confirmation dialog.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openStream, unique } from "../lib/client.mjs";
import { openPage, report, seed, waitLive } from "./helpers.mjs";

/**
 * Tags every control a keyboard should reach (inside `within`, a selector, when given:
 * an open modal dialog leaves the rest of the page inert), then presses Tab until focus
 * leaves the page, checking each stop; with `within`, the control focused now (the
 * dialog's first) is the first stop. Returns {stops, problems, missed}. The page's
 * clock is paused meanwhile, so no refresh swaps elements in the middle.
 */
async function tabThrough(page, within = null) {
  await page.clock.pauseAt(Date.now() + 1000);
  const controls = await page.evaluate((within) => {
    for (const el of document.querySelectorAll("[data-kb]")) delete el.dataset.kb; // an earlier round's
    const root = within ? document.querySelector(within) : document;
    const all = root.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]");
    let n = 0;
    for (const el of all) {
      // Rendered: not display:none, not in a closed <details>, not visibility:hidden. (A
      // control at opacity 0 counts: it must show when focused.)
      const rendered = el.checkVisibility({ visibilityProperty: true });
      if (el.tabIndex >= 0 && !el.disabled && !el.closest("[inert]") && rendered) el.dataset.kb = String(n++);
    }
    return n;
  }, within);
  const stops = [];
  const problems = [];
  for (let i = 0; i < 800; i++) {
    if (i > 0 || !within) await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const label = `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ")[0] : ""} "${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40)}"`;
      // A room card's link draws its ring around the whole card.
      const ringed = el.matches(".stretched") ? el.closest(".room-card") : el;
      const style = getComputedStyle(ringed);
      const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 && style.outlineColor !== "rgba(0, 0, 0, 0)";
      let opacity = 1;
      for (let node = el; node; node = node.parentElement) opacity *= Number(getComputedStyle(node).opacity);
      const box = el.getBoundingClientRect();
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      const inView = box.width > 0 && box.height > 0 && x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight;
      const hit = inView ? document.elementFromPoint(x, y) : null;
      const onTop = Boolean(hit && (el === hit || el.contains(hit)));
      return { id: el.dataset.kb ?? null, label, ring, visible: inView && onTop && opacity === 1 };
    });
    if (!stop) break;
    if (stops.length && stop.id !== null && stop.id === stops[0].id) break; // went round
    stops.push(stop);
    if (!stop.ring) problems.push(`no focus ring: ${stop.label}`);
    if (!stop.visible) problems.push(`not visible on focus: ${stop.label}`);
  }
  const reached = new Set(stops.map((s) => s.id));
  const missed = await page.evaluate(
    (ids) => [...document.querySelectorAll("[data-kb]")].filter((el) => !ids.includes(el.dataset.kb)).map((el) => el.outerHTML.slice(0, 120)),
    [...reached],
  );
  return { controls, stops, problems, missed };
}

/** Moves focus to the start of the page, so the next Tab reaches its first control. */
async function focusStart(page) {
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
  });
}

async function assertKeyboardReady(page, label, expected = [], within = null) {
  const { controls, stops, problems, missed } = await tabThrough(page, within);
  assert.deepEqual(problems, [], `${label}: ${problems.join("\n")}`);
  assert.deepEqual(missed, [], `${label}: never reached by Tab`);
  assert.ok(controls > 0 && stops.length >= controls, `${label}: ${stops.length} stops for ${controls} controls`);
  for (const pattern of expected) {
    assert.ok(stops.some((s) => pattern.test(s.label)), `${label}: ${pattern} among ${stops.map((s) => s.label).join(", ")}`);
  }
}

test("keyboard only: every control is reachable and visible on focus", { timeout: 180_000 }, async () => {
  const { kbAda: ada, room, secret } = await seed({
    bots: { kbAda: "Talks to be tabbed through.", kbBolt: "Replies." },
    steps: [
      { room: "room", owner: "kbAda", name: unique("Keyboard ") },
      { by: "kbAda", in: "room", say: "A question for @kbBolt", as: "q" },
      { by: "kbBolt", in: "room", say: "An answer.", replyTo: "q" },
      { by: "kbBolt", in: "room", say: "And a follow-up, grouped under the answer." },
      { by: "kbAda", in: "room", say: "removed by an operator", removed: true },
      { room: "secret", owner: "kbAda", name: unique("Keyboard private "), visibility: "private", invite: ["kbBolt"] },
      { by: "kbAda", in: "global", say: "Hello from the keyboard test, @kbBolt" },
    ],
  });

  const pages = [
    ["/", [/^a\.skip-link/, /^input\.filter-name/, /^select/, /^div\.feed-scroll/, /^a\.stretched/, /^a "kbAda/, /^button\.msg-copy/]],
    ["/global", [/^a\.skip-link/, /^a\.msg-author/, /^a\.msg-permalink/, /^button\.msg-copy/, /^a\.mention/]],
    [`/rooms/${room.id}`, [/^summary/, /^a\.msg-author/, /^a\.msg-permalink/, /^a\.seq-link/, /^button\.msg-copy/, /^div\.feed-scroll/]],
    [`/rooms/${secret.id}`, [/^a\.skip-link/, /^a "All rooms/]],
    ["/rooms/r_0000000000000000", [/^a "See the rooms/]],
    [`/bots/${ada.bot.name}`, [/^a\.stretched/]],
    [`/bots/${unique("nobody")}`, [/^a "See the live rooms/]],
  ];
  for (const [path, expected] of pages) {
    const page = await openPage();
    await page.clock.install();
    await page.goto(path);
    if (path === "/" || !path.startsWith("/bots/")) await page.locator("[data-status]:not([data-state=connecting])").waitFor();
    if (path === "/") await page.locator(".room-card").first().waitFor();
    if (path === "/") await page.locator(".bot-item").first().waitFor();
    if (path.startsWith("/bots/")) await page.locator("#bot-title:not(:has-text('Loading'))").waitFor();
    if (path === `/rooms/${room.id}`) await waitLive(page);
    await assertKeyboardReady(page, path, expected);
    await page.context().close();
  }
});

test("keyboard only: reactions, who reacted, threads and who is here", { timeout: 120_000 }, async () => {
  const { kcBolt: bolt, room, answer } = await seed({
    bots: { kcAda: "Asks.", kcBolt: "Answers and reacts." },
    steps: [
      { room: "room", owner: "kcAda", name: unique("Keyboard talk ") },
      { by: "kcAda", in: "room", say: "Which sort?", as: "q" },
      { by: "kcBolt", in: "room", say: "Timsort.", replyTo: "q", as: "answer" },
      { by: "kcBolt", edit: "answer", to: "Timsort, mostly." },
      { by: "kcBolt", react: "q", emoji: "👍" },
      { by: "kcAda", react: "answer", emoji: "🎉" },
    ],
  });
  const here = await openStream(`/api/rooms/${room.id}/ws`, { key: bolt.key });
  const page = await openPage();
  await page.clock.install();
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  await page.locator(".reaction").first().waitFor();
  await page.locator("[data-presence] .presence-bot").waitFor({ timeout: 10_000 });
  await assertKeyboardReady(page, "a room with reactions and presence", [/^button\.reaction "👍/, /^button\.msg-thread/, /^a\.presence-bot/]);

  // Who reacted: its names are the next stops after the chip.
  await page.locator(".reaction").first().focus();
  await page.keyboard.press("Enter");
  await page.locator(".reaction-who-bot").first().waitFor();
  await focusStart(page);
  await assertKeyboardReady(page, "who reacted", [/^a\.reaction-who-bot/]);
  await page.locator(".reaction-who-bot").first().focus();
  await page.keyboard.press("Escape");
  assert.equal(await page.locator(".reaction-who").count(), 0);

  // The thread view: Enter opens it, Tab stays in it, Escape closes it.
  const opener = page.locator(`.feed-list .msg[data-seq="${answer.seq}"] .msg-thread`);
  await opener.focus();
  await page.keyboard.press("Enter");
  await page.locator(`dialog .msg[data-seq="${answer.seq}"]`).waitFor();
  assert.equal(await page.locator(".thread-close").evaluate((el) => el === document.activeElement), true, "focus starts on Close");
  await assertKeyboardReady(page, "the thread view", [/^button\.thread-close/, /^div\.thread-scroll/, /^button\.reaction "🎉/], "dialog[open]");
  await page.keyboard.press("Escape");
  await page.locator("dialog[open]").waitFor({ state: "detached" });
  assert.equal(await opener.evaluate((el) => el === document.activeElement), true, "focus is back on View thread");
  here.close();
  await page.context().close();
});

test("keyboard only: the stats page and every section of the operator console, and its dialog", { timeout: 180_000 }, async () => {
  const { kbRep: rep, bad } = await seed({
    bots: { kbRep: "Reports.", kbAuthor: "Gets reported." },
    steps: [
      { room: "room", owner: "kbAuthor", name: unique("Keyboard reports ") },
      { by: "kbAuthor", in: "room", say: "before" },
      { by: "kbAuthor", in: "room", say: "reported with the keyboard, @kbRep", as: "bad" },
      { by: "kbRep", in: "room", say: "after" },
    ],
  });
  await report(rep, bad, "Keyboard test");

  const stats = await openPage();
  await stats.clock.install();
  await stats.goto("/stats");
  await stats.waitForFunction(() => window.__clawchat.updates === 1);
  await assertKeyboardReady(stats, "/stats", [/^a\.skip-link/, /^a "Stats|^a "All rooms/, /^summary "Show as table/, /^a\.top-name/]);
  await stats.context().close();

  const page = await openPage();
  await page.clock.install();
  await page.goto("/admin");
  await page.getByLabel("Admin token").waitFor();
  await assertKeyboardReady(page, "/admin signed out", [/^input\.field/, /^button\.button "Sign in/]);

  // Signing in with the keyboard alone: type, Enter; focus lands on the selected tab.
  await page.getByLabel("Admin token").focus();
  await page.keyboard.type(process.env.ADMIN_TOKEN);
  await page.keyboard.press("Enter");
  await page.locator("[data-console]:not([hidden])").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-reports", "focus is on the Reports tab");
  await page.locator(".report-context").first().waitFor();
  await focusStart(page);
  await assertKeyboardReady(page, "/admin reports", [/^button\.tab "Reports/, /^input/, /^button\.button "Refresh/, /^a "Open message/, /^button\.button "Delete message/, /^button\.button "Ban @/, /^button\.button "Dismiss/]);

  // The tabs: arrow keys move between them (one Tab stop), each section reachable.
  const sections = [
    ["tab-bots", "[data-bot-results] li", [/^input\.field/, /^button\.button "Search/, /^a "/, /^button\.button "Ban/]],
    ["tab-rooms", "[data-room-results] li", [/^input\.field/, /^button\.button "Search/, /^button\.button "End room/]],
    ["tab-audit", "[data-audit-rows] tr", [/^select\.field/, /^input\.field/, /^button\.button "Apply/, /^button\.button "Clear/]],
    ["tab-activity", "#panel-activity svg", [/^summary "Show as table/]],
  ];
  for (const [id, ready, expected] of sections) {
    await page.locator('[role="tab"][aria-selected="true"]').focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.evaluate(() => document.activeElement.id), id);
    assert.equal(await page.locator(`#${id}`).getAttribute("aria-selected"), "true");
    await page.locator(ready).first().waitFor();
    await focusStart(page);
    await assertKeyboardReady(page, `/admin ${id}`, [/^button\.tab/, ...expected]);
  }
  await page.locator('[role="tab"][aria-selected="true"]').focus();
  await page.keyboard.press("Home");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-reports", "Home goes to the first tab");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-activity", "and round to the last");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.locator("#panel-reports").isVisible(), true);

  // The dialog: Enter opens it, focus starts on the reason, Tab stays inside, Escape closes it.
  const dismiss = page.locator("[data-report-list] [data-action=dismiss]").first();
  await dismiss.waitFor();
  await dismiss.focus();
  await page.keyboard.press("Enter");
  await page.locator("dialog[open]").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "confirm-reason");
  await assertKeyboardReady(page, "the confirmation dialog", [/^textarea/, /^button\.button "Cancel/, /^button\.button "Dismiss report/], "dialog[open]");
  await page.keyboard.press("Escape");
  await page.locator("dialog[open]").waitFor({ state: "detached" });
  assert.equal(await dismiss.evaluate((el) => el === document.activeElement), true, "focus is back on Dismiss");
  await page.context().close();
});
