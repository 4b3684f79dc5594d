// The bot-facing documents as the running Worker serves them: /openapi.json is valid
// OpenAPI 3.1 describing every route with this deployment's origin; /skill.md is an
// OpenClaw skill (YAML front matter) of at most 20,000 bytes whose quick start calls only
// real routes, and which with the documents it links (/skill/streams.md, …) has a
// section for every route a bot calls (the operators' /api/admin/* routes are documented
// in README.md); /heartbeat.md is the check-in routine. Finally, real answers of the
// server are checked against the response schemas openapi.json documents for them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { validate, compileErrors } from "@readme/openapi-parser";
import { BASE_URL, admin, api, registerBot, createRoom, post, unique, uniqueIp } from "../lib/client.mjs";

const ORIGIN = new URL(BASE_URL).origin;

/** The router's route table (`ROUTES` in src/routes/table.rs), in OpenAPI path syntax. */
const ROUTES = [
  ["GET", "/api/health"],
  ["GET", "/api/limits"],
  ["POST", "/api/bots/register"],
  ["POST", "/api/bots/recover"],
  ["GET", "/api/bots/me"],
  ["POST", "/api/bots/me/rotate-key"],
  ["GET", "/api/bots/me/inbox"],
  ["GET", "/api/bots/me/ws"],
  ["GET", "/api/bots/me/webhook"],
  ["PUT", "/api/bots/me/webhook"],
  ["DELETE", "/api/bots/me/webhook"],
  ["POST", "/api/bots/me/webhook/test"],
  ["POST", "/api/bots/me/webhook/rotate-secret"],
  ["GET", "/api/bots/me/blocks"],
  ["POST", "/api/bots/me/blocks"],
  ["DELETE", "/api/bots/me/blocks/{name}"],
  ["GET", "/api/bots"],
  ["GET", "/api/bots/{name}"],
  ["GET", "/api/global/info"],
  ["GET", "/api/global/messages"],
  ["POST", "/api/global/messages"],
  ["GET", "/api/global/ws"],
  ["POST", "/api/rooms/create"],
  ["GET", "/api/rooms/list"],
  ["GET", "/api/rooms/{id}"],
  ["GET", "/api/rooms/{id}/messages"],
  ["POST", "/api/rooms/{id}/messages"],
  ["POST", "/api/rooms/{id}/invite"],
  ["POST", "/api/rooms/{id}/join"],
  ["POST", "/api/rooms/{id}/leave"],
  ["GET", "/api/rooms/{id}/ws"],
  ["PATCH", "/api/rooms/{id}/messages/{seq}"],
  ["PUT", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["DELETE", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["GET", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["GET", "/api/rooms/{id}/messages/{seq}/thread"],
  ["POST", "/api/rooms/{id}/typing"],
  ["GET", "/api/rooms/{id}/presence"],
  ["POST", "/api/rooms/{id}/messages/{seq}/report"],
  ["GET", "/api/stats"],
  ["POST", "/api/admin/bots/{name}/ban"],
  ["POST", "/api/admin/bots/{name}/unban"],
  ["GET", "/api/admin/bots"],
  ["GET", "/api/admin/rooms"],
  ["DELETE", "/api/admin/rooms/{id}/messages/{seq}"],
  ["GET", "/api/admin/rooms/{id}/messages/{seq}/history"],
  ["DELETE", "/api/admin/rooms/{id}"],
  ["GET", "/api/admin/reports"],
  ["POST", "/api/admin/reports/{seq}/dismiss"],
  ["GET", "/api/admin/audit"],
  ["POST", "/mcp"],
];

/** The operators' routes: in openapi.json and README.md, not in skill.md. */
const isAdmin = (path) => path.startsWith("/api/admin/");

/** POST routes that take no body. */
const BODILESS = new Set(["/api/bots/me/rotate-key", "/api/bots/me/webhook/test", "/api/bots/me/webhook/rotate-secret", "/api/rooms/{id}/join", "/api/rooms/{id}/leave", "/api/rooms/{id}/typing"]);

test("the route list above is the router's table (src/routes/table.rs)", async () => {
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(new URL("../../src/routes/table.rs", import.meta.url), "utf8");
  const table = /pub const ROUTES[^=]*= &\[([\s\S]*?)\n\];/.exec(source);
  assert.ok(table, "src/routes/table.rs has a ROUTES table");
  const routes = [...table[1].matchAll(/^\s*(get|put|patch|post|delete)\("([^"]+)"/gm)].map(([, method, path]) => [
    method.toUpperCase(),
    path.replace(/:(\w+)/g, "{$1}"),
  ]);
  assert.deepEqual(routes, ROUTES);
});

async function fetchDocument(path) {
  const res = await api("GET", path);
  assert.equal(res.status, 200, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
  return res;
}

let specPromise;
/** The served openapi.json, parsed (fetched once). */
function served() {
  specPromise ??= fetchDocument("/openapi.json").then((res) => ({ res, spec: JSON.parse(res.text) }));
  return specPromise;
}

/** Splits a Markdown document into its YAML front matter text and body. */
function splitFrontMatter(text) {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  assert.ok(match, "the document starts with a --- front matter block");
  return { yamlText: match[1], body: match[2] };
}

/** Parses front matter with js-yaml when installed, else with a minimal key: value reader. */
async function parseFrontMatter(yamlText) {
  const yaml = await import("js-yaml").catch(() => null);
  if (yaml?.load) return yaml.load(yamlText);
  const out = {};
  for (const line of yamlText.split(/\r?\n/)) {
    const m = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2].trim();
    out[m[1]] = value.startsWith("{") ? JSON.parse(value) : value.replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("openapi.json is served as JSON with this deployment's origin filled in", async () => {
  const { res, spec } = await served();
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/i);
  assert.ok(!res.text.includes("{{"), "no placeholder left");
  assert.equal(spec.openapi, "3.1.0");
  assert.equal(spec.servers?.[0]?.url, ORIGIN);
  assert.equal(spec.info?.version, "0.1.0");
});

test("openapi.json is valid OpenAPI 3.1", async () => {
  const { spec } = await served();
  const result = await validate(structuredClone(spec));
  assert.ok(result.valid, result.valid ? "" : compileErrors(result));
  assert.equal(result.specification, "OpenAPI");
});

test("openapi.json describes every route of the router, with security and answers", async () => {
  const { spec } = await served();
  assert.equal(spec.components?.securitySchemes?.bearerAuth?.type, "http");
  assert.equal(spec.components.securitySchemes.bearerAuth.scheme, "bearer");
  for (const name of ["Bot", "BotRef", "Room", "Message", "Error"]) {
    assert.ok(spec.components?.schemas?.[name], `components.schemas.${name}`);
  }
  for (const [method, path] of ROUTES) {
    const op = spec.paths?.[path]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${path} is documented`);
    assert.ok(Array.isArray(op.security), `${method} ${path} declares its security`);
    const codes = Object.keys(op.responses ?? {});
    assert.ok(codes.some((c) => /^[12]\d\d$/.test(c)), `${method} ${path} documents its success`);
    assert.ok(codes.includes("503"), `${method} ${path} documents 503`);
    const params = (op.parameters ?? []).concat(spec.paths[path].parameters ?? []);
    const resolved = params.map((p) => (p.$ref ? spec.components.parameters[p.$ref.split("/").pop()] : p));
    for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
      assert.ok(resolved.some((p) => p.in === "path" && p.name === name && p.required), `${method} ${path} declares ${name}`);
    }
    if (method === "POST" && !BODILESS.has(path)) {
      assert.ok(op.requestBody?.content?.["application/json"], `${method} ${path} has a JSON body`);
      assert.ok(codes.includes("415") && codes.includes("400"), `${method} ${path} documents 400 and 415`);
    }
    if (isAdmin(path)) {
      assert.ok(op.security.length > 0 && op.security.every((s) => Object.keys(s).length > 0), `${method} ${path} needs a token`);
      assert.ok(codes.includes("401"), `${method} ${path} documents 401`);
    }
  }
  // Rate-limited operations document 429 and the rate-limit headers on success.
  for (const [method, path, status] of [
    ["post", "/api/bots/register", "201"],
    ["post", "/api/bots/recover", "200"],
    ["post", "/api/global/messages", "201"],
    ["post", "/api/rooms/{id}/messages", "201"],
    ["post", "/api/rooms/create", "201"],
    ["post", "/api/rooms/{id}/invite", "200"],
    ["post", "/api/rooms/{id}/messages/{seq}/report", "202"],
    ["get", "/api/bots/{name}", "200"],
    ["get", "/api/stats", "200"],
  ]) {
    const op = spec.paths[path][method];
    assert.ok(op.responses["429"], `${path} documents 429`);
    assert.ok(op.responses[status].headers?.["X-RateLimit-Remaining"], `${path} documents X-RateLimit-*`);
  }
  // Auth and optional auth as the contract marks them.
  const sec = (method, path) => JSON.stringify(spec.paths[path][method].security);
  assert.equal(sec("get", "/api/bots/me"), JSON.stringify([{ bearerAuth: [] }]));
  assert.equal(sec("get", "/api/rooms/{id}/messages"), JSON.stringify([{}, { bearerAuth: [] }]));
  assert.equal(sec("post", "/api/bots/register"), "[]");
  assert.equal(sec("post", "/api/rooms/{id}/messages/{seq}/report"), JSON.stringify([{ bearerAuth: [] }]));
  assert.equal(sec("get", "/api/bots/{name}"), "[]");
  assert.equal(sec("get", "/api/stats"), "[]");
  // The duplicate guard's refusal.
  assert.ok(spec.paths["/api/rooms/{id}/messages"].post.responses["409"], "posting documents 409 duplicate_message");
  assert.ok(spec.paths["/api/global/messages"].post.responses["409"], "posting in global documents 409 duplicate_message");
});

/** The most /skill.md may weigh as served: an agent pays it on every fresh context. */
const SKILL_MAX_BYTES = 20_000;

/** The ROUTES entry a request's method and concrete path fall under (`{id}` matches one segment), if any. */
function routeOf(method, path) {
  return ROUTES.find(([m, p]) => {
    const pattern = p.split(/\{\w+\}/).map(escapeRegExp).join("[^/]+");
    return m === method && new RegExp(`^${pattern}$`).test(path);
  });
}

/** The body of the `## …` section whose heading starts with `title` (up to the next `## ` heading). */
function section(body, title) {
  const lines = body.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`## ${title}`));
  assert.ok(start >= 0, `a "## ${title}" section`);
  const next = lines.findIndex((line, i) => i > start && /^## /.test(line));
  return lines.slice(start + 1, next < 0 ? undefined : next).join("\n");
}

/**
 * The requests of the `curl` commands in a text's code blocks, as [method, path] (the
 * method of `-X`, else GET; the path of the first URL on this deployment's origin, query
 * left out). Lines ending in a backslash continue the command.
 */
function curlRequests(text, origin) {
  const blocks = [...text.matchAll(/^\s*```[^\n]*\n([\s\S]*?)^\s*```/gm)].map(([, code]) => code.replace(/\\\r?\n/g, " "));
  const url = new RegExp(`${escapeRegExp(origin)}[^\\s"'\`]*`);
  return blocks.flatMap((code) =>
    code
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /^curl\s/.test(line))
      .map((line) => {
        const method = /\s(?:-X|--request)\s+([A-Z]+)/.exec(line)?.[1] ?? "GET";
        const found = url.exec(line);
        assert.ok(found, `the command names a URL on ${origin}: ${line}`);
        return [method, new URL(found[0]).pathname];
      }),
  );
}

/** The bot-facing Markdown documents a text links on this deployment, e.g. "/skill/streams.md" (not /skill.md itself). */
function linkedDocuments(text, origin) {
  const links = [...text.matchAll(new RegExp(`${escapeRegExp(origin)}((?:/[A-Za-z0-9_.-]+)+\\.md)\\b`, "g"))].map(([, path]) => path);
  return [...new Set(links)].filter((path) => path !== "/skill.md");
}

/** The routes of `routes` no heading of `texts` names, as "METHOD path" (e.g. "### `GET /api/stats` — …"). */
function undocumentedRoutes(routes, texts) {
  const headings = texts.flatMap((text) => text.split("\n").filter((line) => /^#{2,4} /.test(line)));
  return routes.filter(([method, path]) => !headings.some((line) => line.includes(`\`${method} ${path}\``))).map((r) => r.join(" "));
}

test("skill.md is an OpenClaw skill for this deployment, at most 20,000 bytes, with a quick start first", async () => {
  const res = await fetchDocument("/skill.md");
  assert.match(res.headers.get("content-type") ?? "", /^text\/markdown/i);
  assert.ok(!res.text.includes("{{"), "no placeholder left");
  const bytes = Buffer.byteLength(res.text, "utf8");
  assert.ok(bytes <= SKILL_MAX_BYTES, `skill.md is ${bytes} bytes as served, more than ${SKILL_MAX_BYTES}`);
  const { yamlText, body } = splitFrontMatter(res.text);
  const meta = await parseFrontMatter(yamlText);
  assert.equal(meta.name, "clawchat");
  assert.equal(typeof meta.description, "string");
  assert.ok(meta.description.length > 20 && !meta.description.includes("\n"), "one-line description");
  assert.equal(meta.homepage, ORIGIN);
  assert.equal(String(meta.version), "0.1.0");
  assert.equal(meta.metadata?.openclaw?.emoji, "🦞");
  assert.equal(meta.metadata.openclaw.category, "social");
  assert.equal(meta.metadata.openclaw.api_base, `${ORIGIN}/api`);
  // The quick start is the first section, and every request it makes is a route of the router.
  const firstSection = body.split("\n").find((line) => /^## /.test(line));
  assert.equal(firstSection, "## Quick start", "the first section is the quick start");
  const requests = curlRequests(section(body, "Quick start"), ORIGIN);
  for (const [method, path] of requests) {
    assert.ok(routeOf(method, path), `the quick start's ${method} ${path} is a route (ROUTES)`);
  }
  const used = new Set(requests.map(([method, path]) => routeOf(method, path)?.join(" ")));
  for (const route of ["POST /api/bots/register", "POST /api/global/messages", "GET /api/global/messages", "GET /api/global/ws", "GET /api/bots/me/inbox"]) {
    assert.ok(used.has(route), `the quick start shows ${route} with curl`);
  }
  assert.ok(!/\/api\/admin\//.test(body), "skill.md leaves the operators' API to README.md");
  for (const pointer of ["/heartbeat.md", "/openapi.json", "Authorization: Bearer", "HEARTBEAT_OK", "/api/bots/recover"]) {
    assert.ok(body.includes(pointer), `skill.md mentions ${pointer}`);
  }
  for (const code of ["4001", "4002", "4003"]) assert.ok(body.includes(`\`${code}\``), `skill.md names close code ${code}`);
});

test("skill.md and the documents it links document every route a bot calls, and each is served filled in", async () => {
  const skill = await fetchDocument("/skill.md");
  const linked = linkedDocuments(skill.text, ORIGIN);
  assert.ok(linked.includes("/heartbeat.md"), "skill.md links heartbeat.md");
  assert.ok(linked.length >= 2, `skill.md links its detail documents (${linked.join(", ")})`);
  const texts = [skill.text];
  for (const path of linked) {
    const res = await fetchDocument(path);
    assert.match(res.headers.get("content-type") ?? "", /^text\/markdown/i, `${path} is Markdown`);
    assert.ok(!res.text.includes("{{BASE_URL}}"), `${path}: no placeholder left`);
    assert.ok(res.text.includes(ORIGIN), `${path} names this deployment's origin`);
    assert.ok(!/\/api\/admin\//.test(res.text), `${path} leaves the operators' API to README.md`);
    texts.push(res.text);
  }
  // A section heading for every route a bot calls, e.g. "### `GET /api/stats` — …".
  const missing = undocumentedRoutes(ROUTES.filter(([, path]) => !isAdmin(path)), texts);
  assert.deepEqual(missing, [], `routes without a section in skill.md or ${linked.join(", ")}`);
});

test("heartbeat.md is the check-in routine", async () => {
  const res = await fetchDocument("/heartbeat.md");
  assert.match(res.headers.get("content-type") ?? "", /^text\/markdown/i);
  assert.ok(!res.text.includes("{{"), "no placeholder left");
  assert.ok(res.text.includes("HEARTBEAT_OK"));
  assert.ok(res.text.includes("/api/bots/me"));
  assert.ok(res.text.includes(`${ORIGIN}/api`), "uses this deployment's origin");
  assert.ok(/after=/.test(res.text), "catches up with ?after=");
});

// ---------------------------------------------------------------------------------------
// The documented answers match the real ones.

/** A validator of JSON values against the schemas of the served spec (Ajv, JSON Schema 2020-12). */
async function schemaChecker(spec) {
  const { default: Ajv2020 } = await import("ajv/dist/2020.js");
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: "openapi.json", components: spec.components });
  const deref = (value) => {
    if (value?.$ref) return deref(value.$ref.split("/").slice(1).reduce((node, key) => node[key], spec));
    return value;
  };
  return (method, path, res) => {
    const op = spec.paths[path]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${path} is documented in openapi.json`);
    const response = deref(op.responses?.[String(res.status)]);
    assert.ok(response, `${method} ${path} documents status ${res.status} (${res.text.slice(0, 200)})`);
    const schema = response.content?.["application/json"]?.schema;
    assert.ok(schema, `${method} ${path} ${res.status} has a JSON schema`);
    const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));
    const check = ajv.compile(rebased);
    assert.ok(check(res.body), `${method} ${path} ${res.status}: ${ajv.errorsText(check.errors)}\n${res.text.slice(0, 500)}`);
    // Required headers come with every such answer; the others only in the cases their
    // descriptions name (rate-limit headers of a read without a key, for instance).
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (!deref(header).required) continue;
      assert.ok(res.headers.get(name) !== null, `${method} ${path} ${res.status} sends ${name}`);
    }
  };
}

test("real answers match the schemas openapi.json documents", async () => {
  const { spec } = await served();
  const check = await schemaChecker(spec);

  check("GET", "/api/health", await api("GET", "/api/health"));
  const alice = await registerBot("docA");
  const bob = await registerBot("docB");
  check("GET", "/api/bots/me", await api("GET", "/api/bots/me", { key: alice.key }));
  check("GET", "/api/bots", await api("GET", "/api/bots?limit=2"));
  check("GET", "/api/global/info", await api("GET", "/api/global/info"));

  const globalPost = await api("POST", "/api/global/messages", {
    key: alice.key,
    json: { content: `hello from the docs test @${bob.bot.name}` },
  });
  check("POST", "/api/global/messages", globalPost);
  assert.deepEqual(globalPost.body.message.mentions, [bob.bot.name]);
  check("GET", "/api/global/messages", await api("GET", `/api/global/messages?after=${globalPost.body.message.seq - 1}`));

  const created = await api("POST", "/api/rooms/create", {
    key: alice.key,
    json: { name: unique("docs room "), visibility: "private", ttl_seconds: 600 },
  });
  check("POST", "/api/rooms/create", created);
  const roomId = created.body.room.id;
  check("POST", "/api/rooms/{id}/invite", await api("POST", `/api/rooms/${roomId}/invite`, { key: alice.key, json: { bot: bob.bot.name } }));
  const posted = await api("POST", `/api/rooms/${roomId}/messages`, { key: bob.key, json: { content: "thanks for the invite" } });
  check("POST", "/api/rooms/{id}/messages", posted);
  await post(alice, roomId, "you are welcome", { reply_to: posted.body.message.seq });
  check("GET", "/api/rooms/{id}/messages", await api("GET", `/api/rooms/${roomId}/messages?limit=1`, { key: bob.key }));
  check("GET", "/api/rooms/{id}", await api("GET", `/api/rooms/${roomId}`));
  check("GET", "/api/rooms/list", await api("GET", "/api/rooms/list?visibility=private"));
  check("POST", "/api/rooms/{id}/leave", await api("POST", `/api/rooms/${roomId}/leave`, { key: bob.key }));
  check("POST", "/api/rooms/{id}/join", await api("POST", `/api/rooms/${roomId}/join`, { key: bob.key }));

  // Errors, as documented.
  check("GET", "/api/bots/me", await api("GET", "/api/bots/me"));
  check("GET", "/api/rooms/{id}/messages", await api("GET", `/api/rooms/${roomId}/messages`));
  check("GET", "/api/rooms/{id}", await api("GET", "/api/rooms/r_0000000000000000"));
  check("GET", "/api/global/messages", await api("GET", "/api/global/messages?after=1&before=5"));
  check("POST", "/api/global/messages", await api("POST", "/api/global/messages", { key: alice.key, body: "hi" }));
  check("POST", "/api/rooms/create", await api("POST", "/api/rooms/create", { key: alice.key, json: { name: "x", invite: [unique("nobody")] } }));
  check("GET", "/api/global/ws", await api("GET", "/api/global/ws"));

  const rotated = await api("POST", "/api/bots/me/rotate-key", { key: bob.key });
  check("POST", "/api/bots/me/rotate-key", rotated);
  check("GET", "/api/bots/me", await api("GET", "/api/bots/me", { key: rotated.body.api_key }));
});

test("real answers of blocks, recovery, profiles, stats, reports and the duplicate guard match the schemas", async () => {
  const { spec } = await served();
  const check = await schemaChecker(spec);

  const carol = await registerBot("docC");
  const registered = await api("POST", "/api/bots/register", {
    json: { name: unique("docD"), description: "Reports and recovers." },
    headers: { "CF-Connecting-IP": uniqueIp() },
  });
  check("POST", "/api/bots/register", registered);
  const dave = { bot: registered.body.bot, key: registered.body.api_key, code: registered.body.recovery_code };
  check("GET", "/api/bots/me/inbox", await api("GET", "/api/bots/me/inbox?after=0", { key: carol.key }));
  check("POST", "/api/bots/me/blocks", await api("POST", "/api/bots/me/blocks", { key: carol.key, json: { bot: dave.bot.name } }));
  check("GET", "/api/bots/me/blocks", await api("GET", "/api/bots/me/blocks", { key: carol.key }));
  check("DELETE", "/api/bots/me/blocks/{name}", await api("DELETE", `/api/bots/me/blocks/${dave.bot.name}`, { key: carol.key }));
  check("GET", "/api/bots/me/ws", await api("GET", "/api/bots/me/ws", { key: carol.key }));

  const room = await createRoom(carol, { name: unique("docs public "), visibility: "public" });
  const words = unique("said once ");
  const first = await post(carol, room.id, words);
  check("POST", "/api/rooms/{id}/messages", await api("POST", `/api/rooms/${room.id}/messages`, { key: carol.key, json: { content: words } }));
  check("GET", "/api/bots/{name}", await api("GET", `/api/bots/${carol.bot.name}`));
  check("GET", "/api/bots/{name}", await api("GET", `/api/bots/${unique("nobody")}`));
  check("GET", "/api/stats", await api("GET", "/api/stats"));

  const report = (seq, json) => api("POST", `/api/rooms/${room.id}/messages/${seq}/report`, { key: dave.key, json });
  check("POST", "/api/rooms/{id}/messages/{seq}/report", await report(first.seq, { reason: "docs test" }));
  check("POST", "/api/rooms/{id}/messages/{seq}/report", await report(first.seq, { reason: "again" }));
  check("POST", "/api/rooms/{id}/messages/{seq}/report", await report(999, { reason: "ghost" }));
  check("POST", "/api/rooms/{id}/messages/{seq}/report", await report(first.seq, {}));

  // The code works once: the second attempt, with the replaced code, is refused.
  const recover = () => api("POST", "/api/bots/recover", { json: { name: dave.bot.name, recovery_code: dave.code } });
  check("POST", "/api/bots/recover", await recover());
  check("POST", "/api/bots/recover", await recover());
});

test("real answers of the operators' API match the schemas", { skip: !process.env.ADMIN_TOKEN && "ADMIN_TOKEN is not set" }, async () => {
  const { spec } = await served();
  const check = await schemaChecker(spec);
  const owner = await registerBot("docE");
  const spammer = await registerBot("docF");
  const room = await createRoom(owner, { name: unique("docs moderated "), invite: [spammer.bot.name] });
  const spam = await post(spammer, room.id, unique("spam "));
  await api("POST", `/api/rooms/${room.id}/messages/${spam.seq}/report`, { key: owner.key, json: { reason: "spam" } });

  check("GET", "/api/admin/reports", await admin("GET", "/api/admin/reports?limit=5"));
  check("DELETE", "/api/admin/rooms/{id}/messages/{seq}", await admin("DELETE", `/api/admin/rooms/${room.id}/messages/${spam.seq}`));
  check("GET", "/api/rooms/{id}/messages", await api("GET", `/api/rooms/${room.id}/messages`, { key: owner.key }));
  check("POST", "/api/admin/bots/{name}/ban", await admin("POST", `/api/admin/bots/${spammer.bot.name}/ban`, { json: { reason: "spam" } }));
  check("GET", "/api/bots/me", await api("GET", "/api/bots/me", { key: spammer.key }));
  check("POST", "/api/admin/bots/{name}/unban", await admin("POST", `/api/admin/bots/${spammer.bot.name}/unban`));
  check("DELETE", "/api/admin/rooms/{id}", await admin("DELETE", `/api/admin/rooms/${room.id}`));
  check("GET", "/api/admin/audit", await admin("GET", "/api/admin/audit?limit=5"));
  check("GET", "/api/admin/audit", await api("GET", "/api/admin/audit"));

  // What the operator console reads and does.
  const second = await post(owner, "global", unique("quoted, not spam "));
  await api("POST", `/api/rooms/global/messages/${second.seq}/report`, { key: spammer.key, json: { reason: "spam?" } });
  const queue = await admin("GET", "/api/admin/reports?status=open&order=newest&limit=5");
  check("GET", "/api/admin/reports", queue);
  check("POST", "/api/admin/reports/{seq}/dismiss", await admin("POST", `/api/admin/reports/${queue.body.entries[0].seq}/dismiss`, { json: { reason: "a quote" } }));
  check("POST", "/api/admin/reports/{seq}/dismiss", await admin("POST", "/api/admin/reports/999999/dismiss", { json: { reason: "none" } }));
  check("GET", "/api/admin/reports", await admin("GET", "/api/admin/reports?order=newest&after=1"));
  check("GET", "/api/admin/bots", await admin("GET", `/api/admin/bots?q=${spammer.bot.name}`));
  check("GET", "/api/admin/rooms", await admin("GET", "/api/admin/rooms?q=global"));
  check("GET", "/api/admin/audit", await admin("GET", "/api/admin/audit?order=newest&action=dismiss_report&since=2026-01-01T00:00:00Z"));
  check("GET", "/api/stats", await api("GET", "/api/stats"));
});
