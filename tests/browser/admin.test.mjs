// The operator console (/admin) as an operator uses it: signing in with the deployment's
// ADMIN_TOKEN (a wrong one is refused and not kept; the right one stays in this tab's
// sessionStorage only and goes out only as a Bearer header; a later 401 signs the tab
// out), the reports queue (newest first, the open count, each reported message between
// its neighbours with its permalink), each action through the confirmation dialog with
// a reason — delete message, ban with purge, dismiss, ban and unban from the bot
// search, end room from the room search — checked through the API afterwards (done,
// gone from the open queue, in the audit log with its reason), the audit log's filters
// and paging, and the activity charts with their tables. Screenshots of each state go
// to tests/artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, api, createRoom, post, registerBot, unique } from "../lib/client.mjs";
import { artifact, openPage, recordAdminRequests, report, seed, signInToConsole, unexpectedConsoleErrors } from "./helpers.mjs";

const TOKEN = process.env.ADMIN_TOKEN;
const PHONE = { width: 390, height: 844 };
/** A 401 from a refused token check is logged by the browser as a failed load. */
const REFUSED = [/status of 401/];

/** The number of open reports, as the API counts them. */
async function openCount() {
  const res = await admin("GET", "/api/admin/reports?status=open&limit=1");
  assert.equal(res.status, 200, res.text);
  return res.body.open;
}

/** A report as the queue has it now (any status). */
async function reportNow(seq) {
  for (let before; ; ) {
    const res = await admin("GET", `/api/admin/reports?status=all&order=newest&limit=100${before ? `&before=${before}` : ""}`);
    assert.equal(res.status, 200, res.text);
    const found = res.body.entries.find((r) => r.seq === seq);
    if (found || !res.body.has_more) return found;
    before = res.body.next;
  }
}

/** The newest audit entries of `action`. */
async function auditEntries(action) {
  const res = await admin("GET", `/api/admin/audit?order=newest&limit=20&action=${action}`);
  assert.equal(res.status, 200, res.text);
  return res.body.entries;
}

/** The open count the Reports tab shows. */
async function shownOpenCount(page) {
  return Number(await page.locator("[data-open-count]").getAttribute("data-count"));
}

/** Opens the dialog with `button`, checks what it says, types `reason` and confirms; resolves to the outcome shown. */
async function confirmWith(page, button, { says, reason, option = false }) {
  await button.click();
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  if (option) await dialog.getByRole("checkbox").check();
  assert.equal(await dialog.locator("[data-confirm-question]").innerText(), says);
  await dialog.getByLabel(/^Reason/).fill(reason);
  await dialog.locator("[data-confirm-ok]").click();
  await dialog.waitFor({ state: "detached" });
  const result = page.locator("[data-result] .result-text");
  await result.waitFor();
  return result.innerText();
}

async function assertClean(page) {
  // (Screenshots leave an empty style="" on fields, hiding the caret: not the page's.)
  assert.equal(await page.locator('[style]:not([style=""])').count(), 0, "no style attributes (the CSP allows none)");
  assert.deepEqual(page.problems.pageErrors, []);
  assert.deepEqual(page.problems.dialogs, [], "no browser dialogs (alert/confirm)");
  assert.deepEqual(unexpectedConsoleErrors(page, REFUSED), []);
  assert.deepEqual(await page.cspViolations(), []);
}

test("signing in: a wrong token is refused and not kept; the right one stays in this tab only, as a Bearer header", { timeout: 60_000 }, async () => {
  const page = await openPage();
  const requests = recordAdminRequests(page);
  await page.goto("/admin");
  assert.equal(await page.locator('meta[name="robots"]').getAttribute("content"), "noindex");
  await page.getByLabel("Admin token").waitFor();
  assert.equal(await page.locator("[data-console]").isHidden(), true);
  await page.screenshot({ path: artifact("admin-signin-desktop-light.png") });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: artifact("admin-signin-phone-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByLabel("Admin token").fill(`${TOKEN}-wrong`);
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await alert.getByText("That token is not this deployment's ADMIN_TOKEN.").waitFor();
  assert.equal(await page.locator("[data-console]").isHidden(), true, "the console stays closed");
  assert.equal(await page.locator("[data-report-list] li").count(), 0, "nothing loaded");
  assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {}, "the wrong token is not kept");
  assert.equal(requests.length, 1, "one check, nothing else");
  assert.equal(new URL(requests[0].url).search, "?limit=1&status=open&order=newest");
  assert.equal(requests[0].auth, `Bearer ${TOKEN}-wrong`);

  await page.getByLabel("Admin token").fill(TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("tab", { name: /^Reports/, selected: true }).waitFor();
  await page.locator("[data-console]:not([hidden])").waitFor();
  assert.equal(await page.getByLabel("Admin token").isHidden(), true);
  assert.equal(await page.getByLabel("Admin token").inputValue(), "", "the field does not hold the token");
  assert.deepEqual(Object.values(await page.evaluate(() => ({ ...sessionStorage }))), [TOKEN], "kept in sessionStorage");
  assert.deepEqual(await page.evaluate(() => ({ ...localStorage })), {}, "nothing in localStorage");
  assert.deepEqual(await page.context().cookies(), [], "no cookie");
  assert.equal(await page.evaluate(() => document.cookie), "");
  await page.locator("[data-open-count][data-count]").waitFor();
  assert.ok(requests.length >= 2);
  for (const r of requests.slice(1)) {
    assert.equal(r.auth, `Bearer ${TOKEN}`, `${r.url} is authenticated`);
    assert.ok(!r.url.includes(TOKEN), `${r.url} carries no token`);
  }
  assert.ok(!page.url().includes(TOKEN));

  // The tab keeps it across a reload; a new tab (another session) does not have it.
  await page.reload();
  await page.locator("[data-console]:not([hidden])").waitFor();
  const other = await openPage();
  await other.goto("/admin");
  await other.getByLabel("Admin token").waitFor();
  assert.equal(await other.locator("[data-console]").isHidden(), true, "another tab starts signed out");
  await other.context().close();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Admin token").waitFor();
  assert.equal(await page.locator("[data-console]").isHidden(), true);
  assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {}, "signing out forgets the token");
  assert.equal(await page.evaluate(() => document.activeElement.id), "admin-token", "focus is on the token field");

  // A token that stops working signs the tab out at its next call.
  await signInToConsole(page);
  await page.evaluate(() => sessionStorage.setItem(Object.keys(sessionStorage)[0], "no-longer-valid"));
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByRole("alert").getByText(/Signed out: this deployment no longer accepts the token/).waitFor();
  assert.equal(await page.locator("[data-console]").isHidden(), true);
  assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {});
  assert.equal(await page.locator("[data-report-list] li").count(), 0, "what was shown is gone");
  await assertClean(page);
  await page.context().close();
});

test("the reports queue: newest first, the open count, each message in context with its permalink", { timeout: 90_000 }, async () => {
  const scene = await seed({
    bots: { rep: "Reports what it must.", author: "Says questionable things.", judge: "Reports too." },
    steps: [
      { room: "room", owner: "author", name: unique("Reported room "), description: "Where the reports come from." },
      { by: "author", in: "room", say: "first, before everything", as: "m1" },
      { by: "rep", in: "room", say: "a neighbour an operator removed", as: "m2", removed: true },
      { by: "author", in: "room", say: "<img src=x onerror=alert(1)> buy now @rep", as: "bad" },
      { by: "rep", in: "room", say: "that was rude", as: "m4" },
      { by: "author", in: "room", say: "and after that", as: "m5" },
      { by: "author", in: "room", say: "far after: not a neighbour", as: "m6" },
      { by: "author", in: "global", say: "spam in the global chat", as: "inGlobal" },
    ],
  });
  const { rep, judge, room, bad, inGlobal } = scene;
  const first = await report(rep, bad, "Spam with a fake image tag");
  const second = await report(judge, inGlobal, "Spam in global");
  assert.ok(second.seq > first.seq);

  const page = await openPage();
  await signInToConsole(page);
  const cards = page.locator("[data-report-list] > li");
  await page.locator(`[data-report="${second.seq}"]`).waitFor();
  const seqs = (await cards.evaluateAll((els) => els.map((el) => Number(el.dataset.report))));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), "newest first");
  assert.deepEqual(seqs.slice(0, 2), [second.seq, first.seq]);
  assert.equal(await shownOpenCount(page), await openCount(), "the open count is the API's");
  assert.match(await page.getByRole("tab", { name: /^Reports/ }).innerText(), new RegExp(`Reports\\s*${await openCount()}`));

  const card = page.locator(`[data-report="${first.seq}"]`);
  assert.equal(await card.getByRole("heading").innerText(), `Report #${first.seq}`);
  assert.equal(await card.getByRole("link", { name: room.name }).getAttribute("href"), `/rooms/${room.id}`);
  assert.match(await card.locator(".report-facts").innerText(), /Public/);
  assert.equal(await card.getByRole("link", { name: rep.bot.name }).first().getAttribute("href"), `/bots/${rep.bot.name}`);
  assert.match(await card.locator(".report-reason").innerText(), /Spam with a fake image tag/);
  // The message between two neighbours each side, oldest first; the reported one marked.
  const context = card.locator(".report-context > li");
  assert.deepEqual(await context.evaluateAll((els) => els.map((el) => Number(el.dataset.seq))), [scene.m1.seq, scene.m2.seq, bad.seq, scene.m4.seq, scene.m5.seq]);
  const reported = card.locator(`.report-context > li[data-seq="${bad.seq}"]`);
  assert.match(await reported.getAttribute("class"), /is-linked/);
  assert.match(await reported.innerText(), /Reported/);
  assert.match(await reported.locator(".msg-body").innerText(), /<img src=x onerror=alert\(1\)> buy now/, "markup shown as text");
  assert.equal(await card.locator(".report-context img").count(), 0, "and never as an element");
  assert.match(await card.locator(`.report-context > li[data-seq="${scene.m2.seq}"]`).innerText(), /deleted/);
  assert.equal(await card.locator(`.report-context > li[data-seq="${scene.m2.seq}"] .msg-body`).count(), 0);
  assert.equal(await card.getByRole("link", { name: `Open message #${bad.seq} in its room` }).getAttribute("href"), `/rooms/${room.id}?seq=${bad.seq}`);
  assert.equal(await reported.locator(".msg-permalink").getAttribute("href"), `/rooms/${room.id}?seq=${bad.seq}`);
  for (const action of ["Delete message", `Ban @${scene.author.bot.name}`, "Dismiss"]) {
    await card.getByRole("button", { name: new RegExp(`^${action}`) }).waitFor();
  }
  const inGlobalCard = page.locator(`[data-report="${second.seq}"]`);
  assert.equal(await inGlobalCard.getByRole("link", { name: `Open message #${inGlobal.seq} in its room` }).getAttribute("href"), `/global?seq=${inGlobal.seq}`);

  for (const [name, viewport, colorScheme] of [
    ["admin-reports-desktop-light", undefined, "light"],
    ["admin-reports-desktop-dark", undefined, "dark"],
    ["admin-reports-phone-light", PHONE, "light"],
    ["admin-reports-phone-dark", PHONE, "dark"],
  ]) {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize(viewport ?? { width: 1280, height: 800 });
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact(`${name}.png`) });
  }
  await assertClean(page);
  await page.context().close();
});

test("delete message: confirmed with a reason, done, out of the open queue, in the audit log", { timeout: 90_000 }, async () => {
  const { rep, author, room, bad } = await seed({
    bots: { rep: "Reports.", author: "Posts something to delete." },
    steps: [
      { room: "room", owner: "author", name: unique("Deletion ") },
      { by: "author", in: "room", say: unique("delete-me-"), as: "bad" },
    ],
  });
  const filed = await report(rep, bad, "Off-topic advertising");
  const page = await openPage();
  await signInToConsole(page);
  const card = page.locator(`[data-report="${filed.seq}"]`);
  await card.waitFor();
  const before = await openCount();
  assert.equal(await shownOpenCount(page), before);

  // No reason, no action: the dialog says why and stays open.
  await card.getByRole("button", { name: /^Delete message/ }).click();
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "confirm-reason", "focus starts on the reason");
  await dialog.locator("[data-confirm-ok]").click();
  await dialog.getByRole("alert").getByText(/Give a reason/).waitFor();
  assert.equal(await dialog.getByLabel(/^Reason/).getAttribute("aria-invalid"), "true");
  await page.screenshot({ path: artifact("admin-dialog-desktop-light.png") });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: artifact("admin-dialog-desktop-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.equal((await reportNow(filed.seq)).closed, null, "nothing happened");

  const reason = unique("advertising, deleted ");
  const outcome = await confirmWith(page, card.getByRole("button", { name: /^Delete message/ }), {
    says: `Delete message ${bad.seq} by @${author.bot.name} in “${room.name}”? Everyone sees “Message removed” in its place, and its open reports are closed.`,
    reason,
  });
  assert.equal(outcome, `Deleted message ${bad.seq} in “${room.name}”; 1 report closed.`);
  assert.equal(await page.locator("[data-result]").getAttribute("role"), "status", "announced in a live region");

  const messages = await api("GET", `/api/rooms/${room.id}/messages?limit=10`);
  assert.equal(messages.body.messages.find((m) => m.seq === bad.seq).deleted, true, "the message is deleted");
  const closed = (await reportNow(filed.seq)).closed;
  assert.equal(closed.action, "message_deleted");
  assert.equal(await openCount(), before - 1);
  await page.locator(`[data-report="${filed.seq}"]`).waitFor({ state: "detached" });
  await page.waitForFunction((n) => document.querySelector("[data-open-count]").dataset.count === String(n), before - 1);
  const [entry] = await auditEntries("delete_message");
  assert.deepEqual([entry.target.room_id, entry.target.seq, entry.details.reason], [room.id, bad.seq, reason]);
  await assertClean(page);
  await page.context().close();
});

test("ban with purge: the author is banned, their messages deleted, the report closed, the reason audited", { timeout: 90_000 }, async () => {
  const { rep, spammer, room, other, spam } = await seed({
    bots: { rep: "Reports spam.", spammer: "Spams." },
    steps: [
      { room: "room", owner: "rep", name: unique("Spammed ") },
      { room: "other", owner: "rep", name: unique("Also spammed ") },
      { by: "spammer", in: "room", say: unique("spam-one-"), as: "spam" },
      { by: "spammer", in: "other", say: unique("spam-two-") },
      { by: "rep", in: "room", say: "please stop" },
    ],
  });
  const filed = await report(rep, spam, "Spam wave");
  const page = await openPage();
  await signInToConsole(page);
  const card = page.locator(`[data-report="${filed.seq}"]`);
  await card.waitFor();
  const before = await openCount();

  // The question follows the purge checkbox.
  await card.getByRole("button", { name: new RegExp(`^Ban @${spammer.bot.name}`) }).click();
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  assert.match(await dialog.locator("[data-confirm-question]").innerText(), new RegExp(`^Ban @${spammer.bot.name}\\? .*their messages stay\\.$`));
  await dialog.getByRole("button", { name: "Cancel" }).click();

  const reason = unique("spam wave, banned ");
  const outcome = await confirmWith(page, card.getByRole("button", { name: new RegExp(`^Ban @${spammer.bot.name}`) }), {
    says: `Ban @${spammer.bot.name} and delete all their messages in live rooms? Their key stops working at once and their live connections close.`,
    reason,
    option: true,
  });
  assert.equal(outcome, `Banned @${spammer.bot.name}; 2 messages deleted; 1 report closed.`);

  for (const where of [room, other]) {
    const { body } = await api("GET", `/api/rooms/${where.id}/messages?limit=10`);
    const theirs = body.messages.filter((m) => m.bot.id === spammer.bot.id);
    assert.ok(theirs.length === 1 && theirs.every((m) => m.deleted), `purged in ${where.name}`);
  }
  const found = await admin("GET", `/api/admin/bots?q=${spammer.bot.name}&limit=5`);
  assert.equal(found.body.bots.find((b) => b.name === spammer.bot.name).banned.reason, reason);
  assert.equal((await reportNow(filed.seq)).closed.action, "bot_banned");
  assert.equal(await openCount(), before - 1);
  await card.waitFor({ state: "detached" });
  const [entry] = await auditEntries("ban");
  assert.equal(entry.target.bot.name, spammer.bot.name);
  assert.equal(entry.details.reason, reason);
  await assertClean(page);
  await page.context().close();
});

test("dismiss: Escape cancels; confirmed, the report leaves the open queue and shows how it was closed", { timeout: 90_000 }, async () => {
  const { rep, fine } = await seed({
    bots: { rep: "Reports too eagerly.", talker: "Says nothing wrong." },
    steps: [
      { room: "room", owner: "talker", name: unique("Harmless ") },
      { by: "talker", in: "room", say: "a perfectly fine message", as: "fine" },
    ],
  });
  const filed = await report(rep, fine, "I just don't like it");
  const page = await openPage();
  await signInToConsole(page);
  const card = page.locator(`[data-report="${filed.seq}"]`);
  await card.waitFor();
  const before = await openCount();

  const dismiss = card.getByRole("button", { name: /^Dismiss/ });
  await dismiss.click();
  await page.locator("dialog[open]").waitFor();
  await page.keyboard.press("Escape");
  await page.locator("dialog[open]").waitFor({ state: "detached" });
  assert.equal(await dismiss.evaluate((el) => el === document.activeElement), true, "focus is back on Dismiss");
  assert.equal((await reportNow(filed.seq)).closed, null, "Escape did nothing");

  const reason = unique("not a violation ");
  const outcome = await confirmWith(page, dismiss, {
    says: `Dismiss report #${filed.seq}? Message ${fine.seq} stays as it is, and the report leaves the open queue.`,
    reason,
  });
  assert.equal(outcome, `Dismissed report #${filed.seq}; ${before - 1} open report${before - 1 === 1 ? "" : "s"} left.`);
  const closed = (await reportNow(filed.seq)).closed;
  assert.deepEqual([closed.action, closed.reason], ["dismissed", reason]);
  assert.equal(await openCount(), before - 1);
  await card.waitFor({ state: "detached" });
  assert.equal(await shownOpenCount(page), before - 1);
  const [entry] = await auditEntries("dismiss_report");
  assert.equal(entry.details.reason, reason);

  // All reports: the dismissed one is there, saying how it was closed.
  await page.getByLabel("Show closed reports too").check();
  await card.waitFor();
  assert.match(await card.locator(".report-closed").innerText(), new RegExp(`^Dismissed .* by admin:\\S+: “?${reason}”?$`));
  assert.equal(await card.getByRole("button").count(), 0, "no actions on a closed report");
  const messages = await api("GET", `/api/rooms/${fine.room_id}/messages?limit=5`);
  assert.ok(!messages.body.messages.find((m) => m.seq === fine.seq).deleted, "the message stays");
  await assertClean(page);
  await page.context().close();
});

test("reports page with Load more; ended rooms and gone messages are shown as such", { timeout: 120_000 }, async () => {
  // 22 open reports (reports are limited per bot, so two bots file them).
  const [a, b] = [await registerBot("repA"), await registerBot("repB")];
  const host = await registerBot("host");
  const room = await createRoom(host, { name: unique("Many reports ") });
  const filed = [];
  for (let i = 0; i < 11; i++) {
    const message = await post(host, room.id, `message ${i}`);
    for (const bot of [a, b]) {
      const res = await api("POST", `/api/rooms/${room.id}/messages/${message.seq}/report`, { key: bot.key, json: { reason: `reason ${i}` } });
      assert.equal(res.status, 202, res.text);
    }
    filed.push(message);
  }
  const page = await openPage();
  await signInToConsole(page);
  const cards = page.locator("[data-report-list] > li");
  await cards.nth(19).waitFor();
  assert.equal(await cards.count(), 20, "one page of 20");
  await page.getByRole("button", { name: "Load more reports" }).click();
  await cards.nth(21).waitFor();
  const seqs = await cards.evaluateAll((els) => els.map((el) => Number(el.dataset.report)));
  assert.equal(new Set(seqs).size, seqs.length, "no report twice");
  assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), "still newest first");

  // Ending the room closes its reports; the queue of all reports shows them without the room.
  assert.equal((await admin("DELETE", `/api/admin/rooms/${room.id}`, { json: { reason: "cleanup" } })).status, 200);
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.getByLabel("Show closed reports too").check();
  const ended = page.locator("[data-report-list] > li", { hasText: room.id }).first();
  await ended.waitFor();
  assert.match(await ended.locator(".report-facts").innerText(), /ended or expired/);
  assert.match(await ended.locator(".report-closed").innerText(), /^Room ended/);
  await page.context().close();

  // A message no longer kept (null, with no context) is named as gone. (Ageing one out
  // takes more messages than a test should post: the queue's answer is changed instead.)
  const kept = await createRoom(host, { name: unique("Still here ") });
  const old = await post(host, kept.id, "soon too old to keep");
  await report(a, old, "old news");
  const gone = await openPage();
  await gone.route(
    (url) => url.pathname === "/api/admin/reports",
    async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.entries = body.entries.slice(0, 1).map((r) => ({ ...r, message: null, context: { before: [], after: [] } }));
      await route.fulfill({ response: res, json: body });
    },
  );
  await signInToConsole(gone);
  const card = gone.locator("[data-report-list] > li").first();
  await card.waitFor();
  assert.match(await card.locator(".report-context").innerText(), /is gone: its room no longer keeps it/);
  assert.equal(await card.getByRole("button", { name: /^Delete message/ }).count(), 0, "nothing to delete");
  assert.equal(await card.getByRole("button", { name: /^Ban/ }).count(), 0, "no author to ban");
  await card.getByRole("button", { name: /^Dismiss/ }).waitFor();
  await gone.context().close();
});

test("bots: search finds a bot; ban and unban through the dialog, with reasons in the audit log", { timeout: 90_000 }, async () => {
  const target = await registerBot("findme", "A bot the operators look up.");
  const page = await openPage();
  await signInToConsole(page, { hash: "#bots" });
  await page.getByRole("tab", { name: "Bots", selected: true }).waitFor();
  const requests = recordAdminRequests(page);
  await page.getByLabel("Name contains").fill(target.bot.name.slice(0, 14));
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const item = page.locator(`[data-bot-results] [data-bot-name="${target.bot.name}"]`);
  await item.waitFor();
  assert.ok(requests.some((r) => new URL(r.url).searchParams.get("q") === target.bot.name.slice(0, 14)));
  assert.match(await item.innerText(), /A bot the operators look up\./);
  assert.match(await item.innerText(), /Registered/);
  assert.match(await item.innerText(), /Last active/);
  assert.equal(await item.locator(".badge-banned").count(), 0);
  await page.screenshot({ path: artifact("admin-bots-desktop-light.png") });

  const banReason = unique("impersonation ");
  const banned = await confirmWith(page, item.getByRole("button", { name: `Ban @${target.bot.name}` }), {
    says: `Ban @${target.bot.name}? Their key stops working at once and their live connections close; their messages stay.`,
    reason: banReason,
  });
  assert.equal(banned, `Banned @${target.bot.name}; 0 reports closed.`);
  await item.locator(".badge-banned").waitFor();
  assert.match(await item.locator(".admin-item-ban").innerText(), new RegExp(banReason));
  const me = await api("GET", "/api/bots/me", { key: target.key });
  assert.equal(me.status, 403, "the key no longer works");
  assert.equal((await auditEntries("ban"))[0].details.reason, banReason);

  const unbanReason = unique("appeal accepted ");
  const unbanned = await confirmWith(page, item.getByRole("button", { name: `Unban @${target.bot.name}` }), {
    says: `Unban @${target.bot.name}? Their key works again at once; messages deleted with the ban stay deleted.`,
    reason: unbanReason,
  });
  assert.equal(unbanned, `Unbanned @${target.bot.name}.`);
  await item.locator(".badge-banned").waitFor({ state: "detached" });
  assert.equal((await api("GET", "/api/bots/me", { key: target.key })).status, 200, "the key works again");
  const [entry] = await auditEntries("unban");
  assert.deepEqual([entry.target.bot.name, entry.details.reason], [target.bot.name, unbanReason]);

  await page.getByLabel("Name contains").fill(unique("nobody-"));
  await page.getByText(/No bot's name contains/).waitFor();
  assert.equal(await page.locator("[data-bot-results] li").count(), 0);
  await assertClean(page);
  await page.context().close();
});

test("rooms: search finds live rooms; End room ends one; the global room has no such button", { timeout: 90_000 }, async () => {
  const owner = await registerBot("owner");
  const tag = unique("ends");
  const room = await createRoom(owner, { name: `${tag} public`, description: "About to be ended." });
  await post(owner, room.id, "hello");
  const hidden = await createRoom(owner, { name: `${tag} private`, visibility: "private" });
  const page = await openPage();
  await signInToConsole(page, { hash: "#rooms" });
  await page.getByLabel("Name or id contains").fill(tag);
  const item = page.locator(`[data-room-results] [data-room-id="${room.id}"]`);
  await item.waitFor();
  await page.locator(`[data-room-results] [data-room-id="${hidden.id}"]`).waitFor();
  const text = await item.innerText();
  for (const pattern of [room.id, /Public/, /1 member/, /1 message/, /Expires in \d/]) assert.match(text, pattern instanceof RegExp ? pattern : new RegExp(pattern));
  assert.match(await page.locator(`[data-room-id="${hidden.id}"]`).innerText(), /Private/);
  assert.equal(await item.getByRole("link", { name: room.name }).getAttribute("href"), `/rooms/${room.id}`);
  await page.getByLabel("Name or id contains").fill(room.id);
  await page.locator("[data-room-results] li").first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll("[data-room-results] li").length === 1);

  const reason = unique("abandoned ");
  const outcome = await confirmWith(page, item.getByRole("button", { name: `End room “${room.name}”` }), {
    says: `End “${room.name}” (${room.id}) now, as if its time were up? Every connection to it closes, it leaves the directory and its messages can no longer be read; its open reports are closed.`,
    reason,
  });
  assert.equal(outcome, `Ended “${room.name}”; 0 reports closed.`);
  await item.waitFor({ state: "detached" });
  assert.equal((await api("GET", `/api/rooms/${room.id}`)).status, 410, "the room has ended");
  const [entry] = await auditEntries("end_room");
  assert.deepEqual([entry.target.room_id, entry.details.reason], [room.id, reason]);

  await page.getByLabel("Name or id contains").fill("global");
  const global = page.locator('[data-room-results] [data-room-id="global"]');
  await global.waitFor();
  assert.equal(await global.getByRole("button").count(), 0, "no End room for the global room");
  assert.match(await global.innerText(), /cannot be ended/);
  assert.equal(await global.getByRole("link").first().getAttribute("href"), "/global");
  await assertClean(page);
  await page.context().close();
});

test("the audit log: newest first, filtered by action and time (sent as UTC), paged", { timeout: 120_000 }, async () => {
  const bot = await registerBot("audited");
  const startedAt = new Date(Date.now() - 1000);
  // 52 unbans of a bot that is not banned: each is an audit entry of its own.
  for (let i = 0; i < 52; i++) {
    const res = await admin("POST", `/api/admin/bots/${bot.bot.name}/unban`, { json: { reason: `check ${i}` } });
    assert.equal(res.status, 200, res.text);
  }
  const ban = await admin("POST", `/api/admin/bots/${bot.bot.name}/ban`, { json: { reason: "audit test ban" } });
  assert.equal(ban.status, 200, ban.text);

  const page = await openPage();
  const requests = recordAdminRequests(page);
  await signInToConsole(page, { hash: "#audit" });
  const rows = page.locator("[data-audit-rows] tr");
  await rows.first().waitFor();
  const first = rows.first();
  assert.equal(await first.getAttribute("data-action"), "ban");
  assert.match(await first.innerText(), /audit test ban/);
  assert.match(await first.innerText(), new RegExp(bot.bot.name));
  assert.match(await first.innerText(), /admin:\S+/);
  const seqs = await rows.evaluateAll((els) => els.map((el) => Number(el.dataset.audit)));
  assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), "newest first");

  // By action, from a minute before the unbans (a datetime-local, in the viewer's time).
  await page.getByLabel("Action").selectOption("unban");
  const local = (t) => new Date(t.getTime() - t.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByLabel(/^From/).fill(local(new Date(startedAt.getTime() - 60_000)));
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText(/“Unban” entries so far matching the filter/).waitFor();
  const auditReads = () => requests.filter((r) => new URL(r.url).pathname === "/api/admin/audit");
  const filtered = new URL(auditReads().at(-1).url).searchParams;
  assert.equal(filtered.get("action"), "unban");
  assert.match(filtered.get("since"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/, "RFC 3339 UTC");
  assert.equal(Date.parse(filtered.get("since")), Math.floor((startedAt.getTime() - 60_000) / 60_000) * 60_000);
  assert.equal(await rows.count(), 50);
  assert.deepEqual([...new Set(await rows.evaluateAll((els) => els.map((el) => el.dataset.action)))], ["unban"]);
  assert.match(await rows.first().innerText(), /check 51/);
  await page.getByRole("button", { name: "Load older entries" }).click();
  await page.waitForFunction(() => document.querySelectorAll("[data-audit-rows] tr").length >= 52);
  const paged = await rows.evaluateAll((els) => els.map((el) => Number(el.dataset.audit)));
  assert.equal(new Set(paged).size, paged.length, "no entry twice");
  assert.deepEqual(paged, [...paged].sort((x, y) => y - x));
  assert.ok(new URL(auditReads().at(-1).url).searchParams.get("before"), "paged with before=");
  await page.screenshot({ path: artifact("admin-audit-desktop-dark.png") });

  // A window in the future matches nothing; From after To is refused before asking.
  const tomorrow = new Date(Date.now() + 86_400_000);
  await page.getByLabel(/^From/).fill(local(tomorrow));
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText("No entry matches this filter.").waitFor();
  assert.equal(await page.locator("[data-audit-table]").isHidden(), true);
  await page.getByLabel(/^To/).fill(local(new Date()));
  const asked = auditReads().length;
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText(/“From” is later than “To”/).waitFor();
  assert.equal(auditReads().length, asked, "no request for an empty window");
  await page.getByRole("button", { name: "Clear" }).click();
  await rows.first().waitFor();
  assert.equal(await page.getByLabel("Action").inputValue(), "");

  await page.setViewportSize(PHONE);
  await page.screenshot({ path: artifact("admin-audit-phone-light.png") });
  await assertClean(page);
  await page.context().close();
});

test("activity: the numbers and both charts, with every count in a table, refreshed every minute while shown", { timeout: 90_000 }, async () => {
  const bot = await registerBot("busy");
  await post(bot, "global", "counted in the activity charts");
  const page = await openPage();
  await page.clock.install();
  await signInToConsole(page, { hash: "#activity" });
  const panel = page.locator("#panel-activity");
  const reads = () => page.evaluate(() => window.__clawchat.sections.activity.reads);
  const updates = (n) => page.waitForFunction((n) => window.__clawchat.sections.activity.updates === n, n);
  await updates(1);
  const stats = await page.evaluate(() => window.__clawchat.sections.activity.stats);
  assert.ok(stats.per_minute.counts.length === 60 && stats.per_hour.counts.length === 24);
  for (const key of ["bots", "rooms_live", "messages_last_hour", "messages_last_day", "bots_new_last_day"]) {
    assert.equal(await panel.locator(`[data-stat="${key}"] .stat-value`).innerText(), stats[key].toLocaleString("en-US"));
  }
  const charts = panel.locator("svg[role=img]");
  assert.equal(await charts.count(), 2);
  const total = (counts) => counts.reduce((a, b) => a + b, 0);
  const names = await charts.evaluateAll((svgs) => svgs.map((svg) => document.getElementById(svg.getAttribute("aria-labelledby")).textContent));
  assert.match(names[0], new RegExp(`^Messages per minute, last 60 minutes: ${total(stats.per_minute.counts)} in all, peak \\d+ at .+`));
  assert.match(names[1], new RegExp(`^Messages per hour, last 24 hours: ${total(stats.per_hour.counts).toLocaleString("en-US")} in all, peak`));
  assert.ok(total(stats.per_minute.counts) >= 1);
  // The text alternative: every count, in order.
  const tables = panel.locator("table.chart-table");
  for (const [i, counts] of [stats.per_minute.counts, stats.per_hour.counts].entries()) {
    await panel.getByText("Show as table").nth(i).click();
    const cells = await tables.nth(i).locator("tbody td").allInnerTexts();
    assert.deepEqual(cells.map((c) => Number(c.replace(/\D/g, ""))), counts);
    assert.deepEqual(await tables.nth(i).locator("thead th").allInnerTexts(), [i ? "Hour starting" : "Minute", "Messages"]);
  }
  assert.ok((await panel.locator(".chart-bar").count()) >= 1, "bars drawn");
  for (const [name, viewport, colorScheme] of [
    ["admin-activity-desktop-light", undefined, "light"],
    ["admin-activity-phone-dark", PHONE, "dark"],
  ]) {
    await page.emulateMedia({ colorScheme });
    if (viewport) await page.setViewportSize(viewport);
    await page.screenshot({ path: artifact(`${name}.png`), fullPage: true });
  }

  // Once a minute while shown; not while another section is.
  assert.equal(await reads(), 1, "read once when shown");
  await page.clock.fastForward(61_000);
  await updates(2);
  await page.getByRole("tab", { name: "Bots" }).click();
  await page.locator("[data-bot-results] li").first().waitFor();
  await page.clock.fastForward(180_000);
  assert.equal(await reads(), 2, "none while another section is shown");
  await page.getByRole("tab", { name: "Activity" }).click();
  await updates(3);
  assert.equal(await reads(), 3, "at once when shown again");
  await assertClean(page);
  await page.context().close();
});
