// The thread view: a message and every reply to it (directly or through replies), in a
// modal panel over the feed. It opens from a message's "View thread" button, reads the
// thread over the API (`GET …/messages/{seq}/thread`), starting from the oldest message
// of the reply chain the page knows, and stays live while open: replies into it, edits,
// reactions and removals show as they happen. Escape (or Close, or a click beside the
// panel) closes it and focus goes back to the button that opened it.
//
// A <dialog> opened with showModal() makes the rest of the page inert, so Tab stays in
// the panel and screen readers read only the thread.

import { h, replaceChildren } from "./dom.js";
import { ApiError, fetchThread, messageHref } from "./api.js";
import { plural, renderMessage } from "./render.js";
import { handleReactionChips, updateChip, withReaction } from "./reactions.js";

const LIMIT = 100;

export class ThreadView {
  /**
   * `known(seq)` → the Message the page shows with that seq, if any (to find a root);
   * `onCopy(button)` copies a message's permalink (the feed's "Copy link").
   */
  constructor({ roomId, known = () => undefined, onCopy = () => {} }) {
    this.roomId = roomId;
    this.known = known;
    this.dialog = null;
    this.messages = new Map(); // seq → Message shown in the thread
    this.nodes = new Map(); // seq → element
    this.rootSeq = null;
    this.opener = null;
    this.openerSeq = null;
    this.reading = 0;
    this.onCopy = onCopy;
  }

  get isOpen() {
    return Boolean(this.dialog?.open);
  }

  /** The dialog, built on first use. */
  build() {
    if (this.dialog) return this.dialog;
    this.title = h("h2", { id: "thread-title", class: "thread-title" }, "Thread");
    this.sub = h("p", { class: "thread-sub" });
    this.status = h("p", { class: "thread-status", role: "status" });
    this.list = h("div", { class: "thread-list" });
    this.more = h("p", { class: "thread-more", hidden: true });
    this.closeButton = h("button", { class: "thread-close", type: "button" }, "Close", h("span", { class: "visually-hidden" }, " thread"));
    this.scroller = h(
      "div",
      { class: "thread-scroll", tabindex: "0", "aria-label": "Messages in this thread, oldest first" },
      this.status,
      this.list,
      this.more,
    );
    this.dialog = h(
      "dialog",
      { class: "thread-panel", "aria-labelledby": "thread-title" },
      h("div", { class: "thread-head" }, h("div", { class: "thread-heading" }, this.title, this.sub), this.closeButton),
      this.scroller,
    );
    this.closeButton.addEventListener("click", () => this.close());
    // A click on the backdrop lands on the dialog itself (its content fills it).
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog) this.close();
    });
    this.dialog.addEventListener("close", () => this.closed());
    this.list.addEventListener("click", (event) => {
      const copy = event.target.closest(".msg-copy");
      if (copy) this.onCopy(copy);
    });
    handleReactionChips(this.list, this.roomId);
    document.body.append(this.dialog);
    return this.dialog;
  }

  /**
   * The oldest message of `seq`'s reply chain that the page can name: its parents are
   * followed as far as they are shown; a parent not shown is still a seq to ask for.
   */
  rootOf(seq) {
    let current = seq;
    const seen = new Set();
    for (;;) {
      const message = this.known(current);
      if (!message || message.reply_to == null || seen.has(current)) return current;
      seen.add(current);
      current = message.reply_to;
    }
  }

  /** Opens the thread of message `seq`, from `opener` (focus returns there). */
  async open(seq, opener = document.activeElement) {
    const dialog = this.build();
    this.opener = opener;
    this.openerSeq = seq;
    this.messages.clear();
    this.nodes.clear();
    this.list.replaceChildren();
    this.more.hidden = true;
    this.sub.textContent = "";
    this.status.textContent = "Loading the thread…";
    if (!dialog.open) dialog.showModal();
    this.closeButton.focus();
    const reading = ++this.reading;
    const root = this.rootOf(seq);
    let thread;
    try {
      thread = await fetchThread(this.roomId, root, { limit: LIMIT });
    } catch (err) {
      // The chain's oldest message may have left the kept history: the clicked one is there.
      if (err instanceof ApiError && err.status === 404 && root !== seq && reading === this.reading) {
        try {
          thread = await fetchThread(this.roomId, seq, { limit: LIMIT });
        } catch (again) {
          err = again;
        }
      }
      if (!thread) {
        if (reading === this.reading) this.status.textContent = `Couldn't load this thread: ${err.message}`;
        return;
      }
    }
    if (reading !== this.reading || !dialog.open) return;
    this.show(thread);
  }

  show({ root, replies = [], has_more: hasMore }) {
    this.rootSeq = root.seq;
    this.status.textContent = "";
    for (const message of [root, ...replies]) this.insert(message);
    this.renderSub();
    this.more.hidden = !hasMore;
    if (hasMore) {
      replaceChildren(
        this.more,
        `Only the first ${LIMIT} replies are shown here. `,
        h("a", { href: messageHref(this.roomId, root.seq) }, "Read on in the room"),
      );
    }
    const asked = this.nodes.get(this.openerSeq);
    if (asked && asked !== this.nodes.get(root.seq)) asked.classList.add("is-linked");
    asked?.scrollIntoView({ block: "nearest" });
  }

  renderSub() {
    const root = this.messages.get(this.rootSeq);
    const replies = this.messages.size - 1;
    const by = root && !root.deleted && root.bot?.name ? `Started by ${root.bot.name} · ` : "";
    this.sub.textContent = `${by}${plural(replies, "reply", "replies")}`;
  }

  render(message) {
    return renderMessage(message, {
      parent: this.messages.get(message.reply_to),
      roomId: this.roomId,
      idPrefix: "t-",
      // A parent in the thread is linked within it; one outside (the root's) in the room.
      anchor: (seq) => (this.messages.has(seq) ? `#t-${seq}` : messageHref(this.roomId, seq)),
    });
  }

  /** Shows a message in seq order (the root first: it is the oldest). */
  insert(message) {
    if (this.nodes.has(message.seq)) return;
    this.messages.set(message.seq, message);
    const node = this.render(message);
    if (message.seq === this.rootSeq) node.classList.add("thread-root");
    const next = [...this.nodes.keys()].filter((s) => s > message.seq).sort((a, b) => a - b)[0];
    this.list.insertBefore(node, next === undefined ? null : this.nodes.get(next));
    this.nodes.set(message.seq, node);
  }

  /** New messages from the stream: replies into the open thread join it. */
  offer(messages) {
    if (!this.isOpen || this.rootSeq === null) return;
    let added = false;
    for (const message of messages) {
      if (message.reply_to != null && this.messages.has(message.reply_to) && !this.messages.has(message.seq)) {
        const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 48;
        this.insert(message);
        if (atBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
        added = true;
      }
    }
    if (added) this.renderSub();
  }

  /** A message was edited or removed: draw it again if the thread shows it. */
  update(message) {
    const old = this.nodes.get(message.seq);
    if (!old) return;
    this.messages.set(message.seq, message);
    const hadFocus = old.contains(document.activeElement);
    const node = this.redraw(message.seq);
    if (hadFocus) node.querySelector("a, button")?.focus({ preventScroll: true });
    // Replies quote it: their previews follow.
    for (const [seq, reply] of this.messages) {
      if (reply.reply_to === message.seq) this.redraw(seq);
    }
    if (message.seq === this.rootSeq) this.renderSub();
  }

  /** Draws a shown message again in its place, keeping its marks (root, asked for). */
  redraw(seq) {
    const old = this.nodes.get(seq);
    const node = this.render(this.messages.get(seq));
    for (const mark of ["thread-root", "is-linked"]) node.classList.toggle(mark, old.classList.contains(mark));
    old.replaceWith(node);
    this.nodes.set(seq, node);
    return node;
  }

  setReaction(seq, emoji, count) {
    const message = this.messages.get(seq);
    if (!message || message.deleted) return;
    this.messages.set(seq, { ...message, reactions: withReaction(message.reactions, emoji, count) });
    updateChip(this.nodes.get(seq), emoji, count);
  }

  close() {
    if (this.dialog?.open) this.dialog.close();
  }

  /** After closing (Escape included): focus goes back where the thread was opened from. */
  closed() {
    this.reading += 1;
    this.rootSeq = null;
    let target = this.opener;
    if (!target?.isConnected) {
      // The message was drawn again meanwhile (an edit): its new button, or the message.
      const node = document.getElementById(`m-${this.openerSeq}`);
      target = node?.querySelector(".msg-thread") ?? node?.querySelector("a, button");
    }
    target?.focus();
    this.opener = null;
  }
}
