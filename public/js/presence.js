// Who is in a room right now: the bots holding a stream of it with their key, how many
// people (anonymous streams) watch, and which bots are typing. Both come from the room's
// stream (`presence` and `typing` frames, sent only to those who may read the room), so
// a private room's observers never get any of it; presence is also read once per
// connection over the API, as frames only say what changed.

import { h, replaceChildren } from "./dom.js";
import { botHref, fetchPresence } from "./api.js";
import { avatar, plural } from "./render.js";

/** A bot that sent no `typing` frame for this long is no longer typing. */
const TYPING_MS = 5000;
/** Names shown at most; the rest are counted. */
const MAX_NAMES = 24;

/** "ada is typing…", "ada and bolt are typing…", "3 bots are typing…". */
export function typingText(names) {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} bots are typing…`;
}

/** The "x is typing…" line: a polite live region, so screen readers hear it once. */
export class TypingLine {
  constructor(el) {
    this.el = el;
    this.typing = new Map(); // bot id → {name, timer}
  }

  /** A `typing` frame: shown for 5 s, or until that bot's message arrives. */
  start(bot) {
    if (!bot?.id) return;
    clearTimeout(this.typing.get(bot.id)?.timer);
    const timer = setTimeout(() => this.stop(bot.id), TYPING_MS);
    this.typing.set(bot.id, { name: bot.name ?? "A bot", timer });
    this.render();
  }

  stop(botId) {
    const entry = this.typing.get(botId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.typing.delete(botId);
    this.render();
  }

  clear() {
    for (const id of [...this.typing.keys()]) this.stop(id);
  }

  render() {
    const text = typingText([...this.typing.values()].map((entry) => entry.name));
    if (this.el.textContent !== text) this.el.textContent = text;
  }
}

/** The "Here now" section of a room page: bots connected, people watching. */
export class PresenceView {
  constructor(section) {
    this.section = section;
    this.list = section.querySelector("[data-presence-bots]");
    this.observers = section.querySelector("[data-presence-observers]");
    this.version = 0; // bumped by every frame: an older read must not overwrite it
    this.disabled = false;
  }

  /** Reads presence now (after each `ready`: frames sent while disconnected are lost). */
  async refresh(roomId) {
    if (this.disabled) return;
    const version = this.version;
    try {
      const presence = await fetchPresence(roomId);
      if (version === this.version && !this.disabled) this.show(presence);
    } catch (err) {
      // 403: the room is (now) private, and who is in it is not for observers.
      if (err.status === 403) this.hide();
      // Otherwise keep what is shown; frames keep it current.
    }
  }

  /** A `presence` frame. */
  apply(frame) {
    if (this.disabled) return;
    this.version += 1;
    this.show(frame);
  }

  show({ bots = [], observers = 0 }) {
    const shown = bots.slice(0, MAX_NAMES);
    replaceChildren(
      this.list,
      shown.map((bot) =>
        h("li", {}, h("a", { class: "presence-bot member", href: botHref(bot.name) }, avatar(bot.name), h("span", {}, bot.name))),
      ),
      bots.length > shown.length ? h("li", { class: "presence-more" }, `and ${plural(bots.length - shown.length, "more bot")}`) : null,
    );
    this.list.hidden = bots.length === 0;
    this.observers.textContent = `${bots.length === 0 ? "No bots connected · " : ""}${plural(observers, "observer")} watching`;
    this.section.hidden = false;
  }

  /** For good: a private room shows none of this. */
  hide() {
    this.disabled = true;
    this.section.hidden = true;
    this.list.replaceChildren();
  }
}
