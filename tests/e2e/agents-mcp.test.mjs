// ClawChat as a remote MCP server, driven with the official MCP client SDK
// (@modelcontextprotocol/sdk, Streamable HTTP): initialize, list the tools, and two
// bots holding a conversation through tools alone — private room included — that
// leaves exactly what the same conversation over REST leaves, with the same privacy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { api, BASE_URL, post, registerBot, unique, uniqueIp } from "../lib/client.mjs";
import { assertError, registerBots } from "./api-helpers.mjs";

const TOOLS = ["whoami", "check_inbox", "list_rooms", "get_room", "read_messages", "post_message", "react", "unreact", "edit_message", "get_thread", "create_room", "invite_bot", "join_room", "leave_room", "set_webhook", "get_webhook", "delete_webhook"];

/** An MCP client connected as `bot` (anonymous without one). */
async function mcpClient(bot) {
  const client = new Client({ name: "clawchat-e2e", version: "1.0.0" });
  const headers = { "CF-Connecting-IP": uniqueIp(), ...(bot ? { Authorization: `Bearer ${bot.key}` } : {}) };
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE_URL}/mcp`), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

/** Calls a tool; returns its structured result, or throws with the tool error's code. */
async function tool(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const { error } = JSON.parse(result.content[0].text);
    throw Object.assign(new Error(`${name}: ${error.code}: ${error.message}`), { code: error.code });
  }
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, "the text is the structured result");
  return result.structuredContent;
}

test("initialize and tools/list work without a key; every tool has input and output schemas", async () => {
  const client = await mcpClient();
  assert.equal(client.getServerVersion().name, "clawchat");
  assert.ok(client.getServerCapabilities().tools);
  assert.match(client.getInstructions(), /check_inbox/);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), TOOLS);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.equal(t.outputSchema.type, "object", t.name);
    assert.ok(t.description.length > 10, t.name);
  }
  // Reading needs no key; acting as a bot does, and says so as a tool error.
  const listed = await tool(client, "list_rooms", { visibility: "public" });
  assert.ok(Array.isArray(listed.rooms));
  await assert.rejects(tool(client, "post_message", { room_id: "global", content: "anonymous?" }), (err) => err.code === "unauthorized");
  await assert.rejects(tool(client, "whoami"), (err) => err.code === "unauthorized");
  await client.close();
});

test("two bots converse through MCP tools alone, in global chat and a private room", async () => {
  const [ann, bob, eve] = await registerBots(3, "mcp");
  const a = await mcpClient(ann);
  const b = await mcpClient(bob);
  const e = await mcpClient(eve);
  assert.equal((await tool(a, "whoami")).bot.id, ann.bot.id);

  const hello = await tool(a, "post_message", { room_id: "global", content: `hello @${bob.bot.name}, from MCP` });
  const { room } = await tool(a, "create_room", { name: "an MCP room", visibility: "private", invite: [bob.bot.name], ttl_seconds: 600 });
  assert.equal(room.visibility, "private");
  const secret = unique("SECRET");
  const first = await tool(a, "post_message", { room_id: room.id, content: `${secret}: only for @${bob.bot.name}` });

  // Bob checks in with one call and finds everything addressed to him.
  const inbox = await tool(b, "check_inbox", { after: 0 });
  assert.deepEqual(inbox.items.map((i) => [i.type, i.room.id]), [["mention", "global"], ["invite", room.id], ["mention", room.id]]);
  assert.deepEqual(inbox.items[0].message, hello.message);
  const reply = await tool(b, "post_message", { room_id: room.id, content: "got it", reply_to: first.message.seq });
  const page = await tool(a, "read_messages", { room_id: room.id, after: 0 });
  assert.deepEqual(page.messages, [first.message, reply.message]);
  assert.deepEqual((await tool(a, "check_inbox", {})).items.map((i) => i.type), ["reply"]);

  // Eve, outside the private room, gets what a REST outsider gets: refusals, metadata.
  await assert.rejects(tool(e, "read_messages", { room_id: room.id }), (err) => err.code === "forbidden");
  const seen = await tool(e, "get_room", { room_id: room.id });
  assert.equal(seen.members, null);
  await assert.rejects(tool(e, "post_message", { room_id: room.id, content: "let me in" }), (err) => err.code === "forbidden");
  await assert.rejects(tool(e, "join_room", { room_id: room.id }), (err) => err.code === "forbidden");
  const eveInbox = await tool(e, "check_inbox", {});
  assert.ok(!JSON.stringify(eveInbox).includes(secret));

  // Membership tools; invalid input is a validation tool error naming the field.
  const pub = await tool(a, "create_room", { name: "open to all" });
  assert.equal((await tool(e, "join_room", { room_id: pub.room.id })).room.member_count, 2);
  assert.deepEqual((await tool(a, "invite_bot", { room_id: pub.room.id, bot: bob.bot.name })).invited, { id: bob.bot.id, name: bob.bot.name });
  assert.equal((await tool(e, "leave_room", { room_id: pub.room.id })).room.member_count, 2);
  await assert.rejects(tool(a, "post_message", { room_id: "global", content: "" }), (err) => err.code === "validation_failed");
  await assert.rejects(tool(a, "read_messages", { room_id: "global", after: 1, before: 5 }), (err) => err.code === "validation_failed");
  await assert.rejects(tool(a, "get_room", { room_id: "r_0000000000000000" }), (err) => err.code === "not_found");
  for (const client of [a, b, e]) await client.close();
});

test("an MCP conversation stores exactly what the same conversation over REST stores", async () => {
  /** A conversation, one step per call, done through `say` (content, reply_to?) in a fresh private room. */
  async function converse(bots, create, say) {
    const room = await create();
    const lines = [
      [0, `hi @${bots[1].bot.name}`],
      [1, `hi @${bots[0].bot.name}, how are things?`, 1],
      [0, "fine, thank you", 2],
      [1, "good to hear"],
    ];
    for (const [who, content, replyTo] of lines) await say(bots[who], room.id, content, replyTo);
    const read = await api("GET", `/api/rooms/${room.id}/messages?after=0`, { key: bots[0].key });
    return { messages: read.body.messages, inboxes: await Promise.all(bots.map((b) => api("GET", "/api/bots/me/inbox", { key: b.key }).then((r) => r.body))) };
  }
  const normalise = ({ messages, inboxes }, bots) => {
    const names = new Map(bots.map((b, i) => [b.bot.name, `bot${i}`]));
    const ids = new Map(bots.map((b, i) => [b.bot.id, `bot${i}`]));
    const rename = (text) => [...names].reduce((t, [name, alias]) => t.replaceAll(name, alias), text);
    return {
      messages: messages.map((m) => ({ seq: m.seq, bot: ids.get(m.bot.id), content: rename(m.content), reply_to: m.reply_to, mentions: m.mentions.map(rename) })),
      inboxes: inboxes.map((box) => box.items.map((i) => ({ seq: i.seq, type: i.type, by: ids.get(i.by.id), message: i.message && i.message.seq }))),
    };
  };

  const viaRest = await registerBots(2, "rest");
  const rest = await converse(
    viaRest,
    () => api("POST", "/api/rooms/create", { key: viaRest[0].key, json: { name: "a talk", visibility: "private", invite: [viaRest[1].bot.name] } }).then((r) => r.body.room),
    (bot, roomId, content, reply_to) => post(bot, roomId, content, reply_to ? { reply_to } : {}),
  );

  const viaMcp = await registerBots(2, "mcpc");
  const clients = new Map();
  for (const bot of viaMcp) clients.set(bot, await mcpClient(bot));
  const mcp = await converse(
    viaMcp,
    () => tool(clients.get(viaMcp[0]), "create_room", { name: "a talk", visibility: "private", invite: [viaMcp[1].bot.name] }).then((r) => r.room),
    (bot, roomId, content, reply_to) => tool(clients.get(bot), "post_message", { room_id: roomId, content, ...(reply_to ? { reply_to } : {}) }),
  );
  for (const client of clients.values()) await client.close();

  assert.deepEqual(normalise(mcp, viaMcp), normalise(rest, viaRest));
  assert.equal(mcp.messages.length, 4);
});

test("conversation tools: react, unreact, edit_message and get_thread answer what REST answers", async () => {
  const [ann, bob] = await registerBots(2, "mcpconv");
  const a = await mcpClient(ann);
  const b = await mcpClient(bob);
  const root = (await tool(a, "post_message", { room_id: "global", content: `a root for @${bob.bot.name}` })).message;
  const reply = (await tool(b, "post_message", { room_id: "global", content: "a reply", reply_to: root.seq })).message;
  const reacted = await tool(b, "react", { room_id: "global", seq: root.seq, emoji: "🦀" });
  assert.deepEqual(reacted.message.reactions, [{ emoji: "🦀", count: 1 }]);
  const rest = await api("GET", `/api/rooms/global/messages?after=${root.seq - 1}&limit=1`);
  assert.deepEqual(rest.body.messages[0], reacted.message, "REST reads what the tool stored");
  assert.equal((await tool(b, "unreact", { room_id: "global", seq: root.seq, emoji: "🦀" })).message.reactions, undefined);
  await assert.rejects(tool(b, "react", { room_id: "global", seq: root.seq, emoji: "crab" }), (err) => err.code === "validation_failed" && /emoji/.test(err.message));
  const edited = await tool(a, "edit_message", { room_id: "global", seq: root.seq, content: "a better root" });
  assert.equal(edited.message.content, "a better root");
  assert.ok(edited.message.edited_at);
  await assert.rejects(tool(b, "edit_message", { room_id: "global", seq: root.seq, content: "not mine" }), (err) => err.code === "forbidden");
  const thread = await tool(b, "get_thread", { room_id: "global", seq: root.seq });
  assert.deepEqual(thread, (await api("GET", `/api/rooms/global/messages/${root.seq}/thread`)).body);
  assert.deepEqual(thread.replies.map((m) => m.id), [reply.id]);
  await assert.rejects(tool(a, "react", { room_id: "global", emoji: "🦀" }), (err) => err.code === "validation_failed" && /seq/.test(err.message));
  await a.close();
  await b.close();
});

test("the transport: GET is 405, notifications are 202, bad versions and foreign origins are refused", async () => {
  const bot = await registerBot("mcpx");
  const rpc = (body, headers = {}) => fetch(`${BASE_URL}/mcp`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${bot.key}`, ...headers },
    body: JSON.stringify(body),
  });
  assertError(await api("GET", "/mcp"), 405, "method_not_allowed");
  const note = await rpc({ jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(note.status, 202);
  assert.equal(await note.text(), "");
  const unknown = await (await rpc({ jsonrpc: "2.0", id: 7, method: "resources/list" })).json();
  assert.deepEqual(unknown.error.code, -32601);
  assert.equal(unknown.id, 7);
  const noTool = await (await rpc({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "nope" } })).json();
  assert.equal(noTool.error.code, -32602);
  const garbled = await fetch(`${BASE_URL}/mcp`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{not json" });
  // Input the server cannot accept is an HTTP 400 carrying the JSON-RPC error (Streamable HTTP).
  assert.equal(garbled.status, 400);
  assert.deepEqual(Object.keys(await garbled.clone().json()).sort(), ["error", "id", "jsonrpc"]);
  assert.equal((await garbled.json()).error.code, -32700);
  const batch = await rpc([{ jsonrpc: "2.0", id: 13, method: "ping" }]);
  assert.equal(batch.status, 400);
  assert.equal((await batch.json()).error.code, -32600);
  const version = await rpc({ jsonrpc: "2.0", id: 9, method: "ping" }, { "MCP-Protocol-Version": "1999-01-01" });
  assert.equal(version.status, 400);
  const pinged = await (await rpc({ jsonrpc: "2.0", id: 10, method: "ping" }, { "MCP-Protocol-Version": "2025-06-18" })).json();
  assert.deepEqual(pinged, { jsonrpc: "2.0", id: 10, result: {} });
  const foreign = await rpc({ jsonrpc: "2.0", id: 11, method: "ping" }, { Origin: "https://evil.example" });
  assert.equal(foreign.status, 403);
  const own = await rpc({ jsonrpc: "2.0", id: 12, method: "ping" }, { Origin: new URL(BASE_URL).origin });
  assert.equal(own.status, 200);
});

test("a tool argument the tool does not take is refused, naming the ones it does; nothing is created", async () => {
  const bot = await registerBot("mcpargs");
  const client = await mcpClient(bot);
  const { tools } = await client.listTools();
  assert.ok(tools.every((t) => t.inputSchema.additionalProperties === false), "every tool says so in its schema");
  const before = (await tool(client, "whoami")).rooms.length;
  await assert.rejects(tool(client, "create_room", { name: "guessed ttl", ttl: 3600 }), (err) => {
    assert.equal(err.code, "validation_failed");
    assert.match(err.message, /ttl: unknown argument; accepted: name, description, visibility, ttl_seconds, invite$/);
    return true;
  });
  assert.equal((await tool(client, "whoami")).rooms.length, before, "no room was created");
  await assert.rejects(tool(client, "whoami", { verbose: true }), (err) => /verbose: unknown argument; this takes none/.test(err.message));
  await client.close();
});

test("webhook tools: set_webhook shows the secret once, get_webhook never, delete_webhook removes it", async () => {
  const bot = await registerBot("mcphook");
  const client = await mcpClient(bot);
  const url = "http://127.0.0.1:9/hooks/clawchat"; // never called: nothing mentions this bot
  const set = await tool(client, "set_webhook", { url, events: ["mention", "invite"] });
  assert.match(set.secret, /^whsec_/);
  assert.equal(set.webhook.url, url);
  assert.deepEqual(set.webhook.events, ["mention", "invite"]);
  const got = await tool(client, "get_webhook");
  assert.equal(got.secret, undefined);
  assert.deepEqual(got.webhook, (await api("GET", "/api/bots/me/webhook", { key: bot.key })).body.webhook, "the REST answer");
  await assert.rejects(tool(client, "set_webhook", { url: "ftp://x.example/" }), (err) => err.code === "validation_failed");
  assert.equal((await tool(client, "delete_webhook")).webhook.url, url);
  assert.equal((await tool(client, "get_webhook")).webhook, null);
  await assert.rejects(tool(client, "delete_webhook"), (err) => err.code === "not_found");
  await client.close();
});
