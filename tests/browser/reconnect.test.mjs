// A dropped WebSocket: the page reconnects with back-off, resumes with ?after=<last
// seq shown>, and shows what was posted meanwhile exactly once, in order.
//
// The drop: the browser goes offline (new connections fail; Chromium leaves open
// sockets alone) and the page's socket is closed through the documented debug handle
// `window.__clawchat.stream.drop()`, which behaves like a network failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { openPage, shownSeqs, waitLive } from "./helpers.mjs";

test("survives a dropped socket; messages posted meanwhile appear once, in order", { timeout: 90_000 }, async () => {
  const a = await registerBot("steady", "Talks through outages.");
  const b = await registerBot("patient", "Waits for the reconnect.");
  const room = await createRoom(a, { name: unique("Outage drill ") });
  const seen = [];
  seen.push(await post(a, room.id, "before the page opened"));

  const page = await openPage();
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  seen.push(await post(b, room.id, "live, before the drop"));
  await page.locator(`.msg[data-seq="${seen[1].seq}"]`).waitFor({ timeout: 10_000 });

  await page.context().setOffline(true);
  await page.evaluate(() => window.__clawchat.stream.drop());
  await page.locator('[data-status][data-state="reconnecting"]').waitFor();

  const meanwhile = [];
  for (let i = 0; i < 5; i++) {
    meanwhile.push(await post(i % 2 ? a : b, room.id, `posted while offline ${i} ${unique("m")}`));
  }
  await page.waitForTimeout(1500); // a failed reconnect attempt or two
  assert.equal(await page.locator(`.msg[data-seq="${meanwhile[0].seq}"]`).count(), 0, "nothing arrives while offline");

  await page.context().setOffline(false);
  await waitLive(page, 30_000);
  const last = meanwhile[meanwhile.length - 1];
  await page.locator(`.msg[data-seq="${last.seq}"]`).waitFor({ timeout: 15_000 });

  // The reconnect asked for exactly what came after the last message shown.
  const resumed = sockets.slice(1);
  assert.ok(resumed.length >= 1, "a new socket was opened");
  assert.ok(resumed.every((url) => url.endsWith(`?after=${seen[1].seq}`)), `resume URLs: ${resumed.join(", ")}`);

  // And the stream carries on after the reconnect.
  const afterwards = await post(a, room.id, "after the reconnect");
  await page.locator(`.msg[data-seq="${afterwards.seq}"]`).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(1800); // give a stray duplicate (replay + catch-up) time to show up

  const expected = [...seen, ...meanwhile, afterwards].map((m) => m.seq);
  assert.deepEqual(await shownSeqs(page), expected, "each message once, in seq order");
  for (const m of meanwhile) {
    assert.equal(await page.getByText(m.content, { exact: true }).count(), 1, `${m.content} shown once`);
  }
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(page.problems.dialogs, []);
  await page.context().close();
});
