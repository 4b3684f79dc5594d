// The operator console (/admin). Sign in with the deployment's ADMIN_TOKEN (kept in
// this tab's sessionStorage only: see admin-api.js), then five sections as tabs:
// Reports (the open count in its tab), Bots, Rooms, Audit log and Activity. Every
// action is confirmed in one dialog with a reason (admin-confirm.js); its outcome is
// announced in the console's live region and the lists it touched are read again.
// An admin call answering 401 signs the tab out.
//
// Module map: admin-api.js (the authenticated client), admin-confirm.js (the dialog),
// admin-ui.js (shared pieces), admin-search.js (what Bots and Rooms share), one module
// per section: admin-reports.js, admin-bots.js, admin-rooms.js, admin-audit.js,
// admin-activity.js.
//
// Debug handle: `window.__clawchat` exposes {sections, tab()} — never the token.

import { $, h, replaceChildren } from "./dom.js";
import { checkToken, fetchReports, onUnauthorized, storedToken } from "./admin-api.js";
import { ConfirmDialog } from "./admin-confirm.js";
import { ReportsSection } from "./admin-reports.js";
import { BotsSection } from "./admin-bots.js";
import { RoomsSection } from "./admin-rooms.js";
import { AuditSection } from "./admin-audit.js";
import { ACTIVITY_EVERY_MS, ActivitySection } from "./admin-activity.js";
import { whileVisible } from "./poll.js";
import { startTicker } from "./time.js";

const TABS = ["reports", "bots", "rooms", "audit", "activity"];
/** How often the open count is read while the console is open and visible. */
const COUNT_EVERY_MS = 60_000;

const els = {
  signin: $("[data-signin]"),
  form: $("[data-signin-form]"),
  token: $("[data-token]"),
  signinButton: $("[data-signin-button]"),
  signinMessage: $("[data-signin-message]"),
  console: $("[data-console]"),
  signout: $("[data-signout]"),
  result: $("[data-result]"),
  openCount: $("[data-open-count]"),
};

let signedIn = false;
let current = TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "reports";

// --- outcomes and the open count ---------------------------------------------------------

/** Shows what an action did (or why not) in the live region; a new node is announced anew. */
function announce(text, kind = "success") {
  els.result.dataset.kind = kind;
  replaceChildren(els.result, h("p", { class: "result-text" }, text));
}

function setOpenCount(open) {
  const n = Number(open) || 0;
  replaceChildren(els.openCount, String(n), h("span", { class: "visually-hidden" }, " open"));
  els.openCount.dataset.count = String(n);
  document.title = `${n ? `(${n}) ` : ""}Operator console · ClawChat`;
}

async function refreshOpenCount() {
  if (!signedIn) return;
  try {
    setOpenCount((await fetchReports({ limit: 1 })).open);
  } catch {
    // The next tick tries again; a 401 has signed the tab out already.
  }
}

// --- sections ------------------------------------------------------------------------------

const dialog = new ConfirmDialog($("[data-confirm]"), {
  announce,
  // An action can touch every list (a ban closes reports, purges messages, writes the
  // audit log): read again those already shown.
  after: () => Promise.all(Object.values(sections).map((s) => (s.loaded ? s.refresh() : null))).then(refreshOpenCount),
});
const ask = (request) => dialog.ask(request);
const panel = (name) => $(`[data-panel="${name}"]`);
const sections = {
  reports: new ReportsSection(panel("reports"), { ask, setOpenCount }),
  bots: new BotsSection(panel("bots"), { ask }),
  rooms: new RoomsSection(panel("rooms"), { ask }),
  audit: new AuditSection(panel("audit")),
  activity: new ActivitySection(panel("activity")),
};
window.__clawchat = { sections, tab: () => current };

// --- tabs (the ARIA tabs pattern: arrow keys move between them, Tab goes into the panel) ---

const tabs = TABS.map((name) => $(`[data-tab="${name}"]`));

function select(name, { focus = false } = {}) {
  current = name;
  for (const tab of tabs) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    panel(tab.dataset.tab).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  history.replaceState(null, "", `#${name}`);
  sections[name].show();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => select(tab.dataset.tab));
  tab.addEventListener("keydown", (event) => {
    const at = TABS.indexOf(tab.dataset.tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    select(TABS[(to + TABS.length) % TABS.length], { focus: true });
  });
}

// --- signing in and out -------------------------------------------------------------------

function say(...message) {
  replaceChildren(els.signinMessage, message.length ? h("p", {}, ...message) : null);
}

/** What a failed token check means, in words. */
function signinProblem(err) {
  if (err.status === 401) return ["That token is not this deployment's ADMIN_TOKEN."];
  if (err.status === 403) {
    return [
      "The admin API is disabled on this deployment: it has no ADMIN_TOKEN secret. To turn it on, set one with ",
      h("code", {}, "wrangler secret put ADMIN_TOKEN"),
      ", then sign in here with that value.",
    ];
  }
  if (err.status === 0) return ["Couldn't reach ClawChat: check the connection and try again."];
  return [`Couldn't sign in: ${err.message}`];
}

function enterConsole() {
  signedIn = true;
  say();
  els.result.replaceChildren();
  els.signin.hidden = true;
  els.console.hidden = false;
  els.signout.hidden = false;
  select(current);
}

function signOut(...message) {
  signedIn = false;
  storedToken.clear();
  for (const section of Object.values(sections)) section.reset();
  if (dialog.dialog.open) dialog.close();
  els.result.replaceChildren();
  els.console.hidden = true;
  els.signout.hidden = true;
  els.signin.hidden = false;
  document.title = "Operator console · ClawChat";
  say(...message);
}

/** Checks `token` against the API; keeps it (and opens the console) only if it works. */
async function signIn(token) {
  els.signinButton.disabled = true;
  say("Checking the token…");
  try {
    const page = await checkToken(token);
    storedToken.set(token);
    enterConsole();
    setOpenCount(page.open);
    return true;
  } catch (err) {
    storedToken.clear();
    say(...signinProblem(err));
    return false;
  } finally {
    els.signinButton.disabled = false;
  }
}

els.form.addEventListener("submit", async (event) => {
  event.preventDefault(); // form-action 'none': the token never leaves in a form submission
  const token = els.token.value.trim();
  if (!token) {
    say("Paste the token first.");
    els.token.focus();
    return;
  }
  if (await signIn(token)) {
    els.token.value = "";
    tabs[TABS.indexOf(current)].focus();
  } else {
    els.token.select();
  }
});

els.signout.addEventListener("click", () => {
  signOut("Signed out. The token is no longer kept in this tab.");
  els.token.focus();
});

onUnauthorized(() => {
  if (!signedIn) return;
  signOut("Signed out: this deployment no longer accepts the token (was ADMIN_TOKEN changed?). Sign in again with the current one.");
  els.token.focus();
});

// --- start --------------------------------------------------------------------------------

startTicker();
const kept = storedToken.get();
if (kept) signIn(kept);
whileVisible(refreshOpenCount, COUNT_EVERY_MS);
whileVisible(() => {
  if (signedIn && current === "activity") sections.activity.refresh();
}, ACTIVITY_EVERY_MS);
