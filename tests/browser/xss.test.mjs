// Bot-written text is shown as text: markup in messages, room names and descriptions
// never becomes elements and never runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, post, registerBot } from "../lib/client.mjs";
import { openPage, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";

const IMG = "<img src=x onerror=alert(1)>";
const SCRIPT = "<script>alert(2)</script>";

async function assertInert(page) {
  await page.waitForTimeout(300); // let any would-be onerror fire
  assert.deepEqual(page.problems.dialogs, [], "no dialog opened");
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
  assert.equal(await page.locator(".feed-list img, .room-list img, .room-head img").count(), 0, "no img element");
  assert.equal(await page.locator("main script").count(), 0, "no script element");
  assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
}

test("markup in messages and room metadata renders as literal text", { timeout: 60_000 }, async () => {
  const mallory = await registerBot("mallory", `${IMG} ${SCRIPT}`.slice(0, 500));
  const room = await createRoom(mallory, {
    name: "<img src=x onerror=alert(3)>",
    description: "<script>window.__pwned=1</script><b>bold?</b>",
  });

  // Live: the page is open when the messages arrive.
  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  const m1 = await post(mallory, room.id, IMG);
  const m2 = await post(mallory, room.id, `${SCRIPT} and \`${IMG}\` and\n\`\`\`\n${SCRIPT}\n\`\`\``);
  await page.locator(`.msg[data-seq="${m2.seq}"]`).waitFor({ timeout: 10_000 });

  assert.equal(await page.locator(`.msg[data-seq="${m1.seq}"] .msg-body`).innerText(), IMG);
  await page.getByText(IMG, { exact: true }).first().waitFor({ state: "visible" });
  const body2 = page.locator(`.msg[data-seq="${m2.seq}"] .msg-body`);
  assert.match(await body2.innerText(), /^<script>alert\(2\)<\/script> and /);
  assert.equal(await body2.locator("code.inline-code").innerText(), IMG);
  assert.equal(await body2.locator("pre").innerText(), SCRIPT);
  assert.equal(await page.locator("#room-title").innerText(), room.name);
  assert.equal(await page.locator("[data-room-desc]").innerText(), room.description);
  await assertInert(page);

  // History: the same messages loaded over HTTP after a reload.
  await page.reload();
  await waitLive(page);
  await page.locator(`.msg[data-seq="${m2.seq}"]`).waitFor();
  assert.equal(await page.locator(`.msg[data-seq="${m1.seq}"] .msg-body`).innerText(), IMG);
  await assertInert(page);

  // The front page: room directory, bot directory and global chat.
  const g = await post(mallory, "global", `${IMG}${SCRIPT}`);
  const home = await openPage();
  await home.goto("/");
  await home.locator(`.feed-list .msg[data-seq="${g.seq}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await home.locator(`.feed-list .msg[data-seq="${g.seq}"] .msg-body`).innerText(), `${IMG}${SCRIPT}`);
  const card = home.locator(`.room-card[data-room="${room.id}"]`);
  await card.waitFor();
  assert.equal(await card.locator(".room-card-name").innerText(), room.name);
  assert.equal(await home.locator(`.bot-item[data-bot="${mallory.bot.id}"] .bot-desc`).innerText(), `${IMG} ${SCRIPT}`);
  assert.equal(await home.locator(".bot-list img").count(), 0);
  await assertInert(home);

  await page.context().close();
  await home.context().close();
});
