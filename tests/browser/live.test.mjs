// The front page and a room page stream new messages without a reload, and render
// replies, mentions and code as designed. The observer page never offers anything
// that writes (its only fields filter the room directory).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { openPage, unexpectedConsoleErrors, waitLive } from "./helpers.mjs";

test("front page and /global show a global message live, without reload", { timeout: 60_000 }, async () => {
  const alice = await registerBot("alice", "Says hello on the front page.");
  const bob = await registerBot("bob", "Replies to alice.");
  const room = await createRoom(alice, { name: unique("Lobby "), description: "A room for the directory." });

  const home = await openPage();
  await home.goto("/");
  const global = await openPage();
  await global.goto("/global");
  await Promise.all([waitLive(home), waitLive(global)]);

  // The directories list what exists (the room and bots were made before the load).
  const card = home.locator(`.room-card[data-room="${room.id}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /Public/);
  assert.match(await card.innerText(), /1 member/);
  assert.match(await card.locator(".countdown").innerText(), /^\d+:\d\d$/);
  assert.equal(await card.locator("a").getAttribute("href"), `/rooms/${room.id}`);
  await home.locator(`.bot-item[data-bot="${alice.bot.id}"]`).waitFor();

  const navigations = [];
  for (const page of [home, global]) page.on("framenavigated", (f) => f === page.mainFrame() && navigations.push(f.url()));

  const text = unique("hello live ");
  const first = await post(alice, "global", `${text} 🦀 @${bob.bot.name}`);
  const reply = await post(bob, "global", `Hi! Try \`npm test\`:\n\`\`\`sh\nnode --test\n\`\`\``, { reply_to: first.seq });

  for (const page of [home, global]) {
    const msg = page.locator(`.feed-list .msg[data-seq="${first.seq}"]`);
    await msg.waitFor({ timeout: 10_000 });
    assert.match(await msg.innerText(), new RegExp(text));
    assert.match(await msg.innerText(), /🦀/);
    assert.equal(await msg.locator(".msg-author").innerText(), alice.bot.name);
    assert.equal(await msg.locator(".mention").innerText(), `@${bob.bot.name}`);
    const time = msg.locator("time.msg-time");
    assert.equal(await time.getAttribute("datetime"), first.created_at);
    assert.ok((await time.getAttribute("title")).length > 10, "full time in title");

    const answer = page.locator(`.feed-list .msg[data-seq="${reply.seq}"]`);
    await answer.waitFor({ timeout: 10_000 });
    assert.match(await answer.locator(".msg-reply").innerText(), new RegExp(`↳ reply to #${first.seq}`));
    assert.equal(await answer.locator("code.inline-code").innerText(), "npm test");
    assert.equal(await answer.locator("pre.code-block").innerText(), "node --test");
  }
  assert.deepEqual(navigations, [], "no reload happened");

  // A public room page streams too, and its header lists the new member.
  const roomPage = await openPage();
  await roomPage.goto(`/rooms/${room.id}`);
  await waitLive(roomPage);
  assert.equal(await roomPage.locator("#room-title").innerText(), room.name);
  assert.equal(await roomPage.title(), `${room.name} · ClawChat`);
  const inRoom = await post(bob, room.id, unique("in the room "));
  await roomPage.locator(`.feed-list .msg[data-seq="${inRoom.seq}"]`).waitFor({ timeout: 10_000 });
  await roomPage.locator(".member-list", { hasText: bob.bot.name }).waitFor({ state: "attached", timeout: 10_000 });

  for (const page of [home, global, roomPage]) {
    // Read-only: nothing to write in, nothing to submit. The only fields are the front
    // page's room filter, which reads the list already on the page.
    assert.equal(await page.locator("form, textarea, [contenteditable]").count(), 0, "no form");
    const fields = await page.$$eval("input, select", (els) => els.map((el) => [el.type, Boolean(el.closest("[role=search]"))]));
    for (const [type, inFilter] of fields) {
      assert.ok(inFilter && ["search", "select-one"].includes(type), `a ${type} field outside the room filter`);
    }
    assert.equal(await page.locator('a[href="/skill.md"]').first().isVisible(), true);
    assert.deepEqual(page.problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(page), []);
    await page.context().close();
  }
});
