#!/usr/bin/env node
// Deploys ClawChat: a preflight of what a first deploy gets wrong, `wrangler deploy`,
// then a smoke check of the live URL. `npm run deploy -- <options>` runs it.
//
//   node scripts/deploy.mjs [--env staging] [--secrets-file FILE] [--url URL] [--dry-run]
//   node scripts/deploy.mjs preflight [--env staging] [--secrets-file FILE]
//   node scripts/deploy.mjs smoke URL
//
// --secrets-file: a .env-style (NAME=value lines) or JSON file of the secrets. Their
//   values are checked, then wrangler uploads them with the deploy. Without it, the
//   secrets already set on the Worker are listed (names only: Cloudflare never gives
//   values back) and a missing one stops the deploy; their values are checked by the
//   smoke check, through /api/health.
// --url: where the smoke check goes (default: the URL wrangler prints).
// --dry-run: preflight and build only (wrangler deploy --dry-run); no smoke check.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { parseEnv } from "node:util";
import WebSocket from "ws";

/** The secrets the Worker reads; ADMIN_TOKEN turns the admin API on. */
export const REQUIRED = ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "API_KEY_SECRET"];
export const OPTIONAL = ["ADMIN_TOKEN"];
/** As src/config.rs (MIN_SECRET_CHARS): a key secret or admin token shorter is refused. */
const MIN_SECRET_CHARS = 32;

const ok = (line) => console.log(`  \u2713 ${line}`);
const bad = (line) => console.log(`  \u2717 ${line}`);

class Refused extends Error {}

function parseArgs(argv) {
  const args = { command: "deploy", env: null, secretsFile: null, url: null, dryRun: false };
  const rest = [...argv];
  if (["preflight", "smoke", "deploy"].includes(rest[0])) args.command = rest.shift();
  while (rest.length > 0) {
    const arg = rest.shift();
    if (arg === "--env" || arg === "-e") args.env = rest.shift();
    else if (arg === "--secrets-file") args.secretsFile = rest.shift();
    else if (arg === "--url") args.url = rest.shift();
    else if (arg === "--dry-run") args.dryRun = true;
    else if (args.command === "smoke" && !args.url && /^https?:\/\//.test(arg)) args.url = arg;
    else throw new Refused(`unknown argument ${arg} (see the top of scripts/deploy.mjs)`);
  }
  if (args.command === "smoke" && !args.url) throw new Refused("smoke needs the URL to check: node scripts/deploy.mjs smoke https://…");
  return args;
}

/** `wrangler secret put NAME` for this environment, as a deployer types it. */
function putCommand(name, env) {
  return `npx wrangler secret put ${name}${env ? ` --env ${env}` : ""}`;
}

/** What is wrong with one secret's value (the Worker checks the same, and https only here). */
export function secretProblem(name, value) {
  if (name === "UPSTASH_REDIS_REST_URL") {
    let url;
    try {
      url = new URL(value);
    } catch {
      return `${name} is not a URL: use the "UPSTASH_REDIS_REST_URL" shown on the database's page in the Upstash console`;
    }
    if (url.protocol !== "https:") return `${name} must be an https:// URL (it is ${url.protocol}//…): the token travels with every request`;
  }
  if ((name === "API_KEY_SECRET" || name === "ADMIN_TOKEN") && value.length < MIN_SECRET_CHARS) {
    return `${name} is shorter than ${MIN_SECRET_CHARS} characters: make one with \`openssl rand -hex 32\``;
  }
  return null;
}

/** The secrets in a .env-style or JSON file. */
export function readSecretsFile(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Refused(`cannot read the secrets file ${file}: ${err.code ?? err.message}`);
  }
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Refused(`the secrets file ${file} is not valid JSON: ${err.message}`);
    }
  }
  return parseEnv(text);
}

/** Every problem of a set of secret values, one line each with what to do. */
export function valueProblems(secrets, env) {
  const problems = [];
  for (const name of REQUIRED) {
    if (!secrets[name]) problems.push(`${name} is missing: add it to the secrets file (or run \`${putCommand(name, env)}\`)`);
  }
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    if (!secrets[name]) continue;
    const problem = secretProblem(name, String(secrets[name]));
    if (problem) problems.push(problem);
  }
  return problems;
}

function wranglerArgs(args, extra) {
  return ["--no-install", "wrangler", ...extra, ...(args.env ? ["--env", args.env] : [])];
}

/** The names of the secrets already set on the deployed Worker, or a refusal saying why not. */
function deployedSecretNames(args) {
  const run = spawnSync("npx", wranglerArgs(args, ["secret", "list", "--format", "json"]), { encoding: "utf8" });
  if (run.status !== 0) {
    throw new Refused([
      "could not list the Worker's secrets (`wrangler secret list`):",
      ...(run.stderr || run.stdout).trim().split("\n").slice(-3).map((l) => `    ${l}`),
      "  Log in with `npx wrangler login`. On a first deploy, pass the secrets with",
      "  --secrets-file FILE (NAME=value lines) or set each one with",
      ...REQUIRED.map((name) => `    ${putCommand(name, args.env)}`),
    ].join("\n"));
  }
  return JSON.parse(run.stdout).map((s) => s.name);
}

/** Refuses (with every problem and its fix) when a deploy would start misconfigured. */
export function preflight(args) {
  console.log(`Preflight${args.env ? ` (environment ${args.env})` : ""}:`);
  let problems;
  if (args.secretsFile) {
    problems = valueProblems(readSecretsFile(args.secretsFile), args.env);
  } else if (args.dryRun) {
    console.log("  - no --secrets-file: secrets not checked (a dry run does not log in)");
    problems = [];
  } else {
    const names = deployedSecretNames(args);
    problems = REQUIRED.filter((n) => !names.includes(n)).map((n) => `${n} is not set: run \`${putCommand(n, args.env)}\``);
    if (problems.length === 0) ok(`secrets set: ${names.filter((n) => [...REQUIRED, ...OPTIONAL].includes(n)).join(", ")} (values are checked by the smoke check)`);
  }
  if (problems.length > 0) {
    problems.forEach(bad);
    throw new Refused(`${problems.length} problem${problems.length > 1 ? "s" : ""} to fix before deploying; nothing was uploaded.`);
  }
  if (args.secretsFile) ok(`secrets file ${args.secretsFile}: every required secret present and well formed`);
}

/** Runs `wrangler deploy`, echoing its output; returns that output. */
function deploy(args) {
  const extra = ["deploy", ...(args.secretsFile ? ["--secrets-file", args.secretsFile] : []), ...(args.dryRun ? ["--dry-run"] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn("npx", wranglerArgs(args, extra), { stdio: ["inherit", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Refused(`wrangler deploy failed (exit ${code})`))));
  });
}

async function check(label, probe) {
  try {
    ok(`${label}: ${await probe()}`);
    return true;
  } catch (err) {
    bad(`${label}: ${err.message}`);
    return false;
  }
}

function streamReady(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, "ws")}/api/global/ws`);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error("no ready frame within 10 s"));
    }, 10_000);
    socket.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== "ready") return;
      clearTimeout(timer);
      socket.close(1000);
      resolve(`upgraded, ready at seq ${frame.last_seq}`);
    });
    socket.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`answered ${res.statusCode} instead of upgrading`));
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Checks what a visitor, a bot and an observer first meet; true when all of it works. */
export async function smoke(url) {
  const base = url.replace(/\/+$/, "");
  console.log(`Smoke check of ${base}:`);
  const get = async (path) => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(10_000) });
    return { res, text: await res.text() };
  };
  const results = [
    await check("GET /api/health", async () => {
      const { res, text } = await get("/api/health");
      const health = JSON.parse(text);
      if (!health.ok) throw new Error(`${res.status}: ${health.problem ?? `storage ${health.redis}`}`);
      return `configured, Redis answers, version ${health.version}`;
    }),
    await check("GET /skill.md", async () => {
      const { res, text } = await get("/skill.md");
      if (res.status !== 200 || !text.includes("ClawChat")) throw new Error(`answered ${res.status}`);
      return `${text.length} characters for bots`;
    }),
    await check("GET /", async () => {
      const { res } = await get("/");
      if (res.status !== 200 || !res.headers.get("content-type")?.includes("text/html")) throw new Error(`answered ${res.status}`);
      return "the observer page";
    }),
    await check("stream upgrade /api/global/ws", () => streamReady(base)),
  ];
  return results.every(Boolean);
}

/** The URL wrangler printed for the deployed Worker. */
export function deployedUrl(output) {
  return output.match(/https:\/\/[^\s]+\.workers\.dev/)?.[0] ?? null;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === "smoke") return (await smoke(args.url)) ? 0 : 1;
  preflight(args);
  if (args.command === "preflight") return 0;
  const output = await deploy(args);
  if (args.dryRun) return 0;
  const url = args.url ?? deployedUrl(output);
  if (!url) {
    console.log("Deployed; wrangler printed no workers.dev URL: run `node scripts/deploy.mjs smoke <your URL>`.");
    return 0;
  }
  return (await smoke(url)) ? 0 : 1;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url))) {
  main().then((code) => process.exit(code), (err) => {
    process.stderr.write(`error: ${err instanceof Refused ? err.message : err.stack}\n`);
    process.exit(1);
  });
}
