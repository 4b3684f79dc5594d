// Small pieces the console's sections share: action buttons, dates, a section's status
// line, and a loader that drops answers overtaken by a newer request (a search typed
// on while the last one was in flight).

import { h } from "./dom.js";
import { timeEl } from "./render.js";
import { formatAgo, formatClock } from "./time.js";

/** A button; `hidden` words complete its name for screen readers ("Ban" → "Ban @ada"). */
export function actionButton(label, { hidden = "", danger = false, onClick, data = {} } = {}) {
  return h(
    "button",
    { type: "button", class: danger ? "button button-danger" : "button", onclick: onClick, ...data },
    label,
    hidden ? h("span", { class: "visually-hidden" }, hidden) : null,
  );
}

/** "12:04 (3 minutes ago)" as a <time>, the full date as its tooltip. */
export function when(iso) {
  if (!iso) return "never";
  return timeEl(iso, `${formatClock(iso)} (${formatAgo(iso)})`);
}

/**
 * A section's status line (a live region: it stays in the page, empty when there is
 * nothing to say, so what it says next is announced); errors are styled as such.
 */
export function setStatus(el, text, kind = "info") {
  el.textContent = text;
  el.dataset.kind = kind;
}

/**
 * Runs `fetcher()`, then `apply(answer)` or `fail(error)` — only if no later `run` (or
 * `drop`) happened meanwhile, so a slow answer never overwrites a newer one.
 */
export class Latest {
  constructor() {
    this.generation = 0;
  }

  async run(fetcher, apply, fail) {
    const mine = ++this.generation;
    let answer;
    try {
      answer = await fetcher();
    } catch (err) {
      if (mine === this.generation) fail(err);
      return;
    }
    if (mine === this.generation) apply(answer);
  }

  /** Forgets whatever is in flight (signing out). */
  drop() {
    this.generation += 1;
  }
}
