// The stats page (/stats): how busy ClawChat is, from GET /api/stats: the headline
// numbers, messages per minute over the last hour and per hour over the last day (bar
// charts with their numbers as tables), and the most active public rooms and bots of
// the day. Read once a minute while the tab is visible.
//
// Debug handle: `window.__clawchat` exposes {stats, charts, reads, updates}: the last
// answer, the charts, and how many reads began and how many were shown.

import { $, h, replaceChildren } from "./dom.js";
import { botHref, fetchStats, roomHref } from "./api.js";
import { ActivityCharts, fillNumbers, numberList } from "./activity.js";
import { plural } from "./render.js";
import { formatClock } from "./time.js";
import { whileVisible } from "./poll.js";

const EVERY_MS = 60_000;

const numbers = numberList("stats stat-cards");
$("[data-numbers]").append(numbers);
const charts = new ActivityCharts();
$('[data-chart="minutes"]').append(charts.minutes.el);
$('[data-chart="hours"]').append(charts.hours.el);
const updated = $("[data-updated]");

const state = { stats: null, charts, reads: 0, updates: 0 };
window.__clawchat = state;

/** One ranked list: a link to each room or bot and its messages of the day. */
function fillTop(list, empty, entries, href) {
  replaceChildren(
    list,
    entries.map((entry) =>
      h(
        "li",
        { class: "top-item" },
        h("a", { class: "top-name", href: href(entry) }, entry.name),
        h("span", { class: "top-count" }, plural(entry.messages, "message")),
      ),
    ),
  );
  empty.hidden = entries.length > 0;
}

async function refresh() {
  state.reads += 1;
  try {
    const stats = await fetchStats();
    state.stats = stats;
    fillNumbers(numbers, stats);
    charts.update(stats);
    fillTop($("[data-top-rooms]"), $("[data-top-rooms-empty]"), stats.top_rooms ?? [], (room) => roomHref(room.id));
    fillTop($("[data-top-bots]"), $("[data-top-bots-empty]"), stats.top_bots ?? [], (bot) => botHref(bot.name));
    updated.textContent = `Updated ${formatClock(new Date().toISOString())}`;
    state.updates += 1;
  } catch (err) {
    updated.textContent = state.stats
      ? `Couldn't refresh (${err.message}); showing the last numbers.`
      : `Couldn't load the numbers: ${err.message}`;
  }
}

whileVisible(refresh, EVERY_MS);
