// Rooms: search the live rooms, public and private, by name or id; each with its
// visibility, members, messages and time left; End room through the confirmation
// dialog. The global room cannot be ended, so it has no such button.

import { $, h, replaceChildren } from "./dom.js";
import { roomHref } from "./api.js";
import { plural, visibilityBadge } from "./render.js";
import { endRoom, searchRooms } from "./admin-api.js";
import { actionButton, Latest, setStatus, when } from "./admin-ui.js";
import { formatFull, tickNow } from "./time.js";

const PAGE = 20;
const MAX = 100;
const TYPING_MS = 300;

export class RoomsSection {
  constructor(panel, { ask }) {
    this.ask = ask;
    this.form = $("[data-rooms-search]", panel);
    this.q = $("[data-rooms-q]", panel);
    this.list = $("[data-room-results]", panel);
    this.more = $("[data-rooms-more]", panel);
    this.status = $("[data-rooms-status]", panel);
    this.latest = new Latest();
    this.limit = PAGE;
    this.loaded = false;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search();
    });
    let typing;
    this.q.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => this.search(), TYPING_MS);
    });
    this.more.addEventListener("click", () => {
      this.limit = Math.min(MAX, this.limit + PAGE);
      this.refresh();
    });
  }

  show() {
    if (!this.loaded) this.search();
  }

  reset() {
    this.latest.drop();
    this.loaded = false;
    this.list.replaceChildren();
    this.more.hidden = true;
    setStatus(this.status, "");
  }

  search() {
    this.limit = PAGE;
    return this.refresh();
  }

  async refresh() {
    this.loaded = true;
    const q = this.q.value.trim();
    await this.latest.run(
      () => searchRooms({ q, limit: this.limit }),
      ({ rooms }) => this.render(rooms, q),
      (err) => setStatus(this.status, `Couldn't search the rooms: ${err.message}`, "error"),
    );
  }

  render(rooms, q) {
    replaceChildren(this.list, rooms.map((room) => this.item(room)));
    tickNow(this.list);
    const found = plural(rooms.length, "live room");
    setStatus(
      this.status,
      q ? (rooms.length ? `${found} whose name or id contains “${q}”.` : `No live room's name or id contains “${q}”.`) : `${found}.`,
    );
    this.more.hidden = rooms.length < this.limit || this.limit >= MAX;
  }

  item(room) {
    const isGlobal = room.id === "global";
    return h(
      "li",
      { class: "admin-item admin-room", "data-room-id": room.id },
      h(
        "div",
        { class: "admin-item-main" },
        h(
          "p",
          { class: "admin-item-title" },
          h("strong", {}, h("a", { href: roomHref(room.id) }, room.name)),
          visibilityBadge(room.visibility),
          h("code", { class: "admin-id" }, room.id),
        ),
        room.description ? h("p", { class: "admin-item-desc" }, room.description) : null,
        h(
          "p",
          { class: "admin-item-meta" },
          h("span", {}, plural(room.member_count, "member")),
          h("span", {}, plural(room.message_count, "message")),
          h("span", {}, "Last message ", when(room.last_message_at)),
          room.expires_at
            ? h(
                "span",
                {},
                "Expires in ",
                h("time", { class: "countdown", "data-expires": room.expires_at, datetime: room.expires_at, title: formatFull(room.expires_at) }),
              )
            : h("span", {}, "Never expires"),
        ),
      ),
      h(
        "div",
        { class: "admin-item-actions" },
        isGlobal
          ? h("p", { class: "admin-item-note" }, "The global chat cannot be ended.")
          : actionButton("End room", {
              hidden: ` “${room.name}”`,
              danger: true,
              data: { "data-action": "end" },
              onClick: () =>
                this.ask({
                  title: "End room",
                  question: () =>
                    `End “${room.name}” (${room.id}) now, as if its time were up? Every connection to it closes, it leaves the directory and its messages can no longer be read; its open reports are closed.`,
                  confirmLabel: () => "End room",
                  run: async (reason) => {
                    const done = await endRoom(room.id, reason);
                    return `Ended “${room.name}”; ${plural(done.reports_closed, "report")} closed.`;
                  },
                }),
            }),
      ),
    );
  }
}
