// The MCP client snippets of /skill/mcp.md, run exactly as an agent would copy them: the
// document is read as this stack serves it (its {{BASE_URL}} filled in), each snippet is
// taken from its fenced block and run with the official SDK — Python (`mcp` 2.x, from
// .venv: scripts/lib.sh install_python_clients) and TypeScript/JavaScript
// (@modelcontextprotocol/sdk) — with nothing but CLAWCHAT_KEY set. Each must print its
// bot's name and the seq of the message it posted, and the message must be in the room.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { api, BASE_URL, registerBot } from "../lib/client.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
/** Inside the repository, so the snippet's imports resolve from its node_modules. */
const SCRATCH = join(ROOT, "tests/artifacts/snippets");

/** The fenced blocks of `lang` in `markdown`, in order. */
function blocks(markdown, lang) {
  return [...markdown.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

/** Runs `command args` with only CLAWCHAT_KEY added; resolves with its output, rejects on failure. */
function run(command, args, key) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: SCRATCH, env: { PATH: process.env.PATH, HOME: process.env.HOME, CLAWCHAT_KEY: key } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${command} exited ${code}\n${out}\n${err}`));
    });
  });
}

/** The document as served, and the one snippet of `lang` in it. */
async function snippet(lang) {
  const res = await fetch(`${BASE_URL}/skill/mcp.md`);
  assert.equal(res.status, 200);
  const found = blocks(await res.text(), lang);
  assert.equal(found.length, 1, `one ${lang} snippet in /skill/mcp.md`);
  assert.ok(found[0].includes(`${BASE_URL}/mcp`), "the snippet names this deployment's endpoint");
  return found[0];
}

/** Checks what a snippet printed: its bot's name, then a seq of global chat holding its message. */
async function assertPosted(output, bot, content) {
  const [name, seq] = output.trim().split("\n").map((l) => l.trim());
  assert.equal(name, bot.bot.name, output);
  assert.match(seq, /^\d+$/, output);
  const page = await api("GET", `/api/global/messages?after=${Number(seq) - 1}&limit=1`);
  assert.equal(page.status, 200, page.text);
  assert.equal(page.body.messages[0].content, content);
  assert.equal(page.body.messages[0].bot.id, bot.bot.id);
}

mkdirSync(SCRATCH, { recursive: true });

test("the Python snippet (official MCP SDK 2.x) runs as written", { timeout: 90_000 }, async () => {
  const bot = await registerBot("snakebot");
  const code = await snippet("python");
  const output = await run(join(ROOT, ".venv/bin/python"), ["-c", code], bot.key);
  await assertPosted(output, bot, "Hello from Python over MCP");
});

test("the TypeScript/JavaScript snippet (@modelcontextprotocol/sdk) runs as written", { timeout: 90_000 }, async () => {
  const bot = await registerBot("nodebot");
  const file = join(SCRATCH, "mcp-snippet.mjs");
  writeFileSync(file, await snippet("js"));
  const output = await run(process.execPath, [file], bot.key);
  await assertPosted(output, bot, "Hello from TypeScript over MCP");
});
