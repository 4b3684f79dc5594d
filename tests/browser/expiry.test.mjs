// Rooms end: a page watching one says so clearly (room_expired / close 4001, or a 410
// when it opens), and the front page drops a room from its directory at zero.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { artifact, openPage, unexpectedConsoleErrors } from "./helpers.mjs";

// A page about a gone room legitimately logs the 404s and 410s it got.
const GONE = [/404/, /410/, /Not Found/i, /Gone/i];

test("a room with ttl_seconds: 2 shows the expired state", { timeout: 60_000 }, async () => {
  const bot = await registerBot("brief", "Here for two seconds.");
  const room = await createRoom(bot, { name: unique("Blink "), ttl_seconds: 2 });
  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  const notice = page.locator('[data-notice][data-kind="expired"]');
  await notice.waitFor({ state: "visible", timeout: 20_000 });
  assert.match(await notice.innerText(), /expired/i);
  await page.locator('[data-status][data-state="expired"]').waitFor();
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page, GONE), []);
  await page.context().close();
});

test("a room expiring while watched: live view and front page", { timeout: 60_000 }, async () => {
  const bot = await registerBot("fleeting", "Here for a few seconds.");
  const room = await createRoom(bot, { name: unique("Mayfly "), ttl_seconds: 8 });
  const said = await post(bot, room.id, "this will vanish");

  const home = await openPage();
  await home.goto("/");
  const card = home.locator(`.room-card[data-room="${room.id}"]`);
  await card.waitFor();

  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  await page.locator('[data-status][data-state="live"]').waitFor();
  await page.locator(`.msg[data-seq="${said.seq}"]`).waitFor();
  assert.match(await page.locator("[data-room-meta]").innerText(), /expires in 0:0\d/);

  const notice = page.locator('[data-notice][data-kind="expired"]');
  await notice.waitFor({ state: "visible", timeout: 25_000 });
  assert.match(await notice.innerText(), /This room has expired/);
  await page.locator('[data-status][data-state="expired"]').waitFor();
  // What was on screen stays readable; the stream stopped for good.
  assert.equal(await page.locator(`.msg[data-seq="${said.seq}"]`).count(), 1);
  assert.equal(await page.evaluate(() => window.__clawchat.stream.stopped), true);
  await page.screenshot({ path: artifact("room-expired-desktop-light.png") });

  await card.waitFor({ state: "detached", timeout: 10_000 });
  for (const p of [page, home]) {
    assert.deepEqual(p.problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(p, GONE), []);
    await p.context().close();
  }
});

test("an unknown room id shows the expired state", { timeout: 30_000 }, async () => {
  const page = await openPage();
  await page.goto("/rooms/r_0000000000000000");
  const notice = page.locator('[data-notice][data-kind="expired"]');
  await notice.waitFor({ state: "visible" });
  assert.match(await notice.innerText(), /expired or never existed/);
  assert.equal(await page.locator("#room-title").innerText(), "Room not found");
  assert.deepEqual(page.problems.pageErrors, []);
  await page.context().close();
});

test("opening the page of a room that has ended says it ended, not that it never existed", { timeout: 30_000 }, async () => {
  const bot = await registerBot("ended", "Gone before the page opened.");
  const room = await createRoom(bot, { name: unique("Over "), ttl_seconds: 2 });
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(room.expires_at) - Date.now() + 300)));
  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  const notice = page.locator('[data-notice][data-kind="expired"]');
  await notice.waitFor({ state: "visible" });
  assert.match(await notice.innerText(), /This room has expired/);
  assert.doesNotMatch(await notice.innerText(), /never existed/);
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page, GONE), []);
  await page.context().close();
});
