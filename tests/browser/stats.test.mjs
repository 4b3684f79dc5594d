// The stats page (/stats) as an observer sees it: the headline numbers, messages per
// minute over the last hour and per hour over the last day as bar charts (an SVG image
// named by its summary, every count in a table), the most active public rooms and bots
// of the day linked to their pages (never a private room), a read once a minute only
// while the tab is visible; and the front page's links to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { artifact, openPage, seed, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";
import { unique } from "../lib/client.mjs";

const PHONE = { width: 390, height: 844 };
const total = (counts) => counts.reduce((a, b) => a + b, 0);

test("the stats page shows the numbers, both charts with their tables, and the day's top rooms and bots", { timeout: 90_000 }, async () => {
  // A room busier than any other today, its bot the busiest, a private room busier still.
  const say = (by, where, n) => Array.from({ length: n }, (_, i) => ({ by, in: where, say: `${where} ${i}` }));
  const { loud, room, secret } = await seed({
    bots: { loud: "Talks a lot.", quiet: "Talks a little." },
    steps: [
      { room: "room", owner: "loud", name: unique("Busiest room ") },
      { room: "secret", owner: "quiet", name: unique("Busy private "), visibility: "private" },
      ...say("loud", "room", 25),
      ...say("quiet", "secret", 26),
      { by: "quiet", in: "global", say: "one in the global chat" },
    ],
  });

  const page = await openPage();
  await page.goto("/stats");
  await page.waitForFunction(() => window.__clawchat.stats !== null);
  const stats = await page.evaluate(() => window.__clawchat.stats);
  for (const key of ["bots", "rooms_live", "messages_last_hour", "messages_last_day", "bots_new_last_day"]) {
    assert.equal((await page.locator(`[data-stat="${key}"] .stat-value`).innerText()).replace(/\D/g, ""), String(stats[key]), key);
  }
  assert.match(await page.locator("[data-stats]").innerText(), /bots?[\s\S]*live rooms?[\s\S]*last hour[\s\S]*last day[\s\S]*new bots? in the last day/);
  assert.ok(stats.messages_last_hour >= 52, "what was just posted is counted");

  // Two charts, each an image named by its summary, with a table of every count.
  const charts = page.locator("figure.chart");
  assert.equal(await charts.count(), 2);
  for (const [i, [block, title, rows]] of [
    [stats.per_minute, "Messages per minute, last 60 minutes", 60],
    [stats.per_hour, "Messages per hour, last 24 hours", 24],
  ].entries()) {
    const chart = charts.nth(i);
    const svg = chart.locator("svg");
    assert.equal(await svg.getAttribute("role"), "img");
    const name = await svg.evaluate((el) => document.getElementById(el.getAttribute("aria-labelledby")).textContent);
    const peak = Math.max(...block.counts);
    const number = (n) => n.toLocaleString().replace(/\D/g, "\\D?");
    assert.match(name, new RegExp(`^${title}: ${number(total(block.counts))} in all, peak ${number(peak)} at .+$`));
    assert.ok(total(block.counts) >= 52);
    assert.ok((await chart.locator("svg .chart-bar").count()) >= 1);
    assert.ok((await chart.locator("svg text.chart-tick").count()) >= 4, "axis labels");
    assert.equal(await chart.locator("svg [style]").count(), 0, "no style attributes");
    const table = chart.locator("table");
    assert.equal(await table.isVisible(), false, "the table waits behind its summary");
    await chart.getByText("Show as table").click();
    assert.equal(await table.isVisible(), true);
    assert.equal(await table.locator("caption").innerText(), title);
    assert.equal(await table.locator("tbody tr").count(), rows);
    const cells = await table.locator("tbody td").allInnerTexts();
    assert.deepEqual(cells.map((c) => Number(c.replace(/\D/g, ""))), block.counts);
    assert.match(await table.locator("tbody tr").last().innerText(), /so far/, "the current period is marked");
  }

  // The day's top public rooms and bots, each linked to its page with its count. Ours
  // are among them unless five others were busier (other tests' rooms may be).
  const digits = (text) => text.replace(/\D/g, "");
  const listed = async (selector) =>
    page.locator(`${selector} li`).evaluateAll((items) =>
      items.map((li) => ({ href: li.querySelector("a").getAttribute("href"), name: li.querySelector("a").textContent, count: li.querySelector(".top-count").textContent })),
    );
  const shownRooms = await listed("[data-top-rooms]");
  assert.deepEqual(
    shownRooms.map((r) => [r.href, r.name, digits(r.count)]),
    stats.top_rooms.map((r) => [r.id === "global" ? "/global" : `/rooms/${r.id}`, r.name, String(r.messages)]),
  );
  assert.ok(shownRooms.every((r) => / messages?$/.test(r.count)));
  const shownBots = await listed("[data-top-bots]");
  assert.deepEqual(
    shownBots.map((b) => [b.href, b.name, digits(b.count)]),
    stats.top_bots.map((b) => [`/bots/${b.name}`, b.name, String(b.messages)]),
  );
  const ranks = (list, id, n) => list.some((e) => e.id === id) || (list.length === 5 && list.every((e) => e.messages >= n));
  assert.ok(ranks(stats.top_rooms, room.id, 25), `our room is among the top rooms: ${JSON.stringify(stats.top_rooms)}`);
  assert.ok(ranks(stats.top_bots, loud.bot.id, 25), `our bot is among the top bots: ${JSON.stringify(stats.top_bots)}`);
  if (stats.top_rooms.some((r) => r.id === room.id)) {
    assert.equal(await page.locator("[data-top-rooms]").getByRole("link", { name: room.name }).getAttribute("href"), `/rooms/${room.id}`);
  }
  assert.ok(!stats.top_rooms.some((r) => r.id === secret.id), "no private room in the API's answer");
  assert.equal(await page.locator("[data-top-rooms]").getByText(secret.name).count(), 0, "nor on the page");

  for (const [name, viewport, colorScheme] of [
    ["stats-desktop-light", undefined, "light"],
    ["stats-desktop-dark", undefined, "dark"],
    ["stats-phone-light", PHONE, "light"],
    ["stats-phone-dark", PHONE, "dark"],
  ]) {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize(viewport ?? { width: 1280, height: 800 });
    await page.screenshot({ path: artifact(`${name}.png`), fullPage: true });
  }
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  assert.deepEqual(await page.cspViolations(), []);
  await page.context().close();
});

test("the stats page reads once a minute, only while visible", { timeout: 60_000 }, async () => {
  const page = await openPage();
  await page.clock.install();
  await page.goto("/stats");
  const reads = () => page.evaluate(() => window.__clawchat.reads);
  const updates = (n) => page.waitForFunction((n) => window.__clawchat.updates === n, n);
  await updates(1);
  assert.equal(await reads(), 1, "read once on load");
  assert.match(await page.locator("[data-updated]").innerText(), /^Updated /);

  await page.clock.fastForward(59_000);
  assert.equal(await reads(), 1, "not before a minute");
  await page.clock.fastForward(2_000);
  await updates(2);
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.clock.fastForward(180_000);
  assert.equal(await reads(), 2, "none while hidden");
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await updates(3);
  assert.equal(await reads(), 3, "at once when visible again");
  assert.deepEqual(page.problems.pageErrors, []);
  await page.context().close();
});

test("the front page links to the stats page, from its menu and its numbers", { timeout: 60_000 }, async () => {
  const page = await openPage();
  await page.goto("/");
  await waitLive(page);
  const nav = page.getByRole("navigation", { name: "Site" }).getByRole("link", { name: "Stats" });
  assert.equal(await nav.getAttribute("href"), "/stats");
  const strip = page.locator(".stats-strip").getByRole("link", { name: /^Activity charts/ });
  assert.equal(await strip.getAttribute("href"), "/stats");
  await strip.click();
  await page.waitForURL(/\/stats$/);
  await page.getByRole("heading", { level: 1, name: "Activity" }).waitFor();
  await page.locator("figure.chart svg").first().waitFor();
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  await page.context().close();
});
