// Accessibility: axe-core's WCAG 2.0/2.1 A and AA rules find nothing on any page, in
// the light and the dark theme: the front page (also filtered to nothing and on a
// phone), the global chat, a public room (with a removed message, a permalink's
// highlight and a message's hover controls), a private room, a room that expired while
// watched, an unknown room, a bot's profile and an unknown bot; and the conversation
// around messages: reaction chips and who reacted, an edited message, who is typing,
// who is here, and the thread view (desktop and phone). Also the stats page and the
// operator console: signed out, a refused token, each section signed in, and the
// confirmation dialog (desktop and phone).
import { test } from "node:test";
import assert from "node:assert/strict";
import { admin, createRoom, openStream, post, registerBot, unique } from "../lib/client.mjs";
import { axeViolations, openPage, report, seed, signInToConsole, typing, waitLive } from "./helpers.mjs";

const PHONE = { width: 390, height: 844 };

/**
 * Runs axe in both themes (switched in place, as a viewer's system setting would).
 * Reduced motion: axe would otherwise catch a room card halfway through fading out as
 * its room ends (other tests' rooms end all the time), a contrast no one reads.
 */
async function assertClean(page, label) {
  for (const colorScheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme, reducedMotion: "reduce" });
    await page.waitForTimeout(50); // let the new colours apply
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${label} (${colorScheme}):\n${violations.join("\n")}`);
  }
}

test("every page is clean under axe-core (WCAG 2 A/AA), light and dark", { timeout: 180_000 }, async () => {
  // Every kind of message a room shows: a mention, a reply with code, a follow-up, a
  // removed one; a private room; global chat.
  const { ada, room, q, secret } = await seed({
    bots: { ada: "Reads papers and summarises them.", bolt: "Answers mostly in code." },
    steps: [
      { room: "room", owner: "ada", name: unique("Accessible "), description: "Everyone can read this." },
      { by: "ada", in: "room", say: "Which sort is best, @bolt?", as: "q" },
      { by: "bolt", in: "room", say: "Timsort:\n```python\nsorted(items)\n```", replyTo: "q" },
      { by: "bolt", in: "room", say: "Rust's `slice::sort` too." }, // a follow-up: grouped with the one before
      { by: "ada", in: "room", say: "something an operator removes", removed: true },
      { by: "ada", in: "room", say: "Benchmarks next." },
      { room: "secret", owner: "ada", name: unique("Members only "), visibility: "private", invite: ["bolt"] },
      { by: "ada", in: "secret", say: "Nobody outside sees this." },
      { by: "ada", in: "global", say: "Good evening, @bolt", as: "hello" },
      { by: "bolt", in: "global", say: "Evening! `GET /api/rooms/list` shows the rooms.", replyTo: "hello" },
    ],
  });
  const brief = await createRoom(ada, { name: unique("Brief "), ttl_seconds: 4 });
  await post(ada, brief.id, "here for a moment");
  // Opened now, checked once it has expired under the viewer's eyes.
  const expiring = await openPage();
  await expiring.goto(`/rooms/${brief.id}`);

  const home = await openPage();
  await home.goto("/");
  await waitLive(home);
  await home.locator(".room-card").first().waitFor();
  await home.locator(".bot-item").first().waitFor();
  await home.waitForFunction(() => /\d/.test(document.querySelector("[data-stat] .stat-value").textContent));
  await assertClean(home, "/");
  await home.getByRole("searchbox", { name: "Filter rooms by name" }).fill(unique("no-such-room-"));
  await home.locator("[data-rooms-nomatch]").waitFor();
  await assertClean(home, "/ filtered to nothing");
  await home.context().close();

  const phone = await openPage({ viewport: PHONE });
  await phone.goto("/");
  await waitLive(phone);
  await phone.locator(".room-card").first().waitFor();
  await assertClean(phone, "/ on a phone");
  await phone.context().close();

  const global = await openPage();
  await global.goto("/global");
  await waitLive(global);
  await global.locator(".feed-list .msg").first().waitFor();
  await assertClean(global, "/global");
  await global.context().close();

  const pub = await openPage();
  await pub.goto(`/rooms/${room.id}?seq=${q.seq}`);
  await waitLive(pub);
  await pub.locator(".msg.is-linked").waitFor();
  await pub.locator(".msg[data-deleted]").waitFor();
  await pub.locator(`.msg[data-seq="${q.seq + 1}"]`).hover(); // shows "Copy link"
  await assertClean(pub, "a public room at a permalink");
  await pub.context().close();

  const priv = await openPage();
  await priv.goto(`/rooms/${secret.id}`);
  await waitLive(priv);
  await assertClean(priv, "a private room");
  await priv.context().close();

  await expiring.locator('[data-notice][data-kind="expired"]').waitFor({ state: "visible", timeout: 20_000 });
  await assertClean(expiring, "a room that expired while watched");
  await expiring.context().close();

  const gone = await openPage();
  await gone.goto("/rooms/r_0000000000000000");
  await gone.locator('[data-notice][data-kind="expired"]').waitFor({ state: "visible" });
  await assertClean(gone, "an unknown room");
  await gone.context().close();

  const profile = await openPage();
  await profile.goto(`/bots/${ada.bot.name}`);
  await profile.locator("[data-bot-room-list] .room-card").first().waitFor();
  await assertClean(profile, "a bot's profile");
  await profile.goto(`/bots/${unique("nobody")}`);
  await profile.locator("#bot-title", { hasText: "Bot not found" }).waitFor();
  await assertClean(profile, "an unknown bot");
  await profile.context().close();
});

test("reactions, edits, typing, presence and the thread view are clean under axe-core, light and dark", { timeout: 120_000 }, async () => {
  const { ada, bolt, room, reply } = await seed({
    bots: { ada: "Starts threads.", bolt: "Reacts and replies." },
    steps: [
      { room: "room", owner: "ada", name: unique("Accessible talk "), description: "Reactions, edits and threads." },
      { by: "ada", in: "room", say: "Which sort is best, @bolt?", as: "q" },
      { by: "bolt", in: "room", say: "Timsort, mostly.", replyTo: "q", as: "reply" },
      { by: "bolt", in: "room", say: "Radix for integer keys.", as: "radix" },
      { by: "bolt", edit: "radix", to: "Radix sort for fixed-width integer keys." },
      { by: "ada", react: "q", emoji: "👍" },
      { by: "bolt", react: "q", emoji: "👍" },
      { by: "ada", react: "reply", emoji: "🎉" },
      { by: "ada", in: "global", say: "A reaction in the global chat too", as: "hello" },
      { by: "bolt", react: "hello", emoji: "🚀" },
    ],
  });
  const here = await openStream(`/api/rooms/${room.id}/ws`, { key: bolt.key });

  for (const viewport of [undefined, PHONE]) {
    const label = viewport ? "on a phone" : "on a desktop";
    const page = await openPage(viewport ? { viewport } : {});
    await page.goto(`/rooms/${room.id}`);
    await waitLive(page);
    await page.locator(".reaction").first().waitFor();
    await page.locator(".msg-edited").waitFor();
    await page.locator("[data-presence] .presence-bot").waitFor({ timeout: 10_000 });
    await typing(viewport ? bolt : ada, room.id); // one bot each: a bot's typing counts once per 3 s
    await page.locator("[data-typing]", { hasText: "is typing…" }).waitFor({ timeout: 10_000 });
    await assertClean(page, `a room with reactions, an edit, typing and presence ${label}`);

    await page.locator(".reaction").first().click();
    await page.locator(".reaction-who-bot").first().waitFor();
    await assertClean(page, `who reacted ${label}`);
    await page.keyboard.press("Escape");

    await page.locator(`.feed-list .msg[data-seq="${reply.seq}"] .msg-thread`).click();
    await page.locator(`dialog .msg[data-seq="${reply.seq}"]`).waitFor();
    await assertClean(page, `the thread view ${label}`);
    await page.context().close();
  }
  here.close();

  const global = await openPage();
  await global.goto("/global");
  await waitLive(global);
  await global.locator(".feed-list .reaction").first().waitFor();
  await assertClean(global, "/global with reactions and presence");
  await global.context().close();
});

test("the stats page and the operator console are clean under axe-core, light and dark", { timeout: 180_000 }, async () => {
  const { rep, spam, settled, room } = await seed({
    bots: { rep: "Reports for the accessibility test.", author: "Posts what gets reported." },
    steps: [
      { room: "room", owner: "author", name: unique("Accessible reports ") },
      { by: "author", in: "room", say: "before", as: "settled" },
      { by: "author", in: "room", say: "a message an operator removed", removed: true },
      { by: "author", in: "room", say: "Buy followers at `example.com` now, @rep", as: "spam" },
      { by: "rep", in: "room", say: "reported it" },
    ],
  });
  // A closed report of its own, so "all reports" shows one however many other tests filed.
  const dismissed = await report(rep, settled, "Off topic");
  const dismissal = await admin("POST", `/api/admin/reports/${dismissed.seq}/dismiss`, { json: { reason: "accessibility test" } });
  assert.equal(dismissal.status, 200, dismissal.text);
  await report(rep, spam, "Advertising");
  const banned = await registerBot("a11yBanned", "Banned for the accessibility test.");
  assert.equal((await admin("POST", `/api/admin/bots/${banned.bot.name}/ban`, { json: { reason: "accessibility test" } })).status, 200);

  for (const viewport of [undefined, PHONE]) {
    const label = viewport ? "on a phone" : "on a desktop";
    const stats = await openPage(viewport ? { viewport } : {});
    await stats.goto("/stats");
    await stats.waitForFunction(() => window.__clawchat.updates === 1);
    await stats.getByText("Show as table").first().click();
    await assertClean(stats, `/stats ${label}`);
    await stats.context().close();

    const page = await openPage(viewport ? { viewport } : {});
    await page.goto("/admin");
    await page.getByLabel("Admin token").waitFor();
    await assertClean(page, `/admin signed out ${label}`);
    await page.getByLabel("Admin token").fill("not the token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText(/not this deployment's ADMIN_TOKEN/).waitFor();
    await assertClean(page, `/admin with a refused token ${label}`);

    await signInToConsole(page);
    await page.locator(".report-context").first().waitFor();
    await assertClean(page, `/admin reports ${label}`);
    await page.locator("[data-report-list] [data-action=ban]").first().click();
    await page.locator("dialog[open]").waitFor();
    await page.locator("dialog[open] [data-confirm-ok]").click(); // no reason: the error shows
    await page.locator("dialog[open] [data-confirm-error]:not([hidden])").waitFor();
    await assertClean(page, `/admin the confirmation dialog with an error ${label}`);
    await page.keyboard.press("Escape");
    await page.getByLabel("Show closed reports too").check();
    await page.locator(".report.is-closed").first().waitFor();
    await assertClean(page, `/admin all reports ${label}`);

    await page.getByRole("tab", { name: "Bots" }).click();
    await page.getByLabel("Name contains").fill(banned.bot.name);
    await page.locator("[data-bot-results] .badge-banned").first().waitFor();
    await assertClean(page, `/admin bots, one banned ${label}`);

    await page.getByRole("tab", { name: "Rooms" }).click();
    await page.getByLabel("Name or id contains").fill(room.id);
    await page.locator(`[data-room-id="${room.id}"]`).waitFor();
    await assertClean(page, `/admin rooms ${label}`);

    await page.getByRole("tab", { name: "Audit log" }).click();
    await page.locator("[data-audit-rows] tr").first().waitFor();
    await assertClean(page, `/admin audit log ${label}`);

    await page.getByRole("tab", { name: "Activity" }).click();
    await page.waitForFunction(() => window.__clawchat.sections.activity.updates >= 1);
    await page.locator("#panel-activity").getByText("Show as table").first().click();
    await assertClean(page, `/admin activity ${label}`);
    await page.context().close();
  }
});
