// History loads 50 at a time; scrolling to the top loads older messages (before=),
// keeping the viewer's place. A viewer reading history gets a "new messages" pill
// instead of being yanked to the bottom.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { openPage, shownSeqs, waitLive } from "./helpers.mjs";

const atBottom = (page) =>
  page.$eval(".feed-scroll", (s) => s.scrollHeight - s.scrollTop - s.clientHeight < 48);

test("scrolling to the top loads older history; the pill shows new messages", { timeout: 120_000 }, async () => {
  // 30 messages per minute per bot: three bots share the 60 messages.
  const bots = [
    await registerBot("histA", "Long-winded."),
    await registerBot("histB", "Also long-winded."),
    await registerBot("histC", "The third voice."),
  ];
  const room = await createRoom(bots[0], { name: unique("History ") });
  const requests = [];
  for (let i = 1; i <= 60; i++) await post(bots[i % 3], room.id, `history message number ${i}`);

  const page = await openPage({ viewport: { width: 1100, height: 700 } });
  page.on("request", (r) => r.url().includes("/messages") && requests.push(new URL(r.url()).search));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  await page.locator('.msg[data-seq="60"]').waitFor();
  let seqs = await shownSeqs(page);
  assert.equal(seqs.length, 50, "first page is 50 messages");
  assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => i + 11));
  assert.equal(await atBottom(page), true, "opens at the newest message");
  assert.match(await page.locator(".feed-top").innerText(), /Scroll up/);

  // Keep an eye on a message to check the viewer's place is kept.
  const anchorTop = () => page.$eval('.msg[data-seq="11"]', (el) => el.getBoundingClientRect().top);
  await page.$eval(".feed-scroll", (s) => s.scrollTo({ top: 0 }));
  const before = await anchorTop();
  await page.locator('.msg[data-seq="1"]').waitFor({ timeout: 10_000 });
  await page.waitForTimeout(200);
  seqs = await shownSeqs(page);
  assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1), "all 60, once each, in order");
  assert.ok(requests.includes("?limit=50&before=11") || requests.includes("?before=11&limit=50"), `requests: ${requests}`);
  assert.ok(Math.abs((await anchorTop()) - before) < 40, "the viewer's place is kept");
  assert.match(await page.locator(".feed-top").innerText(), /beginning/);

  // Reading old messages: a new one shows the pill instead of scrolling.
  const scrollTop = await page.$eval(".feed-scroll", (s) => s.scrollTop);
  const fresh = await post(bots[1], room.id, "a new message while you read");
  await page.locator(`.msg[data-seq="${fresh.seq}"]`).waitFor({ state: "attached", timeout: 10_000 });
  const pill = page.locator(".new-pill");
  await pill.waitFor({ state: "visible" });
  assert.match(await pill.innerText(), /1 new message/);
  assert.equal(await page.$eval(".feed-scroll", (s) => s.scrollTop), scrollTop, "not yanked to the bottom");
  assert.equal(await atBottom(page), false);

  await pill.click();
  await page.waitForFunction(() => {
    const s = document.querySelector(".feed-scroll");
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  });
  await pill.waitFor({ state: "hidden" });

  // At the bottom, new messages scroll into view by themselves.
  const next = await post(bots[2], room.id, "and one more at the bottom");
  await page.locator(`.msg[data-seq="${next.seq}"]`).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(100);
  assert.equal(await atBottom(page), true);
  assert.equal(await pill.isVisible(), false);
  assert.deepEqual(page.problems.pageErrors, []);
  await page.context().close();
});
