#!/usr/bin/env node
// Serves a Worker locally the way `wrangler dev` does (wrangler's own dev server and the
// workerd it bundles), but with the devtools inspector off. `scripts/bench` runs the
// Worker with this, and the reference chat it is compared with should run the same way;
// `scripts/dev` and the test stack keep `wrangler dev`.
//
// Why: `wrangler dev` always attaches its inspector proxy and enables the DevTools
// Network domain, so every outgoing fetch of the Worker (each Redis round trip) sends
// three events from the runtime to the proxy, and each is relayed to wrangler's Node
// process, which writes it to its debug log (~/.config/.wrangler/logs). Nothing of this
// happens in production, yet locally it cost about 40% of a busy room hub's throughput,
// and only the side that does I/O pays it. The Worker's own log lines are unchanged:
// wrangler prints them from the runtime's structured logs, not through the inspector.
//
//   node scripts/serve-worker.mjs --config wrangler.toml --ip 127.0.0.1 --port 8787 \
//     [--persist-to DIR] [--var NAME:value]...
//
// The same flags as `wrangler dev`, so a start line works with either.
import { parseArgs } from "node:util";
import { unstable_startWorker } from "wrangler";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "wrangler.toml" },
    ip: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8787" },
    "persist-to": { type: "string" },
    var: { type: "string", multiple: true, default: [] },
  },
});

/** `NAME:value` (the value may hold colons, as a URL does) as a plain-text binding. */
function binding(text) {
  const colon = text.indexOf(":");
  if (colon < 1) throw new Error(`--var ${text}: expected NAME:value`);
  return [text.slice(0, colon), { type: "plain_text", value: text.slice(colon + 1) }];
}

const worker = await unstable_startWorker({
  config: values.config,
  bindings: Object.fromEntries(values.var.map(binding)),
  dev: {
    server: { hostname: values.ip, port: Number(values.port) },
    inspector: false,
    persist: values["persist-to"],
    watch: false,
  },
});
await worker.ready;

// Stop the runtime with this process, as `wrangler dev` does (within a few seconds,
// whatever the runtime does).
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    setTimeout(() => process.exit(0), 3_000).unref();
    worker.dispose().finally(() => process.exit(0));
  });
}
