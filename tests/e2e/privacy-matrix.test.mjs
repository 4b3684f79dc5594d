// The leak matrix: every read path × every kind of viewer × a private and a public
// room, each cell's expected answer in one table (EXPECTED). Whatever a viewer outside
// the private room gets — REST answers and every live frame (ready, replay, message,
// activity, membership) — must carry none of the room's content and none of its
// members other than its creator (named in `created_by`, which is public metadata).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { api, createRoom, post, unique } from "../lib/client.mjs";
import { assertError, assertRoom, registerBots } from "./api-helpers.mjs";
import { eventually } from "../lib/poll.mjs";
import { closeAll, connect } from "./live-helpers.mjs";

const VIEWERS = ["member", "outsider", "anonymous", "removed", "rotated"];

/**
 * The table. A cell is the status expected, or an object for what a 200 must show:
 * `members: true | null` (the member list shown, or null), `secret: true | false`
 * (the private content present), `rooms` (which of the two rooms `me` lists).
 */
const EXPECTED = {
  "GET private room": {
    member: { status: 200, members: true }, outsider: { status: 200, members: null }, anonymous: { status: 200, members: null },
    removed: { status: 200, members: null }, rotated: 401,
  },
  "GET private messages (newest)": { member: { status: 200, secret: true }, outsider: 403, anonymous: 403, removed: 403, rotated: 401 },
  "GET private messages (after=0)": { member: { status: 200, secret: true }, outsider: 403, anonymous: 403, removed: 403, rotated: 401 },
  "GET private messages (before, limit=1)": { member: { status: 200, secret: true }, outsider: 403, anonymous: 403, removed: 403, rotated: 401 },
  "GET public room": {
    member: { status: 200, members: true }, outsider: { status: 200, members: true }, anonymous: { status: 200, members: true },
    removed: { status: 200, members: true }, rotated: 401,
  },
  "GET public messages": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 401 },
  "GET private thread": { member: { status: 200, secret: true }, outsider: 403, anonymous: 403, removed: 403, rotated: 401 },
  "GET private reactions (who)": { member: 200, outsider: 403, anonymous: 403, removed: 403, rotated: 401 },
  "GET private presence": { member: 200, outsider: 403, anonymous: 403, removed: 403, rotated: 401 },
  "GET public thread": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 401 },
  "GET public presence": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 401 },
  "GET room list (all)": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 200 },
  "GET room list (private)": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 200 },
  "GET room list (public)": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 200 },
  "GET me": {
    member: { status: 200, rooms: ["private", "public"] }, outsider: { status: 200, rooms: ["public"] }, anonymous: 401,
    removed: { status: 200, rooms: ["public"] }, rotated: 401,
  },
  "GET directory": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 200 },
  "GET global info": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 200 },
  "GET global messages": { member: 200, outsider: 200, anonymous: 200, removed: 200, rotated: 401 },
  // Streams: the viewer in `ready`, and whether the replay carries the content.
  "stream private (after=0)": {
    member: { viewer: "member", replay: true }, outsider: { viewer: "observer", replay: false }, anonymous: { viewer: "observer", replay: false },
    removed: { viewer: "observer", replay: false }, rotated: 401,
  },
  // In the public room every bot but the anonymous observer is a member (outsider
  // created it, the others joined it).
  "stream public (after=0)": {
    member: { viewer: "member", replay: true }, outsider: { viewer: "member", replay: true }, anonymous: { viewer: "observer", replay: true },
    removed: { viewer: "member", replay: true }, rotated: 401,
  },
  // Sockets opened while the bot could read the room, which then loses access: it
  // leaves, or its key is rotated. Closed at once; nothing said afterwards reaches them.
  "live private frames, access lost while streaming": {
    leaving: { closed: 4003 }, rotating: { closed: 4002 },
  },
  // Live frames on the private room's stream while things happen in it.
  "live private frames": {
    member: { message: true, activity: false, membership: true }, outsider: { message: false, activity: true, membership: false },
    anonymous: { message: false, activity: true, membership: false }, removed: { message: false, activity: true, membership: false },
    rotated: 401,
  },
};

let owner, member, outsider, removed, rotated, newcomer, leaving, rotating, privateRoom, publicRoom, secret, keys;

before(async () => {
  [owner, member, outsider, removed, rotated, newcomer, leaving, rotating] = await registerBots(8, "mx");
  secret = unique("SECRET");
  privateRoom = await createRoom(owner, {
    name: "the matrix room",
    description: "Its metadata is public; what is said in it is not.",
    visibility: "private",
    invite: [member.bot.name, removed.bot.name, rotated.bot.name],
  });
  publicRoom = await createRoom(outsider, { name: "the open room" });
  await post(member, privateRoom.id, `the code word is ${secret}`);
  await post(member, privateRoom.id, `again: ${secret} @${outsider.bot.name}`, { reply_to: 1 });
  await post(outsider, publicRoom.id, "nothing to hide here");
  const reacted = await api("PUT", `/api/rooms/${privateRoom.id}/messages/1/reactions/${encodeURIComponent("👀")}`, { key: member.key });
  assert.equal(reacted.status, 200, reacted.text);
  for (const bot of [member, removed, rotated]) await api("POST", `/api/rooms/${publicRoom.id}/join`, { key: bot.key });
  assert.equal((await api("POST", `/api/rooms/${privateRoom.id}/leave`, { key: removed.key })).status, 200);
  const newKey = await api("POST", "/api/bots/me/rotate-key", { key: rotated.key });
  assert.equal(newKey.status, 200);
  // `rotated` reads with its old key from here on.
  keys = { member: member.key, outsider: outsider.key, anonymous: undefined, removed: removed.key, rotated: rotated.key };
});

const streams = [];
after(() => closeAll(...streams));

const PATHS = () => ({
  "GET private room": `/api/rooms/${privateRoom.id}`,
  "GET private messages (newest)": `/api/rooms/${privateRoom.id}/messages`,
  "GET private messages (after=0)": `/api/rooms/${privateRoom.id}/messages?after=0`,
  "GET private messages (before, limit=1)": `/api/rooms/${privateRoom.id}/messages?before=3&limit=1`,
  "GET public room": `/api/rooms/${publicRoom.id}`,
  "GET public messages": `/api/rooms/${publicRoom.id}/messages`,
  "GET private thread": `/api/rooms/${privateRoom.id}/messages/1/thread`,
  "GET private reactions (who)": `/api/rooms/${privateRoom.id}/messages/1/reactions/${encodeURIComponent("👀")}`,
  "GET private presence": `/api/rooms/${privateRoom.id}/presence`,
  "GET public thread": `/api/rooms/${publicRoom.id}/messages/1/thread`,
  "GET public presence": `/api/rooms/${publicRoom.id}/presence`,
  "GET room list (all)": "/api/rooms/list",
  "GET room list (private)": "/api/rooms/list?visibility=private",
  "GET room list (public)": "/api/rooms/list?visibility=public",
  "GET me": "/api/bots/me",
  "GET directory": "/api/bots?limit=100",
  "GET global info": "/api/global/info",
  "GET global messages": "/api/global/messages?limit=100",
});

/**
 * Whether an answer or frame names a member of the private room other than its creator
 * (and other than the viewer itself, whom `me` names).
 */
const namesHiddenMember = (text, viewer) =>
  [member, removed, rotated].filter((b) => b.key !== keys[viewer]).some((b) => text.includes(b.bot.id) || text.includes(b.bot.name));

/** No private byte in what a viewer outside the room got (`roomScoped`: about rooms). */
function assertNothingPrivate(text, where, { roomScoped, viewer }) {
  assert.ok(!text.includes(secret), `${where} leaks the private content: ${text.slice(0, 300)}`);
  // The directory lists every bot by design; anything about rooms must not say who is in one.
  if (roomScoped) assert.ok(!namesHiddenMember(text, viewer), `${where} names a member of the private room: ${text.slice(0, 300)}`);
}

test("REST: every read path, for every viewer, answers as the table says and leaks nothing", async () => {
  for (const [label, path] of Object.entries(PATHS())) {
    for (const viewer of VIEWERS) {
      const want = EXPECTED[label][viewer];
      const res = await api("GET", path, { key: keys[viewer] });
      const where = `${label} as ${viewer}`;
      const status = typeof want === "number" ? want : want.status;
      if (status >= 400) {
        assertError(res, status, { 401: "unauthorized", 403: "forbidden" }[status]);
      } else {
        assert.equal(res.status, status, `${where}: ${res.text.slice(0, 300)}`);
      }
      if (want.members !== undefined) {
        if (want.members === null) assert.equal(res.body.members, null, where);
        else assert.ok(Array.isArray(res.body.members) && res.body.members.length > 0, where);
      }
      if (want.secret) assert.ok(res.text.includes(secret), `${where} should carry the content`);
      if (want.rooms) {
        const ids = { private: privateRoom.id, public: publicRoom.id };
        assert.deepEqual(res.body.rooms.map((r) => r.id).sort(), want.rooms.map((r) => ids[r]).sort(), where);
      }
      if (viewer !== "member") {
        const roomScoped = !["GET directory", "GET global info"].includes(label);
        const publicRead = label.startsWith("GET public");
        assertNothingPrivate(res.text, where, { viewer, roomScoped: roomScoped && !publicRead });
        if (!roomScoped) assert.ok(!res.text.includes(privateRoom.id), `${where} ties bots to the private room`);
      }
      // Lists show the private room as metadata only, to everyone.
      if (label.startsWith("GET room list") && res.status === 200) {
        const listed = res.body.rooms.find((r) => r.id === privateRoom.id);
        if (label.endsWith("(public)")) assert.equal(listed, undefined, where);
        else {
          assertRoom(listed);
          assert.deepEqual(listed.created_by, { id: owner.bot.id, name: owner.bot.name });
          assert.equal(listed.member_count, 3);
          assert.equal(listed.message_count, 2);
        }
      }
    }
  }
});

test("streams: ready and replay follow the table; observers of the private room get nothing of it", async () => {
  for (const [label, room] of [["stream private (after=0)", () => privateRoom], ["stream public (after=0)", () => publicRoom]]) {
    for (const viewer of VIEWERS) {
      const want = EXPECTED[label][viewer];
      const where = `${label} as ${viewer}`;
      if (typeof want === "number") {
        await assert.rejects(connect(room().id, { key: keys[viewer], after: 0 }), (err) => err.status === want, where);
        continue;
      }
      const stream = await connect(room().id, { key: keys[viewer], after: 0 });
      streams.push(stream);
      assert.equal(stream.ready.viewer, want.viewer, where);
      // The replay arrives right behind ready: wait until the room's newest seq is in.
      if (want.replay) await stream.next((f) => f.type === "message" && f.message.seq === stream.ready.last_seq);
      else await new Promise((r) => setTimeout(r, 300));
      const replayed = stream.frames.filter((f) => f.type === "message").length;
      assert.equal(replayed > 0, want.replay, `${where}: ${replayed} replayed`);
      if (room() === privateRoom && viewer !== "member") {
        for (const text of stream.raw) assertNothingPrivate(text, where, { viewer, roomScoped: true });
      }
      await closeAll(stream);
    }
  }
});

test("live frames of the private room: content and membership to members, activity to everyone else", async () => {
  const live = {};
  for (const viewer of VIEWERS) {
    const want = EXPECTED["live private frames"][viewer];
    if (typeof want === "number") {
      await assert.rejects(connect(privateRoom.id, { key: keys[viewer] }), (err) => err.status === want, viewer);
      continue;
    }
    live[viewer] = await connect(privateRoom.id, { key: keys[viewer] });
    streams.push(live[viewer]);
  }
  // A message, a member joining and the same member leaving.
  const said = await post(owner, privateRoom.id, `live ${secret}`);
  assert.equal((await api("POST", `/api/rooms/${privateRoom.id}/invite`, { key: owner.key, json: { bot: newcomer.bot.name } })).status, 200);
  assert.equal((await api("POST", `/api/rooms/${privateRoom.id}/leave`, { key: newcomer.key })).status, 200);
  await eventually(() => live.member.frames.some((f) => f.type === "member_left" && f.bot.id === newcomer.bot.id), "member_left");
  for (const stream of Object.values(live)) {
    await eventually(() => stream.frames.some((f) => (f.message?.seq ?? f.last_seq) === said.seq), "the message or its activity");
  }
  await new Promise((r) => setTimeout(r, 200));
  for (const [viewer, stream] of Object.entries(live)) {
    const want = EXPECTED["live private frames"][viewer];
    const types = new Set(stream.frames.map((f) => f.type));
    assert.equal(types.has("message"), want.message, `${viewer}: message frames`);
    assert.equal(types.has("activity"), want.activity, `${viewer}: activity frames`);
    assert.equal(types.has("member_joined") && types.has("member_left"), want.membership, `${viewer}: membership frames`);
    if (viewer !== "member") {
      for (const text of stream.raw) {
        assertNothingPrivate(text, `live frame to ${viewer}`, { viewer, roomScoped: true });
        assert.ok(!text.includes(newcomer.bot.id), `live frame to ${viewer} names who joined: ${text}`);
      }
      const activity = stream.frames.find((f) => f.type === "activity");
      assert.deepEqual(Object.keys(activity).sort(), ["at", "last_seq", "message_count", "room_id", "type"]);
    }
  }
  await closeAll(...Object.values(live));
});

test("live: a member who leaves, or whose key is rotated, while streaming gets nothing said afterwards", async () => {
  for (const bot of [leaving, rotating]) {
    const added = await api("POST", `/api/rooms/${privateRoom.id}/invite`, { key: owner.key, json: { bot: bot.bot.name } });
    assert.equal(added.status, 200, added.text);
  }
  const sockets = { leaving: await connect(privateRoom.id, { key: leaving.key }), rotating: await connect(privateRoom.id, { key: rotating.key }) };
  streams.push(...Object.values(sockets));
  for (const stream of Object.values(sockets)) assert.equal(stream.ready.viewer, "member");
  assert.equal((await api("POST", `/api/rooms/${privateRoom.id}/leave`, { key: leaving.key })).status, 200);
  assert.equal((await api("POST", "/api/bots/me/rotate-key", { key: rotating.key })).status, 200);
  const after = unique("AFTER-ACCESS-LOST");
  const said = await post(owner, privateRoom.id, after);
  const witness = await connect(privateRoom.id, { key: member.key, after: said.seq - 1 });
  streams.push(witness);
  await eventually(() => witness.frames.some((f) => f.message?.seq === said.seq), "the member to get the message");
  for (const [who, stream] of Object.entries(sockets)) {
    const want = EXPECTED["live private frames, access lost while streaming"][who];
    await eventually(() => stream.closed, `${who}'s socket to close`);
    assert.equal(stream.closed.code, want.closed, who);
    assert.ok(!stream.raw.some((text) => text.includes(after)), `${who} received what was said after losing access`);
  }
  await closeAll(witness);
});

test("an outsider cannot post, invite, join or leave, and the refusals leak nothing", async () => {
  const before = (await api("GET", `/api/rooms/${privateRoom.id}`, { key: member.key })).body.room;
  const refusals = {
    post: await api("POST", `/api/rooms/${privateRoom.id}/messages`, { key: outsider.key, json: { content: "let me in" } }),
    reply: await api("POST", `/api/rooms/${privateRoom.id}/messages`, { key: outsider.key, json: { content: "re", reply_to: 1 } }),
    inviteSelf: await api("POST", `/api/rooms/${privateRoom.id}/invite`, { key: outsider.key, json: { bot: outsider.bot.name } }),
    inviteMember: await api("POST", `/api/rooms/${privateRoom.id}/invite`, { key: outsider.key, json: { bot: member.bot.name } }),
    inviteGhost: await api("POST", `/api/rooms/${privateRoom.id}/invite`, { key: outsider.key, json: { bot: unique("ghost") } }),
    join: await api("POST", `/api/rooms/${privateRoom.id}/join`, { key: outsider.key }),
    leave: await api("POST", `/api/rooms/${privateRoom.id}/leave`, { key: outsider.key }),
  };
  for (const [what, res] of Object.entries(refusals)) {
    assertError(res, 403, "forbidden");
    assertNothingPrivate(res.text, `outsider ${what}`, { viewer: "outsider", roomScoped: true });
  }
  const view = await api("GET", `/api/rooms/${privateRoom.id}`, { key: member.key });
  assert.equal(view.body.room.member_count, before.member_count);
  assert.equal(view.body.room.message_count, before.message_count);
  // Bad keys do not turn into anonymous access either.
  assertError(await api("GET", `/api/rooms/${privateRoom.id}/messages`, { headers: { Authorization: "Bearer x" } }), 401, "unauthorized");
  // A member may invite; the invitee then reads everything.
  const invited = await api("POST", `/api/rooms/${privateRoom.id}/invite`, { key: member.key, json: { bot: outsider.bot.name } });
  assert.equal(invited.status, 200, invited.text);
  const now = await api("GET", `/api/rooms/${privateRoom.id}/messages`, { key: outsider.key });
  assert.ok(now.text.includes(secret));
});
