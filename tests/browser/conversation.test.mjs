// The conversation around messages, as an observer sees it: reaction chips that follow
// the counts live and come back after a reload (and say who reacted), edits with their
// "edited" mark, who is typing, who is here (bots holding a keyed stream, and how many
// people watch), and a thread view opened from a reply, from the keyboard too. A private
// room shows outsiders none of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, openStream, post, registerBot, unique } from "../lib/client.mjs";
import { edit, openPage, react, typing, unexpectedConsoleErrors, unreact, waitLive } from "./helpers.mjs";

/** The chips under message `seq`, as [emoji, count] pairs in page order. */
const chips = (scope, seq) =>
  scope
    .locator(`.msg[data-seq="${seq}"] .reaction`)
    .evaluateAll((els) => els.map((el) => [el.querySelector(".reaction-emoji").textContent, Number(el.querySelector(".reaction-count").textContent)]));

/** Waits until `read()` deep-equals `expected` (a live update on its way). */
async function eventually(read, expected, label, ms = 10_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await read();
    try {
      assert.deepEqual(last, expected);
      return;
    } catch {
      if (Date.now() > end) assert.deepEqual(last, expected, `${label}: still ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function assertQuiet(page) {
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(page), []);
}

test("reaction chips follow the counts live, say who reacted, and stay after a reload", { timeout: 90_000 }, async () => {
  const ana = await registerBot("ana", "Posts things worth reacting to.");
  const ben = await registerBot("ben", "Reacts a lot.");
  const cat = await registerBot("cat", "Reacts sometimes.");
  const room = await createRoom(ana, { name: unique("Reactions ") });
  const message = await post(ana, room.id, "Radix sort wins for fixed-width keys.");
  const inGlobal = await post(ana, "global", unique("global reactions "));

  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  const global = await openPage();
  await global.goto("/global");
  await Promise.all([waitLive(page), waitLive(global)]);
  await page.locator(`.msg[data-seq="${message.seq}"]`).waitFor();
  assert.deepEqual(await chips(page, message.seq), [], "no chips before any reaction");
  const navigations = [];
  page.on("framenavigated", (f) => f === page.mainFrame() && navigations.push(f.url()));

  await react(ben, room.id, message.seq, "👍");
  await eventually(() => chips(page, message.seq), [["👍", 1]], "first reaction");
  await react(cat, room.id, message.seq, "👍");
  await react(cat, room.id, message.seq, "🎉");
  await eventually(() => chips(page, message.seq), [["👍", 2], ["🎉", 1]], "a count goes up, a new emoji comes last");
  const thumbs = page.getByRole("button", { name: "👍 reacted by 2 bots" });
  assert.equal(await thumbs.count(), 1, "the chip's name says what it counts");
  assert.equal(await page.getByRole("list", { name: "Reactions" }).count(), 1);

  await unreact(ben, room.id, message.seq, "👍");
  await unreact(cat, room.id, message.seq, "🎉");
  await eventually(() => chips(page, message.seq), [["👍", 1]], "a count goes down; at 0 the chip goes");
  assert.deepEqual(navigations, [], "no reload happened");

  // Who reacted: a read-only list under the message, opened from the keyboard.
  const reads = [];
  page.on("request", (r) => r.url().includes("/reactions/") && reads.push(`${r.method()} ${new URL(r.url()).pathname}`));
  const chip = page.getByRole("button", { name: "👍 reacted by 1 bot" });
  await chip.focus();
  await page.keyboard.press("Enter");
  const who = page.locator(`.msg[data-seq="${message.seq}"] .reaction-who`);
  await who.locator(".reaction-who-bot", { hasText: cat.bot.name }).waitFor();
  assert.equal(await chip.getAttribute("aria-expanded"), "true");
  assert.equal(await who.locator(".reaction-who-bot").getAttribute("href"), `/bots/${cat.bot.name}`);
  assert.equal(await who.locator(".reaction-who-bot").count(), 1);
  assert.deepEqual(reads, [`GET /api/rooms/${room.id}/messages/${message.seq}/reactions/%F0%9F%91%8D`], "only reads");
  await who.locator(".reaction-who-bot").focus();
  await page.keyboard.press("Escape");
  assert.equal(await who.count(), 0, "Escape closes the list");
  assert.equal(await chip.evaluate((el) => el === document.activeElement), true, "focus is back on the chip");
  assert.equal(await chip.getAttribute("aria-expanded"), "false");

  // History carries the reactions: after a reload they are there from the start.
  await page.reload();
  await waitLive(page);
  await page.locator(`.msg[data-seq="${message.seq}"]`).waitFor();
  assert.deepEqual(await chips(page, message.seq), [["👍", 1]], "after a reload");

  // The global chat: the room is `global` on the reaction routes.
  await global.locator(`.msg[data-seq="${inGlobal.seq}"]`).waitFor();
  await react(ben, "global", inGlobal.seq, "🚀");
  await eventually(() => chips(global, inGlobal.seq), [["🚀", 1]], "a reaction in the global chat");

  for (const p of [page, global]) {
    assertQuiet(p);
    await p.context().close();
  }
});

test("an edit shows the new text and the edited mark, live and after a reload", { timeout: 60_000 }, async () => {
  const ana = await registerBot("edna", "Fixes her typos.");
  const ben = await registerBot("eben", "Quotes edna.");
  const cat = await registerBot("ecat", "Gets mentioned after the fact.");
  const room = await createRoom(ana, { name: unique("Edits ") });
  const typo = unique("teh-typo-");
  const message = await post(ana, room.id, `${typo} in this sentence`);
  const reply = await post(ben, room.id, "Quoting that.", { reply_to: message.seq });

  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  const node = page.locator(`.msg[data-seq="${message.seq}"]`);
  await node.waitFor();
  assert.equal(await node.locator(".msg-edited").count(), 0, "not edited yet");

  const fixed = unique("fixed-");
  const edited = await edit(ana, room.id, message.seq, `${fixed} — thanks @${cat.bot.name}`);
  assert.ok(edited.edited_at, "the API says when");
  await node.locator(".msg-body", { hasText: fixed }).waitFor({ timeout: 10_000 });
  assert.ok(!(await node.innerText()).includes(typo), "the old text is gone");
  assert.equal(await node.locator(".mention").innerText(), `@${cat.bot.name}`, "mentions follow the new text");
  const mark = node.locator(".msg-edited time");
  assert.equal(await mark.getAttribute("datetime"), edited.edited_at);
  assert.match(await mark.getAttribute("title"), /^Edited .{10,}/);
  assert.match(await node.locator(".msg-edited").textContent(), /^edited \d/, "'edited 12:03' for screen readers");
  // The reply quotes the new text.
  await page.locator(`.msg[data-seq="${reply.seq}"] .reply-preview`, { hasText: fixed }).waitFor();
  assert.deepEqual(await page.$$eval(".feed-list .msg", (els) => els.map((el) => Number(el.dataset.seq))), [message.seq, reply.seq], "in its place");

  await page.reload();
  await waitLive(page);
  await node.locator(".msg-body", { hasText: fixed }).waitFor();
  assert.equal(await node.locator(".msg-edited time").getAttribute("datetime"), edited.edited_at, "after a reload");
  assert.ok(!(await page.evaluate(() => document.body.textContent)).includes(typo), "nothing of the old text");
  assertQuiet(page);
  await page.context().close();
});

test("'x is typing…' shows who types and goes away", { timeout: 60_000 }, async () => {
  const [ada, bob, cy] = [await registerBot("tada"), await registerBot("tbob"), await registerBot("tcy")];
  const room = await createRoom(ada, { name: unique("Typing ") });
  const page = await openPage();
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  const line = page.locator("[data-typing]");
  assert.equal(await line.getAttribute("aria-live"), "polite");
  assert.equal(await line.textContent(), "");

  await typing(ada, room.id);
  await line.filter({ hasText: `${ada.bot.name} is typing…` }).waitFor({ timeout: 10_000 });
  await typing(bob, room.id);
  await line.filter({ hasText: `${ada.bot.name} and ${bob.bot.name} are typing…` }).waitFor({ timeout: 10_000 });
  // A bot's message ends its typing at once.
  const said = await post(ada, room.id, "Done typing.");
  await page.locator(`.msg[data-seq="${said.seq}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await line.textContent(), `${bob.bot.name} is typing…`);
  // Nobody else types: after 5 s the line is empty again.
  const start = Date.now();
  await page.waitForFunction(() => document.querySelector("[data-typing]").textContent === "", null, { timeout: 8000 });
  assert.ok(Date.now() - start > 2500, "shown for a while, not dropped at once");

  await Promise.all([typing(ada, room.id), typing(bob, room.id), typing(cy, room.id)]);
  await line.filter({ hasText: "3 bots are typing…" }).waitFor({ timeout: 10_000 });
  assertQuiet(page);
  await page.context().close();
});

test("who is here: bots holding a keyed stream, and the observers (this page too)", { timeout: 90_000 }, async () => {
  const host = await registerBot("phost", "Stays connected.");
  const guest = await registerBot("pguest", "Drops by.");
  const room = await createRoom(host, { name: unique("Presence ") });
  const hostStream = await openStream(`/api/rooms/${room.id}/ws`, { key: host.key });

  const page = await openPage();
  const reads = [];
  page.on("request", (r) => r.url().includes("/presence") && reads.push(new URL(r.url()).pathname));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  const section = page.locator("[data-presence]");
  await section.waitFor({ state: "visible", timeout: 10_000 });
  assert.equal(await page.getByRole("heading", { name: "Here now" }).count(), 1);
  const link = section.locator(".presence-bot", { hasText: host.bot.name });
  await link.waitFor({ timeout: 10_000 });
  assert.equal(await link.getAttribute("href"), `/bots/${host.bot.name}`);
  const observers = section.locator("[data-presence-observers]");
  await observers.filter({ hasText: /^1 observer watching$/ }).waitFor({ timeout: 10_000 });
  assert.ok(reads.includes(`/api/rooms/${room.id}/presence`), `presence read: ${reads}`);
  const api1 = await api("GET", `/api/rooms/${room.id}/presence`);
  assert.equal(api1.status, 200, api1.text);
  assert.deepEqual(api1.body.bots.map((b) => b.name), [host.bot.name]);

  // Live: another viewer arrives, a bot connects, the first bot leaves (frames come at
  // most every 5 s).
  const second = await openPage();
  await second.goto(`/rooms/${room.id}`);
  await waitLive(second);
  await observers.filter({ hasText: /^2 observers watching$/ }).waitFor({ timeout: 15_000 });
  const guestStream = await openStream(`/api/rooms/${room.id}/ws`, { key: guest.key });
  await section.locator(".presence-bot", { hasText: guest.bot.name }).waitFor({ timeout: 15_000 });
  hostStream.close();
  await link.waitFor({ state: "detached", timeout: 15_000 });
  assert.deepEqual(await section.locator(".presence-bot > :not(.avatar)").allInnerTexts(), [guest.bot.name]);
  guestStream.close();
  await second.context().close();

  // The global chat: a bot holding the global stream with its key is here too.
  const globalStream = await openStream("/api/global/ws", { key: host.key });
  const global = await openPage();
  await global.goto("/global");
  await waitLive(global);
  await global.locator("[data-presence] .presence-bot", { hasText: host.bot.name }).waitFor({ timeout: 15_000 });
  assert.match(await global.locator("[data-presence-observers]").innerText(), /^[1-9]\d* observers? watching$/);
  globalStream.close();

  for (const p of [page, global]) {
    assertQuiet(p);
    await p.context().close();
  }
});

test("the thread view opens from a reply: root and replies in order, keyboard only, live", { timeout: 90_000 }, async () => {
  const ana = await registerBot("thana", "Starts threads.");
  const ben = await registerBot("thben", "Answers.");
  const cat = await registerBot("thcat", "Answers the answers.");
  const room = await createRoom(ana, { name: unique("Threads ") });
  const root = await post(ana, room.id, "Which sort should the standard library use?");
  const first = await post(ben, room.id, "Timsort.", { reply_to: root.seq });
  const aside = await post(cat, room.id, "Unrelated: lunch?");
  const deep = await post(cat, room.id, "Why Timsort, not pdqsort?", { reply_to: first.seq });
  const second = await post(ana, room.id, "Radix for integers, surely.", { reply_to: root.seq });

  const page = await openPage();
  const reads = [];
  page.on("request", (r) => r.url().includes("/api/") && r.url().includes("/thread") && reads.push(new URL(r.url()).pathname + new URL(r.url()).search));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  await page.locator(`.msg[data-seq="${second.seq}"]`).waitFor();
  // A button on every reply, and on the root (it has replies); none on the aside.
  const buttons = await page.$$eval(".feed-list .msg-thread", (els) => els.map((el) => Number(el.dataset.thread)));
  assert.deepEqual(buttons, [root.seq, first.seq, deep.seq, second.seq]);
  const opener = page.getByRole("button", { name: `View thread of message #${deep.seq}`, exact: true });
  assert.equal(await opener.getAttribute("data-thread"), String(deep.seq));

  await opener.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Thread" });
  await dialog.waitFor({ state: "visible" });
  // The walk up the reply chain asked for the root, not the message clicked.
  assert.deepEqual(reads, [`/api/rooms/${room.id}/messages/${root.seq}/thread?limit=100`]);
  await dialog.locator(`.msg[data-seq="${second.seq}"]`).waitFor();
  const inThread = () => dialog.locator(".msg").evaluateAll((els) => els.map((el) => Number(el.dataset.seq)));
  assert.deepEqual(await inThread(), [root.seq, first.seq, deep.seq, second.seq], "root, then replies oldest first");
  assert.ok(!(await dialog.innerText()).includes("lunch"), "nothing outside the thread");
  assert.match(await dialog.locator(".thread-sub").innerText(), new RegExp(`Started by ${ana.bot.name} · 3 replies`));
  assert.equal(await dialog.locator(".thread-root").getAttribute("data-seq"), String(root.seq));
  assert.equal(await dialog.evaluate((el) => el.contains(document.activeElement)), true, "focus moved into the view");
  // Modal: Tab stays inside.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press("Tab");
    const inside = await page.evaluate(() => document.activeElement === document.body || Boolean(document.activeElement.closest("dialog")));
    assert.ok(inside, "focus left the thread view");
  }

  // Live: a reply into the thread joins it; a message elsewhere does not.
  const late = await post(ben, room.id, "pdqsort is not stable.", { reply_to: deep.seq });
  const other = await post(ana, room.id, "Also unrelated.");
  await dialog.locator(`.msg[data-seq="${late.seq}"]`).waitFor({ timeout: 10_000 });
  await page.locator(`.feed-list .msg[data-seq="${other.seq}"]`).waitFor({ state: "attached", timeout: 10_000 });
  assert.deepEqual(await inThread(), [root.seq, first.seq, deep.seq, second.seq, late.seq]);

  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await opener.evaluate((el) => el === document.activeElement), true, "focus returned to the button");

  // From the root, by a click: the same thread; Close works too.
  await page.locator(`.feed-list .msg[data-seq="${root.seq}"] .msg-thread`).click();
  await dialog.locator(`.msg[data-seq="${late.seq}"]`).waitFor();
  await dialog.getByRole("button", { name: "Close thread" }).click();
  await dialog.waitFor({ state: "hidden" });
  assertQuiet(page);
  await page.context().close();
});

test("a private room shows outsiders no reactions, typing or presence", { timeout: 60_000 }, async () => {
  const owner = await registerBot("prvown", "Keeps secrets.");
  const member = await registerBot("prvmem", "Reacts in private.");
  const room = await createRoom(owner, { name: unique("Private talk "), visibility: "private", invite: [member.bot.name] });
  const message = await post(owner, room.id, "members only");
  const memberStream = await openStream(`/api/rooms/${room.id}/ws`, { key: member.key });

  const page = await openPage();
  const received = [];
  const reads = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => received.push(JSON.parse(String(f.payload)))));
  page.on("request", (r) => reads.push(new URL(r.url()).pathname));
  await page.goto(`/rooms/${room.id}`);
  await waitLive(page);
  await page.locator("[data-private]").waitFor({ state: "visible" });

  await react(member, room.id, message.seq, "👍");
  await edit(owner, room.id, message.seq, "members only, edited");
  await typing(member, room.id);
  await post(member, room.id, "still members only");
  await page.locator("[data-activity-count]", { hasText: "2 messages" }).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(6000); // past the next presence frame

  assert.equal(await page.locator(".reaction, .msg-edited, .msg-thread, .presence-bot").count(), 0);
  assert.equal(await page.locator("[data-presence]").isVisible(), false, "no presence section");
  assert.equal(await page.locator("[data-typing]").isVisible(), false, "no typing line");
  assert.equal(await page.locator("[data-typing]").textContent(), "");
  assert.ok(!(await page.evaluate(() => document.body.textContent)).includes(member.bot.name), "no member's name");
  assert.ok(!reads.some((path) => /^\/api\/.*\/(presence|thread|reactions)\b/.test(path)), `reads: ${reads}`);
  const types = received.map((f) => f.type);
  for (const type of ["reaction", "message_edited", "typing", "presence", "message"]) {
    assert.ok(!types.includes(type), `a ${type} frame reached an outsider: ${types}`);
  }
  assert.equal((await api("GET", `/api/rooms/${room.id}/presence`)).status, 403);
  memberStream.close();
  assertQuiet(page);
  await page.context().close();
});
