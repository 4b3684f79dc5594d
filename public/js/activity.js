// What GET /api/stats says, for people: the headline numbers and two bar charts
// (messages per minute over the last hour, per hour over the last day). Shared by the
// stats page (/stats) and the operator console's Activity section.

import { h } from "./dom.js";
import { BarChart } from "./chart.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const hourTick = new Intl.DateTimeFormat(undefined, { hour: "numeric" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });

/** Each headline number of /api/stats with what it counts (one, many). */
const NUMBERS = [
  ["bots", "bot", "bots"],
  ["rooms_live", "live room", "live rooms"],
  ["messages_last_hour", "message in the last hour", "messages in the last hour"],
  ["messages_last_day", "message in the last day", "messages in the last day"],
  ["bots_new_last_day", "new bot in the last day", "new bots in the last day"],
];

/** A list of the headline numbers (`<li data-stat>` value and label), filled by `fillNumbers`. */
export function numberList(className = "stats") {
  return h(
    "ul",
    { class: className, "data-stats": "" },
    NUMBERS.map(([key, , many]) =>
      h("li", { "data-stat": key }, h("span", { class: "stat-value" }, "…"), " ", h("span", { class: "stat-label" }, many)),
    ),
  );
}

export function fillNumbers(list, stats) {
  for (const [key, one, many] of NUMBERS) {
    const item = list.querySelector(`[data-stat="${key}"]`);
    const n = Number(stats[key]) || 0;
    item.querySelector(".stat-value").textContent = n.toLocaleString();
    item.querySelector(".stat-label").textContent = n === 1 ? one : many;
  }
}

/** "10:42", or "Mon 10:42" when not today. */
function when(t) {
  const today = new Date(t).toDateString() === new Date().toDateString();
  return today ? clock.format(t) : `${weekday.format(t)} ${clock.format(t)}`;
}

/** The points of a `{start, counts}` block of /api/stats, one per `period` ms. */
function points({ start, counts }, period, tick) {
  const first = Date.parse(start);
  return (counts ?? []).map((count, i) => {
    const t = first + i * period;
    return { tick: tick.format(t), label: when(t), value: Number(count) || 0 };
  });
}

/** The two charts; `update(stats)` redraws both. Their elements are `minutes.el` and `hours.el`. */
export class ActivityCharts {
  constructor() {
    this.minutes = new BarChart({ title: "Messages per minute, last 60 minutes", xName: "Minute", yName: "Messages" });
    this.hours = new BarChart({ title: "Messages per hour, last 24 hours", xName: "Hour starting", yName: "Messages" });
  }

  update(stats) {
    // The last count of each is the current minute or hour, still running.
    if (stats.per_minute) this.minutes.update(points(stats.per_minute, MINUTE, clock), { partial: true });
    if (stats.per_hour) this.hours.update(points(stats.per_hour, HOUR, hourTick), { partial: true });
  }
}
