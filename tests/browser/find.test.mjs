// Finding things: the front page's room directory filters by name and visibility and
// sorts by latest activity or time left (kept in the URL); a bot's name, wherever it is
// shown, opens its profile at /bots/<name>: description, registration, last activity
// and the public rooms it is in, never a private one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { unique } from "../lib/client.mjs";
import { openPage, seed, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";

/** The ids of the room cards shown, in order. */
const cards = (page) => page.$$eval(".room-list .room-card:not(.leaving)", (els) => els.map((el) => el.dataset.room));

/** Three rooms named alike (ours to filter to), a private one among them, alpha the latest active. */
async function ourRooms() {
  const token = unique("zq");
  const scene = await seed({
    bots: { finder: "Opens rooms to be found, and describes itself at length.", guest: "Invited to the private one." },
    steps: [
      { room: "alpha", owner: "finder", name: `${token} alpha`, ttl_seconds: 600 },
      { room: "beta", owner: "finder", name: `${token} beta`, visibility: "private", ttl_seconds: 120, invite: ["guest"] },
      { room: "gamma", owner: "finder", name: `${token} gamma`, ttl_seconds: 300 },
      { by: "finder", in: "alpha", say: "Hello, @guest", as: "said" }, // alpha: the latest activity
    ],
  });
  return { ...scene, owner: scene.finder, token };
}

test("the room directory filters by name and visibility and sorts by activity or time left", { timeout: 60_000 }, async () => {
  const { token, alpha, beta, gamma } = await ourRooms();
  const page = await openPage();
  await page.goto("/");
  await page.locator(`.room-card[data-room="${gamma.id}"]`).waitFor();
  const name = page.getByRole("searchbox", { name: "Filter rooms by name" });
  const show = page.getByRole("combobox", { name: "Show" });
  const sort = page.getByRole("combobox", { name: "Sort" });

  await name.fill(token.toUpperCase()); // case does not matter
  assert.deepEqual(await cards(page), [alpha.id, gamma.id, beta.id], "ours only, latest activity first");
  assert.match(await page.locator("[data-room-count]").innerText(), /^3 of \d+ live$/);
  await sort.selectOption("ending");
  assert.deepEqual(await cards(page), [beta.id, gamma.id, alpha.id], "least time left first");
  await show.selectOption("private");
  assert.deepEqual(await cards(page), [beta.id]);
  await show.selectOption("public");
  assert.deepEqual(await cards(page), [gamma.id, alpha.id]);
  await page.locator("[data-filter-status]", { hasText: "2 rooms shown" }).waitFor({ state: "attached" });

  // The filter is in the URL: a reload (or a shared link) shows the same rooms.
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("q"), token.toUpperCase().toLowerCase());
  assert.equal(url.searchParams.get("show"), "public");
  assert.equal(url.searchParams.get("sort"), "ending");
  await page.reload();
  await page.locator(`.room-card[data-room="${gamma.id}"]`).waitFor();
  assert.deepEqual(await cards(page), [gamma.id, alpha.id]);
  assert.equal(await show.inputValue(), "public");
  assert.equal(await sort.inputValue(), "ending");

  // The 12-second refresh keeps the filter.
  await page.waitForTimeout(13_000);
  assert.deepEqual(await cards(page), [gamma.id, alpha.id]);

  // Nothing matches: say so, and offer the way back.
  await name.fill(`${token}-nothing`);
  const noMatch = page.locator("[data-rooms-nomatch]");
  await noMatch.waitFor({ state: "visible" });
  assert.deepEqual(await cards(page), []);
  await noMatch.getByRole("button", { name: "Show all rooms" }).click();
  assert.equal(await name.inputValue(), "");
  assert.equal(await show.inputValue(), "all");
  assert.ok((await cards(page)).length >= 3);
  assert.match(await page.locator("[data-room-count]").innerText(), /^\d+ live$/);
  assert.equal(await noMatch.isVisible(), false);

  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  await page.context().close();
});

test("a bot's name opens its profile: public rooms only", { timeout: 60_000 }, async () => {
  const { owner, guest, alpha, beta, gamma, said } = await ourRooms();
  const href = `/bots/${owner.bot.name}`;

  // Names link to the profile: the author of a message, the members, mentions, the directory.
  const room = await openPage();
  await room.goto(`/rooms/${alpha.id}`);
  await waitLive(room);
  const msg = room.locator(`.msg[data-seq="${said.seq}"]`);
  await msg.waitFor();
  assert.equal(await msg.locator("a.msg-author").getAttribute("href"), href);
  assert.equal(await msg.locator("a.mention").getAttribute("href"), `/bots/${guest.bot.name}`);
  assert.equal(await room.locator(`[data-room-meta] a[href="${href}"]`).count(), 1, "created by … links");
  await room.locator("[data-members] summary").click();
  assert.equal(await room.locator(`.member-list a[href="${href}"]`).count(), 1);
  const home = await openPage();
  await home.goto("/");
  const inDirectory = home.locator(`.bot-item[data-bot="${owner.bot.id}"] .bot-name a`);
  await inDirectory.waitFor();
  assert.equal(await inDirectory.getAttribute("href"), href);
  await home.context().close();

  await msg.locator("a.msg-author").click();
  await room.waitForURL(`**${href}`);
  const page = room;
  await page.locator("#bot-title", { hasText: owner.bot.name }).waitFor();
  assert.equal(await page.title(), `${owner.bot.name} · ClawChat`);
  assert.equal(await page.locator("[data-bot-desc]").innerText(), owner.bot.description);
  const facts = await page.locator("[data-bot-facts]").innerText();
  assert.match(facts, /Registered\s+\w+/);
  assert.match(facts, /Last active\s+(just now|\d+ seconds? ago)/);
  assert.equal(await page.locator("[data-bot-registered] time").getAttribute("datetime"), owner.bot.created_at);

  const listed = await page.$$eval("[data-bot-room-list] .room-card", (els) => els.map((el) => el.dataset.room));
  assert.deepEqual(listed.sort(), [alpha.id, gamma.id].sort(), "its public rooms");
  assert.equal(await page.locator(`[data-bot-room-list] a[href="/rooms/${alpha.id}"]`).count(), 1, "rooms link to their page");
  const text = await page.evaluate(() => document.body.textContent);
  assert.ok(!text.includes(beta.name), "nothing of the private room");
  assert.ok(!text.includes(beta.id), "nothing of the private room");

  // An unknown name says so plainly.
  const missing = await openPage();
  const nobody = unique("nobody");
  await missing.goto(`/bots/${nobody}`);
  await missing.locator("#bot-title", { hasText: "Bot not found" }).waitFor();
  assert.match(await missing.locator("[data-notice]").innerText(), new RegExp(`No bot called “${nobody}”`));
  assert.equal(await missing.title(), "Bot not found · ClawChat");

  for (const p of [page, missing]) {
    assert.deepEqual(p.problems.pageErrors, []);
    await p.context().close();
  }
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  assert.deepEqual(unexpectedConsoleErrors(missing, [/404/, /Not Found/i]), []);
});
