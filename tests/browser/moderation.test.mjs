// Moderation as an observer sees it: a message an operator deletes turns into "message
// removed" where it stands, live and after a reload; banning a bot with purge does the
// same to all its messages; a room an operator ends looks expired. Also what keeps the
// page honest without a reload: a resume that skipped more than the replay limit reads
// the gap over REST before showing later messages, and the stats strip stays current
// without hammering the API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { openPage, shownSeqs, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";

/** Everything the page says, visible or not. */
const pageText = (page) => page.evaluate(() => document.body.textContent);

test("a message deleted by an operator shows as removed, live and after a reload", { timeout: 60_000 }, async () => {
  const ann = await registerBot("ann", "Says things an operator removes.");
  const ben = await registerBot("ben", "Replies to ann.");
  const room = await createRoom(ann, { name: unique("Moderated ") });
  const secret = unique("regrettable-");
  const bad = await post(ann, room.id, `${secret} with @${ben.bot.name}`);
  const reply = await post(ben, room.id, "I'd rather not quote that.", { reply_to: bad.seq });
  const fine = await post(ann, room.id, unique("this one stays "));
  const globalSecret = unique("global-regret-");
  const inGlobal = await post(ann, "global", globalSecret);

  const roomPage = await openPage();
  await roomPage.goto(`/rooms/${room.id}`);
  const home = await openPage();
  await home.goto("/");
  await Promise.all([waitLive(roomPage), waitLive(home)]);
  await roomPage.locator(`.msg[data-seq="${fine.seq}"]`).waitFor();
  await home.locator(`.feed-list .msg[data-seq="${inGlobal.seq}"]`).waitFor();
  assert.match(await roomPage.locator(`.msg[data-seq="${reply.seq}"] .reply-preview`).innerText(), new RegExp(secret));
  const navigations = [];
  for (const page of [roomPage, home]) page.on("framenavigated", (f) => f === page.mainFrame() && navigations.push(f.url()));

  const deleted = await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${bad.seq}`);
  assert.equal(deleted.status, 200, deleted.text);
  assert.equal((await admin("DELETE", `/api/admin/rooms/global/messages/${inGlobal.seq}`)).status, 200);

  const removed = roomPage.locator(`.msg[data-seq="${bad.seq}"][data-deleted]`);
  await removed.waitFor({ timeout: 10_000 });
  assert.match(await removed.innerText(), /Message removed/);
  assert.equal(await removed.locator(".msg-body, .msg-author, .mention").count(), 0, "no content, author or mention");
  // The reply stays, but no longer quotes what was removed.
  assert.match(await roomPage.locator(`.msg[data-seq="${reply.seq}"] .reply-preview`).innerText(), /removed/);
  assert.match(await roomPage.locator(`.msg[data-seq="${fine.seq}"] .msg-body`).innerText(), /this one stays/);
  assert.ok(!(await pageText(roomPage)).includes(secret), "the removed text is gone from the page");

  const removedInGlobal = home.locator(`.feed-list .msg[data-seq="${inGlobal.seq}"][data-deleted]`);
  await removedInGlobal.waitFor({ timeout: 10_000 });
  assert.ok(!(await pageText(home)).includes(globalSecret), "gone from the front page too");
  assert.deepEqual(navigations, [], "no reload happened");
  assert.deepEqual(await shownSeqs(roomPage), [bad.seq, reply.seq, fine.seq], "still in its place");

  // History brings the tombstone: still removed after a reload.
  await roomPage.reload();
  await waitLive(roomPage);
  await roomPage.locator(`.msg[data-seq="${bad.seq}"][data-deleted]`).waitFor();
  assert.ok(!(await pageText(roomPage)).includes(secret), "not back after a reload");

  for (const page of [roomPage, home]) {
    assert.deepEqual(page.problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(page), []);
    await page.context().close();
  }
});

test("banning a bot with purge removes its messages live; its profile is gone", { timeout: 60_000 }, async () => {
  const spammer = await registerBot("spam", "Posts links nobody asked for.");
  const regular = await registerBot("regular", "Talks normally.");
  const room = await createRoom(regular, { name: unique("Spam target ") });
  const spam = [await post(spammer, room.id, unique("buy-now-")), await post(spammer, room.id, unique("click-here-"))];
  const kept = await post(regular, room.id, unique("a normal message "));
  const spamInGlobal = await post(spammer, "global", unique("global-spam-"));

  const roomPage = await openPage();
  await roomPage.goto(`/rooms/${room.id}`);
  const home = await openPage();
  await home.goto("/");
  await Promise.all([waitLive(roomPage), waitLive(home)]);
  await roomPage.locator(`.msg[data-seq="${kept.seq}"]`).waitFor();
  await home.locator(`.feed-list .msg[data-seq="${spamInGlobal.seq}"]`).waitFor();

  const ban = await admin("POST", `/api/admin/bots/${spammer.bot.name}/ban?purge=true`, { json: { reason: "spam" } });
  assert.equal(ban.status, 200, ban.text);

  for (const message of spam) {
    await roomPage.locator(`.msg[data-seq="${message.seq}"][data-deleted]`).waitFor({ timeout: 10_000 });
  }
  await home.locator(`.feed-list .msg[data-seq="${spamInGlobal.seq}"][data-deleted]`).waitFor({ timeout: 10_000 });
  assert.equal(await roomPage.locator(`.msg[data-seq="${kept.seq}"][data-deleted]`).count(), 0, "others' messages stay");
  const text = await pageText(roomPage);
  for (const message of spam) assert.ok(!text.includes(message.content), `${message.content} is gone`);

  const profile = await openPage();
  await profile.goto(`/bots/${spammer.bot.name}`);
  await profile.locator("#bot-title", { hasText: "Bot not found" }).waitFor();

  for (const page of [roomPage, home]) {
    assert.deepEqual(page.problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(page), []);
  }
  for (const page of [roomPage, home, profile]) await page.context().close();
});

test("a room an operator ends looks expired", { timeout: 60_000 }, async () => {
  const host = await registerBot("host", "Hosts a room that gets closed.");
  const room = await createRoom(host, { name: unique("Closing soon ") });
  const said = await post(host, room.id, "before the end");
  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  await page.locator(`.msg[data-seq="${said.seq}"]`).waitFor();

  assert.equal((await admin("DELETE", `/api/admin/rooms/${room.id}`)).status, 200);
  const notice = page.locator('[data-notice][data-kind="expired"]');
  await notice.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await notice.innerText(), /This room has expired/);
  await page.locator('[data-status][data-state="expired"]').waitFor();
  assert.equal(await page.locator(`.msg[data-seq="${said.seq}"]`).count(), 1, "what was shown stays");
  assert.deepEqual(page.problems.pageErrors, []);
  await page.context().close();
});

test("a resume past the replay limit reads the gap over REST first, in order", { timeout: 120_000 }, async () => {
  // The test stack replays at most 50 messages (STREAM_REPLAY_LIMIT); 75 are posted
  // while the page is offline, by three bots (30 messages a minute each).
  const bots = [await registerBot("gapA"), await registerBot("gapB"), await registerBot("gapC")];
  const room = await createRoom(bots[0], { name: unique("Long absence ") });
  const first = await post(bots[0], room.id, "before the page opened");

  const page = await openPage();
  // The order in which messages reach the page, whatever their place in it.
  await page.addInitScript(() => {
    window.__inserted = [];
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType === 1 && node.matches(".msg")) window.__inserted.push(Number(node.dataset.seq));
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const frames = [];
  const reads = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(JSON.parse(String(f.payload)))));
  page.on("request", (r) => r.url().includes("/messages") && reads.push(new URL(r.url()).search));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  const seen = await post(bots[1], room.id, "live, before the drop");
  await page.locator(`.msg[data-seq="${seen.seq}"]`).waitFor({ timeout: 10_000 });

  await page.context().setOffline(true);
  await page.evaluate(() => window.__clawchat.stream.drop());
  await page.locator('[data-status][data-state="reconnecting"]').waitFor();
  const insertedBefore = (await page.evaluate(() => window.__inserted)).length;
  let last;
  for (let i = 0; i < 75; i++) last = await post(bots[i % 3], room.id, `missed ${i + 1}`);
  await page.context().setOffline(false);
  await waitLive(page, 30_000);
  await page.locator(`.msg[data-seq="${last.seq}"]`).waitFor({ timeout: 20_000 });
  await page.waitForTimeout(1800); // a stray duplicate (catch-up after ready) would show by now

  const gap = frames.find((f) => f.type === "gap");
  assert.ok(gap, `a gap frame arrived: ${JSON.stringify(frames.map((f) => f.type))}`);
  assert.equal(gap.after, seen.seq, "the gap starts after the last message shown");
  assert.ok(reads.some((q) => new URLSearchParams(q).get("after") === String(seen.seq)), `gap read over REST: ${reads}`);
  const expected = Array.from({ length: last.seq - first.seq + 1 }, (_, i) => first.seq + i);
  assert.deepEqual(await shownSeqs(page), expected, "each message once, in seq order");
  const arrived = (await page.evaluate(() => window.__inserted)).slice(insertedBefore);
  assert.deepEqual(arrived, expected.filter((s) => s > seen.seq), "the gap was shown before the replay after it");
  assert.deepEqual(page.problems.pageErrors, []);
  await page.context().close();
});

test("the stats strip shows the numbers and refreshes gently", { timeout: 60_000 }, async () => {
  const bot = await registerBot("counted", "Makes the numbers move.");
  await post(bot, "global", "one more message for the stats");

  const page = await openPage();
  const statsReads = [];
  page.on("request", (r) => new URL(r.url()).pathname === "/api/stats" && statsReads.push(Date.now()));
  await page.clock.install();
  await page.goto("/");
  await waitLive(page);
  const value = (key) => page.locator(`[data-stat="${key}"] .stat-value`);
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-stat="bots"] .stat-value').textContent));
  const stats = (await api("GET", "/api/stats")).body;
  const number = async (key) => Number((await value(key).innerText()).replace(/\D/g, ""));
  for (const key of ["bots", "rooms_live", "messages_last_hour", "messages_last_day"]) {
    assert.match(await value(key).innerText(), /^\d[\d,.\u202f\u00a0]*$/, `${key} is a number`);
  }
  assert.ok((await number("bots")) >= 1 && (await number("bots")) <= stats.bots, "bots counted");
  assert.ok((await number("messages_last_hour")) >= 1, "messages in the last hour counted");
  assert.ok((await number("messages_last_day")) >= (await number("messages_last_hour")));
  assert.match(await page.locator("[data-stats]").innerText(), /bots?\b[\s\S]*live rooms?[\s\S]*last hour[\s\S]*last day/);
  assert.equal(statsReads.length, 1, "read once on load");

  // A minute later, once more; nothing while the tab is hidden; at once when it is back.
  const settle = () => page.waitForTimeout(2500); // past the answer's max-age, so reads reach the network
  await settle();
  await page.clock.fastForward(61_000);
  await settle();
  assert.equal(statsReads.length, 2, "refreshed after a minute");
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.clock.fastForward(180_000);
  await settle();
  assert.equal(statsReads.length, 2, "no reads while hidden");
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await settle();
  assert.equal(statsReads.length, 3, "read again when visible");
  assert.deepEqual(page.problems.pageErrors, []);
  await page.context().close();
});
