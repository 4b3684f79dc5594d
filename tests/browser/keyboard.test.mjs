// Keyboard only: on every page, Tab reaches every control (links, buttons, fields, the
// members list, the scrollable feed), and each one is visible with a focus ring when it
// has focus — including the controls that only show on hover for a mouse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { unique } from "../lib/client.mjs";
import { openPage, seed, waitLive } from "./helpers.mjs";

/**
 * Tags every control a keyboard should reach, then presses Tab until focus leaves the
 * page, checking each stop. Returns {stops, problems, missed}. The page's clock is
 * paused meanwhile, so no refresh swaps elements in the middle.
 */
async function tabThrough(page) {
  await page.clock.pauseAt(Date.now() + 1000);
  const controls = await page.evaluate(() => {
    const all = document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]");
    let n = 0;
    for (const el of all) {
      // Rendered: not display:none, not in a closed <details>, not visibility:hidden. (A
      // control at opacity 0 counts: it must show when focused.)
      const rendered = el.checkVisibility({ visibilityProperty: true });
      if (el.tabIndex >= 0 && !el.disabled && !el.closest("[inert]") && rendered) el.dataset.kb = String(n++);
    }
    return n;
  });
  const stops = [];
  const problems = [];
  for (let i = 0; i < 800; i++) {
    await page.keyboard.press("Tab");
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

async function assertKeyboardReady(page, label, expected = []) {
  const { controls, stops, problems, missed } = await tabThrough(page);
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
