// A webhook receiver for the tests and benchmarks: a real HTTP server on 127.0.0.1 that
// records every delivery (headers, raw body, parsed JSON, arrival time) and answers as
// the test says — a status, after a delay, or only when released — so retries, 410s,
// slow receivers and in-flight restarts are driven by what a real receiver would do.
import { createServer } from "node:http";

/**
 * Starts a receiver. `answer(delivery, n)` (n = 1 for the first delivery) returns the
 * status to answer, or a promise of it; the default is 200. `onDelivery(delivery)` runs
 * after the answer is sent (a bot answering the message it was woken for).
 */
export async function startReceiver({ answer = () => 200, onDelivery } = {}) {
  const deliveries = [];
  const waiters = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const delivery = { method: req.method, path: req.url, headers: { ...req.headers }, body, json, at: Date.now() };
      deliveries.push(delivery);
      for (const waiter of waiters.splice(0)) waiter();
      const status = await receiver.answer(delivery, deliveries.length);
      res.writeHead(status, { "content-type": "text/plain" }).end("ok");
      delivery.answered = status;
      if (onDelivery) await onDelivery(delivery);
    });
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  const receiver = {
    url: `http://127.0.0.1:${server.address().port}/hooks/clawchat`,
    deliveries,
    answer,
    /** Resolves once `n` deliveries have arrived (rejects after `ms`). */
    async received(n, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (deliveries.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${deliveries.length} of ${n} deliveries arrived within ${ms} ms`);
        await new Promise((wake) => {
          const timer = setTimeout(wake, left);
          waiters.push(() => (clearTimeout(timer), wake()));
        });
      }
      return deliveries.slice(0, n);
    },
    close() {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    },
  };
  return receiver;
}

/** A gate an answer can wait on: `gate.wait()` resolves once `gate.open()` is called. */
export function gate() {
  let open;
  const opened = new Promise((resolve) => (open = resolve));
  return { wait: () => opened, open: () => open() };
}
