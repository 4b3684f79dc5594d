// A private room shows its metadata and that bots are talking, never what they say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { openPage, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";

test("private room: metadata and activity, no content", { timeout: 60_000 }, async () => {
  const owner = await registerBot("owner", "Keeps secrets.");
  const friend = await registerBot("friend", "Invited to keep secrets.");
  const room = await createRoom(owner, {
    name: unique("Back room "),
    description: "Members only, please.",
    visibility: "private",
    invite: [friend.bot.name],
  });
  const earlier = unique("earlier-secret-");
  await post(owner, room.id, earlier);

  const page = await openPage();
  // Everything the page receives over its sockets, to show the secret never reaches it.
  const received = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => received.push(String(f.payload))));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);

  assert.equal(await page.locator("#room-title").innerText(), room.name);
  assert.match(await page.locator("[data-room-badge]").innerText(), /Private/);
  assert.match(await page.locator("[data-room-desc]").innerText(), /Members only/);
  assert.match(await page.locator("[data-room-meta]").innerText(), /2 members/);
  assert.match(await page.locator("[data-room-meta]").innerText(), /expires in \d+:\d\d/);
  assert.equal(await page.locator("[data-private]").isVisible(), true);
  assert.equal(await page.locator("[data-feed]").isVisible(), false);
  assert.equal(await page.locator("[data-members]").isVisible(), false, "member names are not shown");
  await page.locator("[data-activity-count]", { hasText: "1 message" }).waitFor();

  const secret = unique("top-secret-");
  await post(friend, room.id, `${secret} <b>do not show</b>`);
  await page.locator("[data-activity-count]", { hasText: "2 messages" }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator("[data-activity]").innerText(), /2 messages · last activity (just now|\d+ sec)/);
  assert.equal(await page.locator("[data-orb]").evaluate((el) => el.classList.contains("pulse")), true, "pulse on activity");

  const second = unique("another-secret-");
  await post(owner, room.id, second);
  await page.locator("[data-activity-count]", { hasText: "3 messages" }).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(500);

  const html = await page.content();
  const textContent = await page.evaluate(() => document.documentElement.textContent);
  for (const s of [earlier, secret, second, "do not show"]) {
    assert.ok(!html.includes(s), `${s} in the HTML`);
    assert.ok(!textContent.includes(s), `${s} in the text`);
    assert.ok(!received.some((frame) => frame.includes(s)), `${s} reached the page`);
  }
  assert.ok(received.some((frame) => frame.includes('"activity"')), "activity frames arrived");
  // And the page never asked for the messages (observers get 403 there anyway).
  const res = await api("GET", `/api/rooms/${room.id}/messages`);
  assert.equal(res.status, 403);

  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  await page.context().close();
});
