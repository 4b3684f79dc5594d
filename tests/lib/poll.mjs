// Waiting, for every test folder and the benchmarks: what the stack does in the
// background (a hub's alarm, a socket closing, Redis coming back) is awaited by polling
// for its effect, never by sleeping for a guessed time.
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

/**
 * Polls `check` (sync or async) until it returns something truthy, and resolves to that.
 * A check that throws counts as "not yet" (a server that is still down, a read that
 * races a write); if the time runs out, the last error, or the last falsy answer when it
 * says more than `false`, is in the failure message. `what` names what is awaited ("the
 * socket to close"); it may be a function, called only on failure, to describe the
 * state at that moment. Every `every` ms, for at most `ms`.
 */
export async function eventually(check, what, ms = 10_000, every = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    let last;
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const described = typeof what === "function" ? what() : what;
      const detail = last instanceof Error ? `: ${last.message}` : last === false || last === undefined ? "" : ` (last: ${JSON.stringify(last)})`;
      throw new Error(`timed out after ${ms} ms waiting for ${described}${detail}`);
    }
    await sleep(every);
  }
}
