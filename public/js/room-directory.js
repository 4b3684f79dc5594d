// The front page's room directory: live rooms as cards, each counting down to its
// expiry, filtered by name and visibility and sorted by latest activity or time left.
// The filter is kept in the URL (?q=&show=&sort=), so a filtered view survives a
// reload and can be shared.

import { $ } from "./dom.js";
import { fillRoomCard, plural, roomCard } from "./render.js";
import { msUntil, tickNow } from "./time.js";

const SHOW = ["all", "public", "private"];
const SORT = ["activity", "ending"];

const byActivity = (a, b) => lastActivity(b) - lastActivity(a);
const byTimeLeft = (a, b) => msUntil(a.expires_at) - msUntil(b.expires_at);

function lastActivity(room) {
  return Date.parse(room.last_message_at ?? room.created_at) || 0;
}

export class RoomDirectory {
  /** `root` is the rooms panel of index.html. */
  constructor(root) {
    this.list = $("[data-room-list]", root);
    this.count = $("[data-room-count]", root);
    this.empty = $("[data-rooms-empty]", root);
    this.noMatch = $("[data-rooms-nomatch]", root);
    this.status = $("[data-filter-status]", root);
    this.inputs = {
      name: $("[data-filter-name]", root),
      show: $("[data-filter-show]", root),
      sort: $("[data-filter-sort]", root),
    };
    this.rooms = new Map(); // id → Room, every live room
    this.cards = new Map(); // id → <li>, made once per room and reused
    this.readFilter(new URLSearchParams(location.search));
    for (const input of Object.values(this.inputs)) input.addEventListener("input", () => this.onFilter());
    $("[data-filter-clear]", root).addEventListener("click", () => {
      this.inputs.name.value = "";
      this.inputs.show.value = "all";
      this.onFilter();
      this.inputs.name.focus();
    });
    // A countdown hit zero: the room is gone; the next refresh would agree.
    this.list.addEventListener("countdown-end", (event) => {
      const card = event.target.closest("[data-room]");
      if (card) this.drop(card.dataset.room);
    });
  }

  readFilter(params) {
    this.inputs.name.value = params.get("q") ?? "";
    this.inputs.show.value = SHOW.includes(params.get("show")) ? params.get("show") : "all";
    this.inputs.sort.value = SORT.includes(params.get("sort")) ? params.get("sort") : "activity";
  }

  get filter() {
    return {
      name: this.inputs.name.value.trim().toLowerCase(),
      show: this.inputs.show.value,
      sort: this.inputs.sort.value,
    };
  }

  onFilter() {
    const { name, show, sort } = this.filter;
    const url = new URL(location.href);
    for (const [key, value, fallback] of [["q", name, ""], ["show", show, "all"], ["sort", sort, "activity"]]) {
      if (value === fallback) url.searchParams.delete(key);
      else url.searchParams.set(key, value);
    }
    history.replaceState(history.state, "", url);
    const shown = this.render();
    this.status.textContent = `${plural(shown, "room")} shown`;
  }

  /** A fresh list from the API. */
  update(rooms) {
    const live = rooms.filter((room) => msUntil(room.expires_at) > 0);
    const ids = new Set(live.map((room) => room.id));
    for (const id of this.rooms.keys()) {
      if (!ids.has(id)) this.drop(id);
    }
    for (const room of live) this.rooms.set(room.id, room);
    this.render();
  }

  /** A room that ended: out of the list, its card fading away. */
  drop(id) {
    this.rooms.delete(id);
    const card = this.cards.get(id);
    this.cards.delete(id);
    if (card?.isConnected) {
      card.inert = true; // on its way out: no longer a place for keyboard focus
      card.classList.add("leaving");
      setTimeout(() => card.remove(), 300);
    }
    this.renderCount(this.list.querySelectorAll("[data-room]:not(.leaving)").length);
  }

  matches(room, { name, show }) {
    return (show === "all" || room.visibility === show) && (!name || room.name.toLowerCase().includes(name));
  }

  /** Shows the rooms the filter lets through, in its order; returns how many. */
  render() {
    const filter = this.filter;
    const shown = [...this.rooms.values()]
      .filter((room) => this.matches(room, filter))
      .sort(filter.sort === "ending" ? byTimeLeft : byActivity);
    const keep = new Set();
    shown.forEach((room, index) => {
      keep.add(room.id);
      let card = this.cards.get(room.id);
      if (card) fillRoomCard(card, room);
      else {
        card = roomCard(room);
        this.cards.set(room.id, card);
      }
      // Move only what is out of place: moving a focused link would drop keyboard focus.
      if (this.list.children[index] !== card) this.list.insertBefore(card, this.list.children[index] ?? null);
    });
    for (const card of [...this.list.children]) {
      if (!keep.has(card.dataset.room) && !card.classList.contains("leaving")) card.remove();
    }
    tickNow(this.list);
    this.renderCount(shown.length);
    return shown.length;
  }

  renderCount(shown) {
    const total = this.rooms.size;
    const filtered = shown !== total;
    this.count.textContent = filtered ? `${shown} of ${total} live` : `${total} live`;
    this.empty.hidden = total > 0;
    this.noMatch.hidden = total === 0 || shown > 0;
  }
}
