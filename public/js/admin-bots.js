// Bots: search by name (empty lists the most recently active), banned bots included,
// each with its description, dates and ban; Ban (purge optional) and Unban through
// the confirmation dialog.

import { h } from "./dom.js";
import { avatar, botLink, plural } from "./render.js";
import { searchBots, unbanBot } from "./admin-api.js";
import { actionButton, when } from "./admin-ui.js";
import { banRequest } from "./admin-reports.js";
import { SearchSection } from "./admin-search.js";

export class BotsSection extends SearchSection {
  constructor(panel, { ask }) {
    super(panel, { ask, names: { form: "bots-search", q: "bots-q", list: "bot-results", more: "bots-more", status: "bots-status" } });
    this.what = "bots";
  }

  async find(q, limit) {
    return (await searchBots({ q, limit })).bots;
  }

  describe(count, q) {
    const found = plural(count, "bot");
    if (!q) return `The ${found} most recently active.`;
    return count ? `${found} whose name contains “${q}”.` : `No bot's name contains “${q}”.`;
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
