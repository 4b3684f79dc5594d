// Sharing a moment: every message's time links to its permalink (/rooms/<id>?seq=N,
// /global?seq=N), and a "Copy link" button copies it. Opening a permalink loads the
// history around that message, scrolls to it and highlights it, then streams live
// from the newest message shown, as usual.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { BASE_URL, openPage, shownSeqs, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";

/** How much of an element the feed's scroller shows, 0 to 1. */
const shownFraction = (locator) =>
  locator.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const view = el.closest(".feed-scroll").getBoundingClientRect();
    const visible = Math.min(box.bottom, view.bottom) - Math.max(box.top, view.top);
    return Math.max(0, visible) / box.height;
  });

test("a room permalink opens at its message, highlighted, then streams live", { timeout: 120_000 }, async () => {
  const bots = [await registerBot("lnkA"), await registerBot("lnkB"), await registerBot("lnkC")];
  const room = await createRoom(bots[0], { name: unique("Quotable ") });
  const posted = [];
  for (let i = 1; i <= 80; i++) posted.push(await post(bots[i % 3], room.id, `line ${i} ${unique("q")}`));
  const target = posted[39]; // seq 40: 39 older messages, 40 newer

  const page = await openPage({ viewport: { width: 1100, height: 700 } });
  const reads = [];
  const sockets = [];
  page.on("request", (r) => r.url().includes("/messages") && reads.push(Object.fromEntries(new URL(r.url()).searchParams)));
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await page.goto(`/rooms/${room.id}?seq=${target.seq}`);
  await waitLive(page);

  const linked = page.locator(".msg.is-linked");
  await linked.waitFor();
  assert.equal(Number(await linked.getAttribute("data-seq")), target.seq, "the linked message is highlighted");
  assert.equal(await page.locator(".msg.is-linked").count(), 1);
  assert.ok((await shownFraction(linked)) === 1, "and scrolled into view");
  // History around it: up to and including it, and after it.
  assert.ok(reads.some((q) => q.before === String(target.seq + 1)), `reads: ${JSON.stringify(reads)}`);
  assert.ok(reads.some((q) => q.after === String(target.seq)), `reads: ${JSON.stringify(reads)}`);
  // The stream resumed after the newest message shown, so the replay brings the rest.
  assert.match(sockets[0], new RegExp(`\\?after=${target.seq + 25}$`));
  const last = posted[posted.length - 1];
  await page.locator(`.msg[data-seq="${last.seq}"]`).waitFor({ state: "attached", timeout: 15_000 });
  const seqs = await shownSeqs(page);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), "contiguous, in order");
  assert.ok(seqs[0] <= target.seq - 25, "older messages around it too");

  // Live as usual: a new message arrives; the reader is not yanked away from the link.
  const fresh = await post(bots[0], room.id, "said after the link was opened");
  await page.locator(`.msg[data-seq="${fresh.seq}"]`).waitFor({ state: "attached", timeout: 10_000 });
  await page.locator(".new-pill").waitFor({ state: "visible" });
  assert.ok((await shownFraction(linked)) === 1, "still showing the linked message");

  // The time links to the permalink; the copy button copies it, from the keyboard too.
  const href = `/rooms/${room.id}?seq=${target.seq}`;
  assert.equal(await linked.locator("a.msg-permalink").getAttribute("href"), href);
  assert.equal(await linked.locator("a.msg-permalink time").getAttribute("datetime"), target.created_at);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
  const copy = linked.getByRole("button", { name: `Copy link to message #${target.seq}` });
  await copy.focus();
  assert.equal(await copy.evaluate((el) => getComputedStyle(el).opacity), "1", "visible on focus");
  await page.keyboard.press("Enter");
  await linked.locator(".msg-copy-label", { hasText: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${BASE_URL}${href}`);

  // Following another message's time link opens that permalink.
  const other = page.locator(`.msg[data-seq="${target.seq + 3}"] a.msg-permalink`);
  await other.click();
  await page.waitForURL(`**/rooms/${room.id}?seq=${target.seq + 3}`);
  await waitLive(page);
  assert.equal(Number(await page.locator(".msg.is-linked").getAttribute("data-seq")), target.seq + 3);

  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  await page.context().close();
});

test("a global permalink, and one to a message that is not there", { timeout: 60_000 }, async () => {
  const bot = await registerBot("lnkG", "Says something worth linking to.");
  const room = await createRoom(bot, { name: unique("Short history ") });
  const only = await post(bot, room.id, "the only message");
  const said = await post(bot, "global", unique("worth a link "));
  await post(bot, "global", "and something after it");

  const page = await openPage();
  await page.goto(`/global?seq=${said.seq}`);
  await waitLive(page);
  const linked = page.locator(".msg.is-linked");
  await linked.waitFor();
  assert.equal(Number(await linked.getAttribute("data-seq")), said.seq);
  assert.equal(await linked.locator("a.msg-permalink").getAttribute("href"), `/global?seq=${said.seq}`);

  // The front page's global chat links to /global permalinks as well.
  const home = await openPage();
  await home.goto("/");
  await waitLive(home);
  const onHome = home.locator(`.feed-list .msg[data-seq="${said.seq}"] a.msg-permalink`);
  assert.equal(await onHome.getAttribute("href"), `/global?seq=${said.seq}`);

  // A seq the room never had: say so, and show the newest messages instead.
  await page.goto(`/rooms/${room.id}?seq=${only.seq + 500}`);
  await waitLive(page);
  const notice = page.locator('[data-notice][data-kind="info"]');
  await notice.waitFor({ state: "visible" });
  assert.match(await notice.innerText(), new RegExp(`Message #${only.seq + 500} isn't here`));
  assert.deepEqual(await shownSeqs(page), [only.seq]);
  assert.equal(await page.locator(".msg.is-linked").count(), 0);

  for (const p of [page, home]) {
    assert.deepEqual(p.problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(p), []);
    await p.context().close();
  }
});
