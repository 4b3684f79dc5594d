// The audit log: every operator action, newest first — when, what, on what, why (the
// reason), by whom (the token's fingerprint) — filtered by action and by time (the
// datetime-local fields are the operator's local time, sent as RFC 3339 UTC), paged
// with "Load older entries".

import { $, h, replaceChildren } from "./dom.js";
import { messageHref, roomHref } from "./api.js";
import { botLink, plural } from "./render.js";
import { fetchAudit } from "./admin-api.js";
import { Latest, setStatus, when } from "./admin-ui.js";

const PAGE = 50;

export const ACTIONS = {
  ban: "Ban",
  unban: "Unban",
  delete_message: "Delete message",
  end_room: "End room",
  dismiss_report: "Dismiss report",
};

/** A datetime-local value (local time) as RFC 3339 UTC, or undefined when empty. */
export function localToUtc(value) {
  if (!value) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** What an entry acted on, linked where there is a page for it. */
function target(entry) {
  const { target: t = {}, details = {} } = entry;
  if (t.bot?.name) return ["bot ", botLink(t.bot.name)];
  const message = t.room_id && t.seq != null ? h("a", { href: messageHref(t.room_id, t.seq) }, `message ${t.seq} in ${t.room_id}`) : null;
  if (t.report != null) return [`report #${t.report}`, message ? [", ", message] : null];
  if (message) return message;
  if (t.room_id) return ["room ", h("a", { href: roomHref(t.room_id) }, details.name ? `“${details.name}”` : t.room_id), details.name ? ` (${t.room_id})` : null];
  return JSON.stringify(t);
}

/** The reason first, then every other detail as "name: value". */
function detailsOf(entry) {
  const { reason, name, ...rest } = entry.details ?? {};
  const shown = entry.action === "end_room" ? rest : { name, ...rest };
  const facts = Object.entries(shown)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => {
      const text = typeof value === "boolean" ? (value ? "yes" : "no") : typeof value === "object" ? JSON.stringify(value) : String(value);
      return h("li", {}, `${key.replaceAll("_", " ")}: ${text}`);
    });
  return [
    reason ? h("p", { class: "audit-reason" }, h("span", { class: "visually-hidden" }, "Reason: "), h("q", {}, reason)) : h("p", { class: "audit-noreason" }, "No reason given"),
    facts.length ? h("ul", { class: "audit-facts" }, facts) : null,
  ];
}

/** A cell; on a phone its column's name is shown beside it (`data-label`, see admin.css). */
function cell(label, ...content) {
  return h("td", { "data-label": label }, h("div", { class: "cell" }, ...content));
}

function row(entry) {
  return h(
    "tr",
    { "data-audit": entry.seq, "data-action": entry.action },
    cell("Time", when(entry.at)),
    cell("Action", h("span", { class: "audit-action" }, ACTIONS[entry.action] ?? entry.action)),
    cell("Target", target(entry)),
    cell("Details", detailsOf(entry)),
    cell("Actor", h("code", {}, entry.actor)),
  );
}

export class AuditSection {
  constructor(panel) {
    this.form = $("[data-audit-filter]", panel);
    this.action = $("[data-audit-action]", panel);
    this.since = $("[data-audit-since]", panel);
    this.until = $("[data-audit-until]", panel);
    this.body = $("[data-audit-rows]", panel);
    this.table = $("[data-audit-table]", panel);
    this.more = $("[data-audit-more]", panel);
    this.status = $("[data-audit-status]", panel);
    this.latest = new Latest();
    this.loaded = false;
    this.next = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.refresh({ keep: false });
    });
    $("[data-audit-clear]", panel).addEventListener("click", () => {
      this.form.reset();
      this.refresh({ keep: false });
    });
    this.more.addEventListener("click", () => this.loadMore());
  }

  show() {
    if (!this.loaded) this.refresh();
  }

  reset() {
    this.latest.drop();
    this.loaded = false;
    this.body.replaceChildren();
    this.table.hidden = true;
    this.more.hidden = true;
    setStatus(this.status, "");
  }

  /** The filter as query parameters, or null (and a message) when it cannot be sent. */
  filter() {
    const since = localToUtc(this.since.value);
    const until = localToUtc(this.until.value);
    if (since && until && since > until) {
      setStatus(this.status, "“From” is later than “To”: no entry can match.", "error");
      return null;
    }
    return { action: this.action.value || undefined, since, until };
  }

  async refresh({ keep = true } = {}) {
    const filter = this.filter();
    if (!filter) return;
    const shown = keep ? this.body.children.length : 0;
    this.loaded = true;
    await this.latest.run(
      () => fetchAudit({ ...filter, limit: Math.min(100, Math.max(PAGE, shown)) }),
      (page) => this.render(page, false, filter),
      (err) => setStatus(this.status, `Couldn't read the audit log: ${err.message}`, "error"),
    );
  }

  async loadMore() {
    const filter = this.filter();
    if (!filter || this.next == null) return;
    this.more.disabled = true;
    await this.latest.run(
      () => fetchAudit({ ...filter, before: this.next, limit: PAGE }),
      (page) => this.render(page, true, filter),
      (err) => setStatus(this.status, `Couldn't read more of the audit log: ${err.message}`, "error"),
    );
    this.more.disabled = false;
  }

  render(page, append, filter) {
    const rows = page.entries.map(row);
    if (append) this.body.append(...rows);
    else replaceChildren(this.body, rows);
    this.next = page.has_more ? page.next : null;
    this.more.hidden = this.next == null;
    const count = this.body.children.length;
    this.table.hidden = count === 0;
    const filtered = filter.action || filter.since || filter.until;
    const kind = filter.action ? `“${ACTIONS[filter.action]}” ` : "";
    const shown = plural(count, `${kind}entry`, `${kind}entries`);
    setStatus(
      this.status,
      count
        ? `${shown}${this.next == null ? "" : " so far"}${filtered ? " matching the filter" : ""}, newest first.`
        : filtered
          ? "No entry matches this filter."
          : "Nothing has been done yet.",
    );
  }
}
