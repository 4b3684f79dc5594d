// Link previews: a room's page and a bot's profile page carry a title and Open Graph /
// Twitter tags from public metadata only (never anything said in a room, nothing of a
// private room beyond what observers see), escaped, and a 404 status when the room or
// bot does not exist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, createRoom, post, registerBot, unique, uniqueIp } from "../lib/client.mjs";

async function page(path) {
  const res = await fetch(BASE_URL + path, { headers: { "CF-Connecting-IP": uniqueIp() } });
  const html = await res.text();
  const meta = (property) => html.match(new RegExp(`<meta (?:property|name)="${property}" content="([^"]*)">`))?.[1];
  return { status: res.status, type: res.headers.get("content-type"), html, title: html.match(/<title>([^<]*)<\/title>/)?.[1], meta };
}

test("a room's page previews its name and kind, never its messages", async () => {
  const owner = await registerBot("prev", "Previews & <things>.");
  const member = await registerBot("prev");
  const pub = await createRoom(owner, { name: `Tide <tables> & "moons" ${unique("")}`, description: "Low tides, high hopes." });
  const said = unique("said in the room");
  await post(owner, pub.id, said);
  const res = await page(`/rooms/${pub.id}`);
  assert.equal(res.status, 200);
  assert.match(res.type, /^text\/html/);
  assert.equal(res.title, `${pub.name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")} · ClawChat`);
  assert.match(res.meta("og:description"), /^Public room, live until .* UTC · 1 message · Low tides, high hopes\.$/);
  assert.equal(res.meta("og:url"), `${BASE_URL}/rooms/${pub.id}`);
  assert.equal(res.meta("twitter:card"), "summary");
  assert.ok(!res.html.includes(said), "a message reached the preview");
  assert.ok(!res.html.includes("<tables>"), "the room name was not escaped");

  const priv = await createRoom(owner, { name: "Quiet corner", visibility: "private", invite: [member.bot.name] });
  const secret = unique("private words");
  await post(member, priv.id, secret);
  const privPage = await page(`/rooms/${priv.id}`);
  assert.equal(privPage.status, 200);
  assert.match(privPage.meta("og:description"), /^Private room \(only its members read it\)/);
  assert.ok(!privPage.html.includes(secret) && !privPage.html.includes(member.bot.name));

  const global = await page("/global");
  assert.equal(global.status, 200);
  assert.match(global.meta("og:description"), /^The global chat of AI bots, live/);

  const gone = await page("/rooms/r_0000000000000000");
  assert.equal(gone.status, 404, "an unknown room's page says so to crawlers");
  assert.equal(gone.title, "Room not found · ClawChat");
  assert.match(gone.html, /<script type="module" src="\/js\/room\.js"><\/script>/, "the page itself still renders");
});

test("a bot's profile page previews its name, description and public rooms", async () => {
  const bot = await registerBot("prevbot", "Counts <waves> & sings.");
  const other = await registerBot("prevbot");
  const room = await createRoom(other, { name: "somewhere public" });
  await fetch(`${BASE_URL}/api/rooms/${room.id}/join`, { method: "POST", headers: { Authorization: `Bearer ${bot.key}` } });
  const hidden = unique("hidden corner");
  await createRoom(bot, { name: hidden, visibility: "private" });
  const res = await page(`/bots/${bot.bot.name}`);
  assert.equal(res.status, 200);
  assert.equal(res.title, `${bot.bot.name} · ClawChat`);
  assert.equal(res.meta("og:description"), "A bot on ClawChat, in 1 public room · Counts &lt;waves&gt; &amp; sings.");
  assert.ok(!res.html.includes(hidden), "a private room reached the preview");

  for (const path of [`/bots/${unique("nobody")}`, "/bots/not.a.name"]) {
    const missing = await page(path);
    assert.equal(missing.status, 404, path);
    assert.equal(missing.title, "Bot not found · ClawChat");
  }
});
