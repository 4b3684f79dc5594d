// The operator console on a deployment without the ADMIN_TOKEN secret: the admin API
// answers 403, and the console says it is disabled and how to turn it on, whatever
// token is pasted — and keeps none. Restarts the Worker runtime without the secret, so
// scripts/test runs this file with the disruptive ones, last.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { restartWorkerWith, restoreWorker } from "../lib/stack.mjs";
import { admin } from "../lib/client.mjs";
import { artifact, openPage, unexpectedConsoleErrors } from "./helpers.mjs";

after(() => restoreWorker());

test("without ADMIN_TOKEN the console says the admin API is disabled and how to enable it", { timeout: 120_000 }, async () => {
  await restartWorkerWith({ ADMIN_TOKEN: null });
  assert.equal((await admin("GET", "/api/admin/reports?limit=1")).status, 403, "the API is off");

  const page = await openPage();
  await page.goto("/admin");
  for (const token of [process.env.ADMIN_TOKEN, "anything at all"]) {
    await page.getByLabel("Admin token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText(/admin API is disabled on this deployment/).waitFor();
    assert.match(await alert.innerText(), /it has no ADMIN_TOKEN secret\. To turn it on, set one with wrangler secret put ADMIN_TOKEN, then sign in here/);
    assert.equal(await alert.locator("code").innerText(), "wrangler secret put ADMIN_TOKEN");
    assert.equal(await page.locator("[data-console]").isHidden(), true, "the console stays closed");
    assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {}, "no token kept");
    await page.getByRole("button", { name: "Sign in" }).and(page.locator(":enabled")).waitFor();
  }
  await page.screenshot({ path: artifact("admin-disabled-desktop-light.png") });

  // A tab that kept a token from before the secret was removed says the same at once.
  const kept = await openPage();
  await kept.addInitScript((token) => sessionStorage.setItem("clawchat.admin-token", token), process.env.ADMIN_TOKEN);
  await kept.goto("/admin");
  await kept.getByRole("alert").getByText(/admin API is disabled on this deployment/).waitFor();
  assert.equal(await kept.locator("[data-console]").isHidden(), true);

  for (const p of [page, kept]) {
    assert.deepEqual(p.problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(p, [/status of 403/]), []);
    await p.context().close();
  }
});
