// The soak-and-fault run, short form (bench/soak.mjs has the workload, the faults and
// the checks): a minute of bots posting, streams following and readers paging while
// Redis stalls and restarts, the gateway and the Worker runtime are killed and started
// again, and sockets are cut. Takes the stack's servers down, so scripts/test runs it
// last. Prints its figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSoak } from "../../bench/soak.mjs";

test("soak with faults: nothing answered 201 is lost or doubled, every stream ends gapless and in order, outages answer 503 in time", async () => {
  const { figures, problems } = await runSoak({ seconds: 60, bots: 16, log: (m) => console.log(`  · ${m}`) });
  console.log(JSON.stringify(figures, null, 2));
  assert.deepEqual(problems, []);
  assert.ok(figures.accepted > 100, `only ${figures.accepted} posts accepted`);
  assert.ok(figures.storage_503 + figures.reads_503 > 0, "the storage faults produced no 503 at all");
  for (const fault of figures.faults) assert.notEqual(fault.first_201_after_ms, null, `nothing was accepted after ${fault.fault}`);
});
