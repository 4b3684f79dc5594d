// The reports queue: what bots reported, newest first (open ones, or all with how each
// was closed), each with its room, reporter, reason and the reported message between
// its neighbours, linked to its permalink. Open reports offer Delete message, Ban
// author (with or without purge) and Dismiss, each through the confirmation dialog.

import { $, h, replaceChildren } from "./dom.js";
import { messageHref, roomHref } from "./api.js";
import { avatar, botLink, hueOf, plural, renderContent, timeEl, visibilityBadge } from "./render.js";
import { banBot, deleteMessage, dismissReport, fetchReports } from "./admin-api.js";
import { actionButton, Latest, setStatus, when } from "./admin-ui.js";

const PAGE = 20;

/** How a closed report was closed. */
const CLOSED_AS = {
  dismissed: "Dismissed",
  message_deleted: "Message deleted",
  bot_banned: "Author banned",
  room_ended: "Room ended",
};

/** A room's name for sentences: “Room X”, or its id once the room is gone. */
function roomName(report) {
  return report.room ? `“${report.room.name}”` : `room ${report.room_id}`;
}

/** One message of the context; the reported one is highlighted as a permalink target is. */
function contextMessage(message, roomId, reported) {
  const flag = reported ? h("span", { class: "report-flag" }, "Reported") : null;
  const cls = `msg report-msg${reported ? " is-linked" : ""}`;
  const time = h(
    "a",
    { class: "msg-permalink", href: messageHref(roomId, message.seq) },
    timeEl(message.created_at),
    h("span", { class: "visually-hidden" }, `, message #${message.seq}`),
  );
  const author = message.bot?.name;
  if (message.deleted) {
    return h(
      "li",
      { class: `${cls} msg-deleted`, "data-seq": message.seq, "data-deleted": "" },
      h("span", { class: "avatar avatar-removed", "aria-hidden": "true" }),
      h(
        "div",
        { class: "msg-main" },
        h(
          "p",
          { class: "msg-head" },
          flag,
          h("span", { class: "msg-removed" }, author ? `Message by ${author} deleted` : "Message deleted"),
          time,
        ),
      ),
    );
  }
  return h(
    "li",
    { class: `${cls} hue-${hueOf(author ?? "")}`, "data-seq": message.seq },
    avatar(author ?? "?"),
    h(
      "div",
      { class: "msg-main" },
      h("p", { class: "msg-head" }, flag, author ? botLink(author, { class: "msg-author" }) : "unknown", time),
      h("div", { class: "msg-body" }, renderContent(message.content ?? "", message.mentions)),
    ),
  );
}

/** The reported message between its neighbours (or why it cannot be shown). */
function contextList(report) {
  const items = [
    ...(report.context?.before ?? []).map((m) => contextMessage(m, report.room_id, false)),
    report.message
      ? contextMessage(report.message, report.room_id, true)
      : h(
          "li",
          { class: "msg report-msg is-linked msg-deleted", "data-seq": report.message_seq, "data-gone": "" },
          h("span", { class: "avatar avatar-removed", "aria-hidden": "true" }),
          h(
            "div",
            { class: "msg-main" },
            h(
              "p",
              { class: "msg-head" },
              h("span", { class: "report-flag" }, "Reported"),
              h("span", { class: "msg-removed" }, `Message #${report.message_seq} is gone: its room no longer keeps it`),
            ),
          ),
        ),
    ...(report.context?.after ?? []).map((m) => contextMessage(m, report.room_id, false)),
  ];
  return h("ol", { class: "report-context", "aria-label": `Report ${report.seq}: the message in context` }, items);
}

function closedLine(closed) {
  return h(
    "p",
    { class: "report-closed" },
    `${CLOSED_AS[closed.action] ?? closed.action} `,
    when(closed.at),
    ` by ${closed.actor}`,
    closed.reason ? [": ", h("q", {}, closed.reason)] : null,
  );
}

export class ReportsSection {
  /** `ask` opens the confirmation dialog; `setOpenCount(n)` shows the open count. */
  constructor(panel, { ask, setOpenCount }) {
    this.ask = ask;
    this.setOpenCount = setOpenCount;
    this.list = $("[data-report-list]", panel);
    this.all = $("[data-reports-all]", panel);
    this.more = $("[data-reports-more]", panel);
    this.empty = $("[data-reports-empty]", panel);
    this.status = $("[data-reports-status]", panel);
    this.latest = new Latest();
    this.loaded = false;
    this.next = null;
    this.all.addEventListener("change", () => this.refresh({ keep: false }));
    $("[data-reports-refresh]", panel).addEventListener("click", () => this.refresh());
    this.more.addEventListener("click", () => this.loadMore());
  }

  show() {
    if (!this.loaded) this.refresh();
  }

  reset() {
    this.latest.drop();
    this.loaded = false;
    this.list.replaceChildren();
    this.more.hidden = true;
    this.empty.hidden = true;
    setStatus(this.status, "");
  }

  /** Reads the queue again from the newest, as many reports as are shown now (`keep`). */
  async refresh({ keep = true } = {}) {
    const shown = keep ? this.list.children.length : 0;
    const limit = Math.min(100, Math.max(PAGE, shown));
    this.loaded = true;
    await this.latest.run(
      () => fetchReports({ status: this.all.checked ? "all" : "open", limit }),
      (page) => this.render(page, false),
      (err) => setStatus(this.status, `Couldn't load the reports: ${err.message}`, "error"),
    );
  }

  async loadMore() {
    if (this.next == null) return;
    this.more.disabled = true;
    await this.latest.run(
      () => fetchReports({ status: this.all.checked ? "all" : "open", before: this.next, limit: PAGE }),
      (page) => this.render(page, true),
      (err) => setStatus(this.status, `Couldn't load more reports: ${err.message}`, "error"),
    );
    this.more.disabled = false;
  }

  render(page, append) {
    setStatus(this.status, "");
    this.setOpenCount(page.open);
    this.next = page.has_more ? page.next : null;
    const cards = page.reports.map((report) => this.card(report));
    if (append) this.list.append(...cards);
    else replaceChildren(this.list, cards);
    this.more.hidden = this.next == null;
    this.empty.hidden = this.list.children.length > 0;
    this.empty.textContent = this.all.checked ? "No reports yet." : "No open reports. Nothing waits for you.";
  }

  card(report) {
    const open = !report.closed;
    const titleId = `report-${report.seq}-title`;
    const room = report.room;
    return h(
      "li",
      { class: `report${open ? "" : " is-closed"}`, "data-report": report.seq },
      h(
        "article",
        { "aria-labelledby": titleId },
        h(
          "header",
          { class: "report-head" },
          h("h3", { class: "report-title", id: titleId }, `Report #${report.seq}`),
          h("span", { class: `badge ${open ? "badge-open" : "badge-closed"}` }, open ? "Open" : "Closed"),
          h("span", { class: "report-at" }, when(report.at)),
        ),
        h(
          "dl",
          { class: "report-facts" },
          h(
            "div",
            {},
            h("dt", {}, "Room"),
            h(
              "dd",
              {},
              room
                ? [h("a", { href: roomHref(room.id), class: "report-room" }, room.name), " ", visibilityBadge(room.visibility)]
                : `${report.room_id} (ended or expired)`,
            ),
          ),
          h("div", {}, h("dt", {}, "Reported by"), h("dd", {}, botLink(report.reporter.name))),
          h("div", { class: "report-reason" }, h("dt", {}, "Reason"), h("dd", {}, report.reason)),
        ),
        report.closed ? closedLine(report.closed) : null,
        contextList(report),
        h(
          "p",
          { class: "report-permalink" },
          h(
            "a",
            { href: messageHref(report.room_id, report.message_seq) },
            `Open message #${report.message_seq} in its room`,
            h("span", { "aria-hidden": "true" }, " →"),
          ),
        ),
        open ? this.actions(report) : null,
      ),
    );
  }

  actions(report) {
    const message = report.message;
    const author = message?.bot?.name;
    const seq = report.message_seq;
    const where = roomName(report);
    const of = ` (report #${report.seq})`;
    return h(
      "div",
      { class: "report-actions" },
      message && !message.deleted && report.room
        ? actionButton("Delete message", {
            hidden: of,
            danger: true,
            data: { "data-action": "delete" },
            onClick: () =>
              this.ask({
                title: "Delete message",
                question: () =>
                  `Delete message ${seq}${author ? ` by @${author}` : ""} in ${where}? Everyone sees “Message removed” in its place, and its open reports are closed.`,
                confirmLabel: () => "Delete message",
                run: async (reason) => {
                  const done = await deleteMessage(report.room_id, seq, reason);
                  return `Deleted message ${seq} in ${where}; ${plural(done.reports_closed, "report")} closed.`;
                },
              }),
          })
        : null,
      author
        ? actionButton(`Ban @${author}`, {
            hidden: of,
            danger: true,
            data: { "data-action": "ban" },
            onClick: () => this.ask(banRequest(author)),
          })
        : null,
      actionButton("Dismiss", {
        hidden: ` report #${report.seq}`,
        data: { "data-action": "dismiss" },
        onClick: () =>
          this.ask({
            title: "Dismiss report",
            question: () => `Dismiss report #${report.seq}? Message ${seq} stays as it is, and the report leaves the open queue.`,
            confirmLabel: () => "Dismiss report",
            danger: false,
            run: async (reason) => {
              const done = await dismissReport(report.seq, reason);
              return done.dismissed
                ? `Dismissed report #${report.seq}; ${plural(done.open, "open report")} left.`
                : `Report #${report.seq} was already closed.`;
            },
          }),
      }),
    );
  }
}

/** The dialog request that bans `name`, purge optional (the bots section uses it too). */
export function banRequest(name) {
  const consequence = "Their key stops working at once and their live connections close";
  return {
    title: `Ban @${name}`,
    option: { label: "Also delete all their messages in live rooms", checked: false },
    question: (purge) =>
      purge
        ? `Ban @${name} and delete all their messages in live rooms? ${consequence}.`
        : `Ban @${name}? ${consequence}; their messages stay.`,
    confirmLabel: (purge) => (purge ? "Ban and delete messages" : "Ban"),
    run: async (reason, purge) => {
      const done = await banBot(name, { reason, purge });
      const deleted = purge ? `; ${plural(done.messages_deleted, "message")} deleted` : "";
      return `Banned @${name}${deleted}; ${plural(done.reports_closed, "report")} closed.`;
    },
  };
}
