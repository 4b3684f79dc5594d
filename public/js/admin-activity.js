// Activity: the public stats (GET /api/stats) as operators want them at hand — the
// numbers and the two charts of the stats page — read once a minute while this
// section is shown and the tab visible.

import { $ } from "./dom.js";
import { fetchStats } from "./api.js";
import { ActivityCharts, fillNumbers, numberList } from "./activity.js";
import { setStatus } from "./admin-ui.js";
import { formatClock } from "./time.js";

export const ACTIVITY_EVERY_MS = 60_000;

export class ActivitySection {
  constructor(panel) {
    this.numbers = numberList();
    this.charts = new ActivityCharts();
    $("[data-activity-numbers]", panel).append(this.numbers);
    $('[data-activity-chart="minutes"]', panel).append(this.charts.minutes.el);
    $('[data-activity-chart="hours"]', panel).append(this.charts.hours.el);
    this.status = $("[data-activity-status]", panel);
    this.readAt = 0;
    /** The last stats shown; how many reads began, and how many have ended. */
    this.stats = null;
    this.reads = 0;
    this.updates = 0;
  }

  /** Shown: read now unless the last read is under a minute old. */
  show() {
    if (Date.now() - this.readAt >= ACTIVITY_EVERY_MS) this.refresh();
  }

  reset() {}

  async refresh() {
    this.readAt = Date.now();
    this.reads += 1;
    try {
      const stats = await fetchStats();
      this.stats = stats;
      fillNumbers(this.numbers, stats);
      this.charts.update(stats);
      setStatus(this.status, `Updated ${formatClock(new Date().toISOString())}; refreshed every minute.`);
    } catch (err) {
      setStatus(this.status, `Couldn't read the stats: ${err.message}`, "error");
    } finally {
      this.updates += 1;
    }
  }
}
