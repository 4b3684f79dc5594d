// Rooms: search the live rooms, public and private, by name or id; each with its
// visibility, members, messages and time left; End room through the confirmation
// dialog. The global room cannot be ended, so it has no such button.

import { h } from "./dom.js";
import { roomHref } from "./api.js";
import { plural, visibilityBadge } from "./render.js";
import { endRoom, searchRooms } from "./admin-api.js";
import { actionButton, when } from "./admin-ui.js";
import { SearchSection } from "./admin-search.js";
import { formatFull, tickNow } from "./time.js";

export class RoomsSection extends SearchSection {
  constructor(panel, { ask }) {
    super(panel, { ask, names: { form: "rooms-search", q: "rooms-q", list: "room-results", more: "rooms-more", status: "rooms-status" } });
    this.what = "rooms";
  }

  async find(q, limit) {
    return (await searchRooms({ q, limit })).rooms;
  }

  describe(count, q) {
    const found = plural(count, "live room");
    if (!q) return `${found}.`;
    return count ? `${found} whose name or id contains “${q}”.` : `No live room's name or id contains “${q}”.`;
  }

  /** The countdowns start ticking. */
  drawn() {
    tickNow(this.list);
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
