// What the Bots and Rooms sections share: a search box that searches as you type (after
// a short pause), a result list, "Show more" up to the API's limit, and a status line
// saying what was found. A section names its elements and says how to search, how to
// draw one result and how to describe what was found.

import { $, replaceChildren } from "./dom.js";
import { Latest, setStatus } from "./admin-ui.js";

const PAGE = 20;
const MAX = 100;
const TYPING_MS = 300;

export class SearchSection {
  /**
   * `names` are the data attributes of its elements: `form`, `q`, `list`, `more` and
   * `status` ("data-bots-q" → `q: "bots-q"`).
   */
  constructor(panel, { ask, names }) {
    this.ask = ask;
    this.form = $(`[data-${names.form}]`, panel);
    this.q = $(`[data-${names.q}]`, panel);
    this.list = $(`[data-${names.list}]`, panel);
    this.more = $(`[data-${names.more}]`, panel);
    this.status = $(`[data-${names.status}]`, panel);
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
      () => this.find(q, this.limit),
      (found) => this.render(found, q),
      (err) => setStatus(this.status, `Couldn't search the ${this.what}: ${err.message}`, "error"),
    );
  }

  render(found, q) {
    replaceChildren(this.list, found.map((one) => this.item(one)));
    this.drawn();
    setStatus(this.status, this.describe(found.length, q));
    this.more.hidden = found.length < this.limit || this.limit >= MAX;
  }

  /** Called once the results are in the page. */
  drawn() {}
}
