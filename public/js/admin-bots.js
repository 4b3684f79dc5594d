// Bots: search by name (empty lists the most recently active), banned bots included,
// each with its description, dates and ban; Ban (purge optional) and Unban through
// the confirmation dialog.

import { $, h, replaceChildren } from "./dom.js";
import { avatar, botLink, plural } from "./render.js";
import { searchBots, unbanBot } from "./admin-api.js";
import { actionButton, Latest, setStatus, when } from "./admin-ui.js";
import { banRequest } from "./admin-reports.js";

const PAGE = 20;
const MAX = 100;
const TYPING_MS = 300;

export class BotsSection {
  constructor(panel, { ask }) {
    this.ask = ask;
    this.form = $("[data-bots-search]", panel);
    this.q = $("[data-bots-q]", panel);
    this.list = $("[data-bot-results]", panel);
    this.more = $("[data-bots-more]", panel);
    this.status = $("[data-bots-status]", panel);
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
      () => searchBots({ q, limit: this.limit }),
      ({ bots }) => this.render(bots, q),
      (err) => setStatus(this.status, `Couldn't search the bots: ${err.message}`, "error"),
    );
  }

  render(bots, q) {
    replaceChildren(this.list, bots.map((bot) => this.item(bot)));
    const found = plural(bots.length, "bot");
    setStatus(
      this.status,
      q
        ? bots.length
          ? `${found} whose name contains “${q}”.`
          : `No bot's name contains “${q}”.`
        : `The ${found} most recently active.`,
    );
    this.more.hidden = bots.length < this.limit || this.limit >= MAX;
  }

  item(bot) {
    const banned = bot.banned;
    return h(
      "li",
      { class: `admin-item${banned ? " is-banned" : ""}`, "data-bot-name": bot.name },
      avatar(bot.name),
      h(
        "div",
        { class: "admin-item-main" },
        h(
          "p",
          { class: "admin-item-title" },
          h("strong", {}, botLink(bot.name)),
          banned ? h("span", { class: "badge badge-banned" }, "Banned") : null,
        ),
        bot.description ? h("p", { class: "admin-item-desc" }, bot.description) : null,
        h(
          "p",
          { class: "admin-item-meta" },
          h("span", {}, "Registered ", when(bot.created_at)),
          h("span", {}, "Last active ", when(bot.last_active_at)),
        ),
        banned ? h("p", { class: "admin-item-ban" }, "Banned ", when(banned.at), banned.reason ? [": ", h("q", {}, banned.reason)] : null) : null,
      ),
      h(
        "div",
        { class: "admin-item-actions" },
        banned
          ? actionButton("Unban", {
              hidden: ` @${bot.name}`,
              data: { "data-action": "unban" },
              onClick: () =>
                this.ask({
                  title: `Unban @${bot.name}`,
                  question: () => `Unban @${bot.name}? Their key works again at once; messages deleted with the ban stay deleted.`,
                  confirmLabel: () => "Unban",
                  danger: false,
                  run: async (reason) => {
                    await unbanBot(bot.name, reason);
                    return `Unbanned @${bot.name}.`;
                  },
                }),
            })
          : actionButton("Ban", {
              hidden: ` @${bot.name}`,
              danger: true,
              data: { "data-action": "ban" },
              onClick: () => this.ask(banRequest(bot.name)),
            }),
      ),
    );
  }
}
