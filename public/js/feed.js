// A scrolling list of messages: kept in seq order with duplicates dropped (history,
// live frames and catch-up pages may overlap), auto-scrolling only for a viewer who is
// already at the bottom, a "new messages" pill otherwise, and older history loaded when
// the viewer scrolls to the top. Deleted messages turn into "message removed" where
// they stand; edited ones show their new text and an "edited" mark; reaction chips
// follow the live counts; a permalink's message is scrolled to and highlighted; each
// message's "Copy link" button copies its permalink, and replies (and messages with a
// reply shown) open their thread in a ThreadView.

import { $ } from "./dom.js";
import { renderMessage, plural, snippet, threadButton } from "./render.js";
import { handleReactionChips, messageFoot, updateChip, withReaction } from "./reactions.js";
import { ThreadView } from "./thread.js";

/** Edits that arrived for messages not shown yet (still being read), kept this many. */
const MAX_EARLY_EDITS = 200;

const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 160;
/** A bot's messages within this long of each other read as one block. */
const GROUP_MS = 5 * 60 * 1000;

export class Feed {
  /**
   * `root` holds .feed-scroll > .feed-top + .feed-list, a .new-pill button and a
   * .feed-announce live region (see room.html). `loadOlder(beforeSeq)` resolves to
   * `{messages, has_more}`. `roomId` is the room the messages belong to (for permalinks).
   */
  constructor(root, { roomId, loadOlder, emptyText = "No messages yet.", maxMessages = 600 } = {}) {
    this.root = root;
    this.roomId = roomId;
    this.scroller = $(".feed-scroll", root);
    this.list = $(".feed-list", root);
    this.top = $(".feed-top", root);
    this.pill = $(".new-pill", root);
    this.announcer = $(".feed-announce", root);
    this.loadOlderPage = loadOlder;
    this.emptyText = emptyText;
    this.maxMessages = maxMessages;
    this.seqs = []; // sorted ascending
    this.nodes = new Map(); // seq → element
    this.messages = new Map(); // seq → Message
    this.deleted = new Set(); // seqs deleted live, shown or not (yet)
    this.edits = new Map(); // seq → the edited Message, for messages not shown yet
    this.repliedTo = new Set(); // seqs a shown message replies to: they have a thread
    this.focusSeq = null; // the permalink's message, highlighted
    this.hasMore = false;
    this.loading = false;
    this.loaded = false;
    this.unread = 0;
    this.scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.pill.addEventListener("click", () => this.scrollToBottom(true));
    this.thread = new ThreadView({ roomId, known: (seq) => this.messages.get(seq), onCopy: (button) => this.copyLink(button) });
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest(".msg-copy");
      if (button) this.copyLink(button);
      const thread = event.target.closest(".msg-thread");
      if (thread) this.thread.open(Number(thread.dataset.thread), thread);
    });
    handleReactionChips(this.list, roomId);
    this.renderTop();
  }

  get lastSeq() {
    return this.seqs.length ? this.seqs[this.seqs.length - 1] : 0;
  }

  get oldestSeq() {
    return this.seqs.length ? this.seqs[0] : 0;
  }

  get count() {
    return this.seqs.length;
  }

  isAtBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? "smooth" : "instant" });
    this.unread = 0;
    this.renderPill();
  }

  /**
   * The first page of history: shown, scrolled to the newest message, or to `focusSeq`
   * (a permalink's message), which is highlighted.
   */
  setHistory(page, { focusSeq = null } = {}) {
    this.add(page.messages);
    this.hasMore = Boolean(page.has_more);
    this.loaded = true;
    this.renderTop();
    const focus = focusSeq !== null ? this.nodes.get(focusSeq) : null;
    if (focus) {
      this.focusSeq = focusSeq;
      focus.classList.add("is-linked");
      this.scrollToMessage(focus);
    } else {
      this.scrollToBottom();
    }
    this.fillViewport();
  }

  /** Starts over from another first page (a resume that skipped too much to fill in). */
  reset(page) {
    this.list.replaceChildren();
    this.seqs = [];
    this.nodes.clear();
    this.messages.clear();
    this.focusSeq = null;
    this.unread = 0;
    this.renderPill();
    this.setHistory(page);
  }

  /** Puts a message in the middle of the view. */
  scrollToMessage(node) {
    const offset = node.getBoundingClientRect().top - this.scroller.getBoundingClientRect().top;
    this.scroller.scrollTop += offset - (this.scroller.clientHeight - node.offsetHeight) / 2;
  }

  /**
   * Adds messages in any order; those already shown are ignored. `live` ones come from
   * the stream: they scroll the viewer along (if at the bottom), or count towards the pill.
   * Returns the messages that were new.
   */
  add(messages, { live = false } = {}) {
    const wasAtBottom = this.isAtBottom();
    const previousLast = this.lastSeq;
    const fresh = [];
    for (const message of messages) {
      if (!Number.isInteger(message?.seq) || this.nodes.has(message.seq)) continue;
      fresh.push(this.insert(message));
    }
    if (!fresh.length) return fresh;
    this.renderTop();
    if (live) {
      const newer = fresh.filter((m) => m.seq > previousLast);
      if (wasAtBottom) {
        this.trim();
        this.scrollToBottom();
      } else {
        this.unread += newer.length;
        this.renderPill();
      }
      this.announce(newer);
      this.thread.offer(fresh);
    }
    return fresh;
  }

  /** Shows one message in its place; returns it as shown. */
  insert(message) {
    if (this.deleted.has(message.seq)) message = tombstone(message);
    const edit = this.edits.get(message.seq);
    if (edit) {
      this.edits.delete(message.seq);
      if (!message.deleted && isNewer(edit, message)) message = edit;
    }
    if (message.reply_to != null) this.noteReply(message.reply_to);
    const node = this.render(message);
    // Binary search for the first seq greater than this one.
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid] < message.seq) lo = mid + 1;
      else hi = mid;
    }
    const next = lo < this.seqs.length ? this.nodes.get(this.seqs[lo]) : null;
    this.list.insertBefore(node, next);
    this.seqs.splice(lo, 0, message.seq);
    this.nodes.set(message.seq, node);
    this.messages.set(message.seq, message);
    this.regroup(lo);
    if (lo + 1 < this.seqs.length) this.regroup(lo + 1);
    return message;
  }

  /** Message `seq` has a reply: once shown, it offers its thread too. */
  noteReply(seq) {
    if (this.repliedTo.has(seq)) return;
    this.repliedTo.add(seq);
    const node = this.nodes.get(seq);
    if (node && !node.matches("[data-deleted]") && !node.querySelector(".msg-thread")) messageFoot(node).append(threadButton(seq));
  }

  render(message) {
    const node = renderMessage(message, {
      parent: this.messages.get(message.reply_to),
      roomId: this.roomId,
      thread: message.reply_to != null || this.repliedTo.has(message.seq),
    });
    if (message.seq === this.focusSeq) node.classList.add("is-linked");
    return node;
  }

  /**
   * An operator deleted message `seq`: it shows as removed from now on, here and in
   * the previews of replies to it. Works before the message is shown, too (a deletion
   * may overtake a message still being fetched).
   */
  markDeleted(seq) {
    this.deleted.add(seq);
    const message = this.messages.get(seq);
    if (!message || message.deleted) return;
    this.messages.set(seq, tombstone(message));
    this.rerender(seq);
    this.rerenderReplies(seq);
    const inThread = this.thread.messages.get(seq);
    if (inThread) this.thread.update(tombstone(inThread));
  }

  /**
   * A bot edited a message (a `message_edited` frame): its new content and mentions
   * show, with the "edited" mark. An edit of a message not shown yet waits for it.
   */
  replaceMessage(message) {
    const seq = message.seq;
    if (this.deleted.has(seq) || message.deleted) return;
    const known = this.messages.get(seq);
    if (!known) {
      this.edits.set(seq, message);
      if (this.edits.size > MAX_EARLY_EDITS) this.edits.delete(this.edits.keys().next().value);
    } else if (!known.deleted && isNewer(message, known)) {
      this.messages.set(seq, message);
      this.rerender(seq);
      this.rerenderReplies(seq);
    }
    const inThread = this.thread.messages.get(seq);
    if (inThread && !inThread.deleted && isNewer(message, inThread)) this.thread.update(message);
  }

  /** One emoji's new count on message `seq` (a `reaction` frame); 0 removes its chip. */
  setReaction(seq, emoji, count) {
    const message = this.messages.get(seq);
    if (message && !message.deleted) {
      this.messages.set(seq, { ...message, reactions: withReaction(message.reactions, emoji, count) });
      updateChip(this.nodes.get(seq), emoji, count);
    }
    this.thread.setReaction(seq, emoji, count);
  }

  /** Replies quote their parent: their previews follow it. */
  rerenderReplies(seq) {
    for (const [replySeq, reply] of this.messages) {
      if (reply.reply_to === seq) this.rerender(replySeq);
    }
  }

  /** Renders a shown message again, keeping keyboard focus inside it if it was there. */
  rerender(seq) {
    const old = this.nodes.get(seq);
    const node = this.render(this.messages.get(seq));
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(node);
    this.nodes.set(seq, node);
    const index = this.seqs.indexOf(seq);
    this.regroup(index);
    if (index + 1 < this.seqs.length) this.regroup(index + 1);
    if (hadFocus) node.querySelector("a, button")?.focus({ preventScroll: true });
  }

  /** Marks a message as the continuation of the previous one (same bot, soon after, no gap). */
  regroup(index) {
    const seq = this.seqs[index];
    const message = this.messages.get(seq);
    const prevSeq = index > 0 ? this.seqs[index - 1] : null;
    const prev = prevSeq === seq - 1 ? this.messages.get(prevSeq) : null;
    const continued =
      prev !== null &&
      prev !== undefined &&
      !prev.deleted &&
      !message.deleted &&
      prev.bot?.id === message.bot?.id &&
      Date.parse(message.created_at) - Date.parse(prev.created_at) < GROUP_MS;
    this.nodes.get(seq).classList.toggle("msg-cont", continued);
  }

  /** Drops the oldest messages of a long-running tab; scrolling up fetches them again. */
  trim() {
    const excess = this.seqs.length - this.maxMessages;
    if (excess <= 0) return;
    for (const seq of this.seqs.splice(0, excess)) {
      this.nodes.get(seq).remove();
      this.nodes.delete(seq);
      this.messages.delete(seq);
    }
    if (this.seqs.length) this.regroup(0);
    this.hasMore = true;
    this.renderTop();
  }

  onScroll() {
    if (this.unread && this.isAtBottom()) {
      this.unread = 0;
      this.renderPill();
    }
    if (this.scroller.scrollTop < NEAR_TOP_PX) this.loadOlder();
  }

  /** Loads the page before the oldest shown message, keeping the viewer's place. */
  async loadOlder() {
    if (!this.hasMore || this.loading || !this.loaded || !this.loadOlderPage || !this.seqs.length) return;
    this.loading = true;
    this.list.setAttribute("aria-busy", "true");
    this.renderTop();
    try {
      const page = await this.loadOlderPage(this.oldestSeq);
      const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.add(page.messages);
      this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
      this.hasMore = Boolean(page.has_more) && page.messages.length > 0;
    } catch (err) {
      this.top.dataset.error = err.message;
      // Try again on the next scroll, but not in a tight loop.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      this.loading = false;
      this.list.removeAttribute("aria-busy");
      this.renderTop();
    }
    this.fillViewport();
  }

  /** Short rooms leave no scrollbar to reach the top with: keep loading until there is one. */
  fillViewport() {
    if (this.hasMore && this.scroller.scrollHeight <= this.scroller.clientHeight + NEAR_TOP_PX) {
      queueMicrotask(() => this.loadOlder());
    }
  }

  renderTop() {
    let text;
    if (!this.loaded) text = "Loading messages…";
    else if (this.loading) text = "Loading older messages…";
    else if (this.hasMore) text = "Scroll up for older messages";
    else if (!this.seqs.length) text = this.emptyText;
    else text = "This is the beginning of the conversation.";
    if (this.top.textContent !== text) this.top.textContent = text;
    this.top.classList.toggle("is-empty", this.loaded && !this.seqs.length);
    // A feed is made of articles: an empty one is left out of the page until one comes.
    this.list.hidden = !this.seqs.length;
  }

  renderPill() {
    this.pill.hidden = this.unread === 0;
    this.pill.textContent = `${plural(this.unread, "new message")} ↓`;
  }

  /** Tells screen readers about live messages without reading out the whole history. */
  announce(messages) {
    if (!messages.length) return;
    const last = messages[messages.length - 1];
    this.announcer.textContent =
      messages.length > 1
        ? `${messages.length} new messages`
        : last.deleted
          ? "A message was removed"
          : `${last.bot?.name ?? "A bot"}: ${snippet(last.content, 140)}`;
  }

  /** Copies a message's permalink (the button's data-copy) and says so on the button. */
  async copyLink(button) {
    const url = new URL(button.dataset.copy, location.href).href;
    const label = button.querySelector(".msg-copy-label");
    let done;
    try {
      await navigator.clipboard.writeText(url);
      done = "Copied";
    } catch {
      // No clipboard (an insecure origin, or permission refused): the time is the link.
      done = "Copy failed";
    }
    label.textContent = done;
    this.announcer.textContent = done === "Copied" ? "Link copied" : "Couldn't copy the link; the message's time links to it";
    clearTimeout(button.resetTimer);
    button.resetTimer = setTimeout(() => (label.textContent = "Copy link"), 2000);
  }

  /** Message seqs in page order (for tests and debugging). */
  shownSeqs() {
    return [...this.list.querySelectorAll(".msg")].map((el) => Number(el.dataset.seq));
  }
}

/** A message as the API returns it once deleted: no content, reactions or edits. */
function tombstone(message) {
  const { reactions: _reactions, edited_at: _editedAt, ...rest } = message;
  return { ...rest, content: "", mentions: [], deleted: true };
}

/** Whether `a` is a later version of a message than `b` (edits carry `edited_at`). */
function isNewer(a, b) {
  if (!a.edited_at) return false;
  return !b.edited_at || Date.parse(a.edited_at) >= Date.parse(b.edited_at);
}
