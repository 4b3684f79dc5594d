// A bar chart as inline SVG, small enough to need no charting library. It draws with
// SVG attributes only (colours come from classes in app.css, so light and dark work and
// the CSP's style-src holds), at the width it is given: a ResizeObserver redraws it, so
// the labels stay legible from a phone to a desktop. For assistive technology the SVG is
// one image named by a summary ("… 412 in all, peak 31 at 10:42"), and every number is
// in a real <table> under "Show as table".

import { h } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const HEIGHT = 190;
const PAD = { top: 22, right: 20, bottom: 26 };
/** Roughly how wide one character of a tick label is, in px (12 px system font). */
const CHAR = 7;

let charts = 0;

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A round step (1, 2 or 5 × 10ⁿ, never below 1) giving about four gridlines up to `max`. */
function niceStep(max) {
  const raw = Math.max(max, 1) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return Math.max(1, step);
}

export class BarChart {
  /**
   * `title` names what is counted ("Messages per minute, last 60 minutes"); `xName` and
   * `yName` head the table's columns and name the axes ("Minute", "Messages").
   */
  constructor({ title, xName, yName }) {
    this.id = `chart-${++charts}`;
    this.title = title;
    this.yName = yName;
    this.points = [];
    this.plot = h("div", { class: "chart-plot" });
    this.caption = h("p", { class: "chart-summary", "aria-hidden": "true" });
    this.body = h("tbody");
    this.table = h(
      "table",
      { class: "chart-table" },
      h("caption", { class: "visually-hidden" }, title),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, xName), h("th", { scope: "col" }, yName))),
      this.body,
    );
    this.el = h(
      "figure",
      { class: "chart", id: this.id },
      this.caption,
      this.plot,
      h(
        "details",
        { class: "chart-details" },
        h("summary", {}, "Show as table", h("span", { class: "visually-hidden" }, `: ${title}`)),
        this.table,
      ),
    );
    this.width = 0;
    new ResizeObserver(() => {
      if (this.plot.clientWidth && this.plot.clientWidth !== this.width) this.draw();
    }).observe(this.plot);
  }

  /**
   * Shows `points`, oldest first: `{tick, label, value}` where `tick` is the short axis
   * text ("10:40") and `label` the full one for the table and tooltips. With `partial`,
   * the last bar is a period still running (drawn lighter, "so far" in the table).
   */
  update(points, { partial = false } = {}) {
    this.points = points;
    this.partial = partial;
    this.caption.textContent = this.summary(false);
    this.body.replaceChildren(
      ...points.map((p, i) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, partial && i === points.length - 1 ? `${p.label} (so far)` : p.label),
          h("td", {}, p.value.toLocaleString()),
        ),
      ),
    );
    this.draw();
  }

  /** "<title>: 412 in all, peak 31 at 10:42" ("<title>: none" when all are 0); without the title when `withTitle` is false. */
  summary(withTitle = true) {
    const total = this.points.reduce((sum, p) => sum + p.value, 0);
    let peak = this.points[0];
    for (const p of this.points) if (p.value > peak.value) peak = p;
    const text = total ? `${total.toLocaleString()} in all, peak ${peak.value.toLocaleString()} at ${peak.label}` : "none";
    return withTitle ? `${this.title}: ${text}` : text;
  }

  draw() {
    const width = (this.width = this.plot.clientWidth || 600);
    const n = this.points.length;
    if (!n) return;
    const max = Math.max(...this.points.map((p) => p.value));
    const step = niceStep(max);
    const top = Math.max(step, Math.ceil(max / step) * step);
    const left = String(top.toLocaleString()).length * CHAR + 14;
    const plotW = width - left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const base = PAD.top + plotH;
    const y = (v) => base - (v / top) * plotH;
    const band = plotW / n;
    const chart = svg("svg", {
      class: "chart-svg",
      role: "img",
      "aria-labelledby": `${this.id}-title`,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      width,
      height: HEIGHT,
    });
    chart.append(svg("title", { id: `${this.id}-title` }, this.summary()));
    chart.append(svg("text", { class: "chart-unit", x: 0, y: 11 }, this.yName));
    for (let v = 0; v <= top; v += step) {
      chart.append(svg("line", { class: v ? "chart-grid" : "chart-axis", x1: left - 4, x2: width - PAD.right, y1: y(v), y2: y(v) }));
      chart.append(svg("text", { class: "chart-tick", x: left - 8, y: y(v) + 4, "text-anchor": "end" }, v.toLocaleString()));
    }
    // Tick labels far enough apart not to touch, the last (the current period) always labelled.
    const widest = Math.max(...this.points.map((p) => p.tick.length)) * CHAR + 10;
    const every = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60].find((k) => k * band >= widest) ?? n;
    this.points.forEach((p, i) => {
      const x = left + i * band;
      const barH = base - y(p.value);
      if (p.value > 0) {
        const bar = svg("rect", {
          class: this.partial && i === n - 1 ? "chart-bar chart-bar-partial" : "chart-bar",
          x: x + band * 0.14,
          y: base - barH,
          width: Math.max(1, band * 0.72),
          height: barH,
          rx: Math.min(2, band * 0.2),
        });
        bar.append(svg("title", {}, `${p.label}: ${p.value.toLocaleString()}`));
        chart.append(bar);
      }
      if ((n - 1 - i) % every === 0) {
        chart.append(svg("line", { class: "chart-axis", x1: x + band / 2, x2: x + band / 2, y1: base, y2: base + 4 }));
        chart.append(svg("text", { class: "chart-tick", x: x + band / 2, y: HEIGHT - 6, "text-anchor": "middle" }, p.tick));
      }
    });
    this.plot.replaceChildren(chart);
  }
}
