// Privacy of private rooms: every read endpoint, asked anonymously, by an outsider bot
// and by a member. What was said in a private room, and who is in it (other than its
// creator, named in created_by), must never reach anyone but its members.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, post, unique } from "../lib/client.mjs";
import { assertError, assertRoom, registerBots } from "./api-helpers.mjs";

let owner, member, outsider, room, secret, secretMessages, publicRoom;

before(async () => {
  [owner, member, outsider] = await registerBots(3, "pv");
  secret = unique("SECRET");
  room = await createRoom(owner, {
    name: "a private room",
    description: "Its metadata is public; what is said in it is not.",
    visibility: "private",
    invite: [member.bot.name],
  });
  secretMessages = [
    await post(owner, room.id, `the code word is ${secret}`),
    await post(member, room.id, `got it: ${secret} @${outsider.bot.name}`, { reply_to: 1 }),
  ];
  publicRoom = await createRoom(outsider, { name: "the outsider's own room" });
  await post(outsider, publicRoom.id, "nothing to hide here");
  await post(outsider, "global", "hello from outside");
  // The outsider was active last, so member and owner do not top any list by accident.
});

/** Everything a viewer can read, keyed by what was asked. */
async function readEverything(key) {
  const paths = [
    "/api/rooms/list",
    "/api/rooms/list?visibility=private",
    "/api/rooms/list?visibility=all",
    "/api/rooms/list?visibility=public",
    `/api/rooms/${room.id}`,
    `/api/rooms/${room.id}/messages`,
    `/api/rooms/${room.id}/messages?after=0`,
    `/api/rooms/${room.id}/messages?before=3&limit=100`,
    `/api/rooms/${room.id}/messages?limit=1`,
    "/api/global/info",
    "/api/global/messages?limit=100",
    "/api/rooms/global",
    "/api/rooms/global/messages?limit=100",
    "/api/bots?limit=100",
    "/api/bots/me",
    `/api/rooms/${room.id}/ws`,
    `/api/rooms/${publicRoom.id}`,
    `/api/rooms/${publicRoom.id}/messages`,
  ];
  const answers = {};
  for (const path of paths) answers[path] = await api("GET", path, { key });
  return answers;
}

/** The endpoints whose answers are about rooms (as opposed to the public bot directory). */
const ROOM_SCOPED = (path) => !path.startsWith("/api/bots?") && path !== "/api/global/info" && path !== "/api/rooms/global";

function assertNoLeak(answers, who) {
  for (const [path, res] of Object.entries(answers)) {
    assert.ok(!res.text.includes(secret), `${who}: ${path} leaks the secret: ${res.text.slice(0, 300)}`);
    for (const m of secretMessages) {
      assert.ok(!res.text.includes(m.id), `${who}: ${path} leaks a message id`);
    }
    if (ROOM_SCOPED(path)) {
      // Who is in the private room: never, in anything about rooms.
      assert.ok(!res.text.includes(member.bot.id), `${who}: ${path} leaks a member id: ${res.text.slice(0, 300)}`);
      assert.ok(!res.text.includes(member.bot.name), `${who}: ${path} leaks a member name: ${res.text.slice(0, 300)}`);
    } else {
      // The directory lists every bot by design, but never which rooms they are in.
      assert.ok(!res.text.includes(room.id), `${who}: ${path} ties bots to the private room`);
    }
  }
}

function assertMetadataOnly(answers, who) {
  for (const path of ["/api/rooms/list", "/api/rooms/list?visibility=private", "/api/rooms/list?visibility=all"]) {
    const res = answers[path];
    assert.equal(res.status, 200, `${who} ${path}: ${res.text}`);
    const listed = res.body.rooms.find((r) => r.id === room.id);
    assert.ok(listed, `${who}: the private room is listed in ${path}`);
    assertRoom(listed);
    assert.equal(listed.visibility, "private");
    assert.equal(listed.name, room.name);
    assert.deepEqual(listed.created_by, { id: owner.bot.id, name: owner.bot.name });
    assert.equal(listed.member_count, 2);
    assert.equal(listed.message_count, 2);
    assert.equal(listed.last_message_at, secretMessages[1].created_at);
  }
  assert.ok(!answers["/api/rooms/list?visibility=public"].body.rooms.some((r) => r.id === room.id));
}

test("anonymous observers see a private room's metadata and nothing else", async () => {
  const answers = await readEverything(undefined);
  assertNoLeak(answers, "anonymous");
  assertMetadataOnly(answers, "anonymous");
  const got = answers[`/api/rooms/${room.id}`];
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.members, null);
  for (const q of ["", "?after=0", "?before=3&limit=100", "?limit=1"]) {
    assertError(answers[`/api/rooms/${room.id}/messages${q}`], 403, "forbidden");
  }
  assertError(answers["/api/bots/me"], 401, "unauthorized");
  assertError(answers[`/api/rooms/${room.id}/ws`], 426, "upgrade_required");
  // The anonymous reads touched nobody.
  assert.equal(answers[`/api/rooms/${publicRoom.id}`].status, 200);
});

test("an outsider bot sees exactly what an anonymous observer sees", async () => {
  const answers = await readEverything(outsider.key);
  assertNoLeak(answers, "outsider");
  assertMetadataOnly(answers, "outsider");
  assert.equal(answers[`/api/rooms/${room.id}`].body.members, null);
  for (const q of ["", "?after=0", "?before=3&limit=100", "?limit=1"]) {
    assertError(answers[`/api/rooms/${room.id}/messages${q}`], 403, "forbidden");
  }
  const me = answers["/api/bots/me"];
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.rooms.map((r) => r.id), [publicRoom.id]);
});

test("an outsider cannot post, invite, join or leave, and the refusals leak nothing", async () => {
  const refusals = {
    post: await api("POST", `/api/rooms/${room.id}/messages`, { key: outsider.key, json: { content: "let me in" } }),
    reply: await api("POST", `/api/rooms/${room.id}/messages`, { key: outsider.key, json: { content: "re", reply_to: 1 } }),
    inviteSelf: await api("POST", `/api/rooms/${room.id}/invite`, { key: outsider.key, json: { bot: outsider.bot.name } }),
    inviteMember: await api("POST", `/api/rooms/${room.id}/invite`, { key: outsider.key, json: { bot: member.bot.name } }),
    inviteGhost: await api("POST", `/api/rooms/${room.id}/invite`, { key: outsider.key, json: { bot: unique("ghost") } }),
    join: await api("POST", `/api/rooms/${room.id}/join`, { key: outsider.key }),
    leave: await api("POST", `/api/rooms/${room.id}/leave`, { key: outsider.key }),
  };
  for (const [what, res] of Object.entries(refusals)) {
    assertError(res, 403, "forbidden");
    assertNoLeak({ [what]: res }, `outsider ${what}`);
  }
  // Nothing changed.
  const view = await api("GET", `/api/rooms/${room.id}`, { key: member.key });
  assert.equal(view.body.room.member_count, 2);
  assert.equal(view.body.room.message_count, 2);
  assert.deepEqual(view.body.members.map((m) => m.id).sort(), [owner.bot.id, member.bot.id].sort());
  // Bad keys do not turn into anonymous access either.
  assertError(await api("GET", `/api/rooms/${room.id}/messages`, { headers: { Authorization: "Bearer x" } }), 401, "unauthorized");
});

test("a member sees everything: members, messages, its room in me", async () => {
  const answers = await readEverything(member.key);
  assertMetadataOnly(answers, "member");
  const got = answers[`/api/rooms/${room.id}`];
  assert.deepEqual(got.body.members.map((m) => m.id).sort(), [owner.bot.id, member.bot.id].sort());
  const page = answers[`/api/rooms/${room.id}/messages`];
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(page.body.messages, secretMessages);
  assert.ok(page.text.includes(secret));
  assert.deepEqual(answers[`/api/rooms/${room.id}/messages?after=0`].body.messages, secretMessages);
  assert.deepEqual(answers[`/api/rooms/${room.id}/messages?limit=1`].body.messages, [secretMessages[1]]);
  assert.deepEqual(answers["/api/bots/me"].body.rooms.map((r) => r.id), [room.id]);
  // The list stays metadata only, even for members.
  assert.ok(!answers["/api/rooms/list"].text.includes(secret));
  // Neither global chat nor the public room carries the secret.
  assert.ok(!answers["/api/global/messages?limit=100"].text.includes(secret));
  // The owner sees the same.
  const ownerPage = await api("GET", `/api/rooms/${room.id}/messages`, { key: owner.key });
  assert.deepEqual(ownerPage.body.messages, secretMessages);
  // A member may invite; the invitee then sees the secret too.
  const invited = await api("POST", `/api/rooms/${room.id}/invite`, { key: member.key, json: { bot: outsider.bot.name } });
  assert.equal(invited.status, 200, invited.text);
  const now = await api("GET", `/api/rooms/${room.id}/messages`, { key: outsider.key });
  assert.equal(now.status, 200, now.text);
  assert.ok(now.text.includes(secret));
});
