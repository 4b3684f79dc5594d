// Keeps a Feed in step with its room: the first page of history (the newest messages,
// or those around a permalink's message), then what the live stream says — new
// messages, deletions, edits, reaction counts, and the holes a stream can leave:
//
// - a message whose seq jumps past the newest shown one (a lost frame): the missing
//   ones are read over REST (`?after=`);
// - a `gap` frame right after `ready`: the resume replay left out the messages with
//   after < seq < before. They are read over REST before anything later is shown, so
//   the viewer sees the conversation in order; later frames wait in a queue meanwhile.
//
// The socket itself (reconnects, back-off) is LiveStream's; this only reads frames.

import { fetchMessages, retrying, streamUrl } from "./api.js";

const PAGE = 100;
/** Messages shown on each side of a permalink's message. */
const AROUND = 25;
/** After `ready`, how long the replay has to bring what the server has before a REST check. */
const CATCH_UP_DELAY_MS = 1500;

export class FeedSync {
  /**
   * onMessages(messages) → messages that were added (to keep counts current)
   * onGone()             → the room answered 404 or 410 while catching up
   */
  constructor(feed, roomId, { onMessages = () => {}, onGone = () => {} } = {}) {
    this.feed = feed;
    this.roomId = roomId;
    this.onMessages = onMessages;
    this.onGone = onGone;
    this.resumeFloor = null;
    this.catchingUp = false;
    this.queue = null; // frames' messages waiting for a gap to be filled
    this.connection = 0; // bumped on every `ready`: work for an older socket stops
    this.stopped = false;
  }

  /** The room is gone: no more reads. */
  stop() {
    this.stopped = true;
    this.queue = null;
  }

  /**
   * Shows the first page: the newest messages, or those around `focusSeq` (highlighted).
   * Resolves to the message `focusSeq` asked for, or null when there was none or it is
   * no longer in the room's history. Throws ApiError (403, 404…) when the room can't be read.
   */
  async loadHistory({ focusSeq = null, onRetry } = {}) {
    const read = (params) => retrying(() => fetchMessages(this.roomId, params), { onRetry });
    let found = null;
    let page;
    if (focusSeq !== null) {
      const [older, newer] = await Promise.all([
        read({ before: focusSeq + 1, limit: AROUND + 1 }),
        read({ after: focusSeq, limit: AROUND }),
      ]);
      found = older.messages.find((m) => m.seq === focusSeq) ?? null;
      if (found) page = { messages: [...older.messages, ...newer.messages], has_more: older.has_more, last_seq: newer.last_seq };
    }
    page ??= await read({ limit: 50 });
    this.feed.setHistory(page, { focusSeq: found ? focusSeq : null });
    // An empty room: resume from what exists, so the replay brings anything posted
    // between this read and the socket opening.
    this.resumeFloor = this.feed.count ? null : page.last_seq;
    return found;
  }

  /** Where the stream connects: resuming after the newest message shown. */
  url() {
    return streamUrl(this.roomId, this.feed.count ? this.feed.lastSeq : this.resumeFloor);
  }

  /** Handles a frame about messages; false for the frames it leaves to the caller. */
  handle(frame) {
    switch (frame.type) {
      case "ready":
        this.connection += 1;
        this.queue = null; // the new socket's replay brings them again
        if (frame.last_seq > this.feed.lastSeq) {
          setTimeout(() => this.catchUp(frame.last_seq), CATCH_UP_DELAY_MS);
        }
        return false; // the caller shows the room too
      case "gap":
        this.fillGap(frame);
        return true;
      case "message":
        if (frame.message) this.receive(frame.message);
        return true;
      case "message_deleted":
        if (Number.isInteger(frame.seq)) this.feed.markDeleted(frame.seq);
        return true;
      case "message_edited":
        if (Number.isInteger(frame.message?.seq)) this.feed.replaceMessage(frame.message);
        return true;
      case "reaction":
        if (Number.isInteger(frame.seq) && typeof frame.emoji === "string" && Number.isInteger(frame.count)) {
          this.feed.setReaction(frame.seq, frame.emoji, frame.count);
        }
        return true;
      default:
        return false;
    }
  }

  receive(message) {
    if (this.queue) {
      this.queue.push(message);
      return;
    }
    const before = this.feed.lastSeq;
    this.added(this.feed.add([message], { live: true }));
    // A hole before this message (history trimmed live, or a lost frame): fill it.
    if (before > 0 && message.seq > before + 1) this.catchUp(message.seq - 1);
  }

  added(messages) {
    if (messages.length) this.onMessages(messages);
  }

  /** Reads what the stream skipped, up to `target`, over REST. */
  async catchUp(target) {
    if (this.catchingUp || this.queue || this.stopped) return; // a gap being filled reads the same pages
    this.catchingUp = true;
    try {
      while (this.feed.lastSeq < target) {
        const page = await fetchMessages(this.roomId, { after: this.feed.lastSeq, limit: PAGE });
        this.added(this.feed.add(page.messages, { live: true }));
        if (!page.has_more || !page.messages.length) break;
      }
    } catch (err) {
      if (err.status === 404 || err.status === 410) this.onGone();
      // Otherwise the next message or reconnect tries again.
    } finally {
      this.catchingUp = false;
    }
  }

  /**
   * The replay left out `after < seq < before`: read those first, then show what the
   * socket sent meanwhile. A viewer at the bottom who missed more than the feed keeps
   * anyway just starts over from the newest page before the replay.
   */
  async fillGap({ after, before }) {
    if (!Number.isInteger(after) || !Number.isInteger(before) || before <= after + 1) return;
    const connection = this.connection;
    this.queue ??= [];
    const current = () => connection === this.connection && !this.stopped;
    try {
      const missing = before - Math.max(after, this.feed.lastSeq) - 1;
      if (missing > this.feed.maxMessages && this.feed.isAtBottom() && this.feed.focusSeq === null) {
        const page = await retrying(() => fetchMessages(this.roomId, { before, limit: 50 }));
        if (current()) this.feed.reset(page);
        return;
      }
      let cursor = Math.max(after, this.feed.lastSeq);
      while (current() && cursor < before - 1) {
        const page = await retrying(() => fetchMessages(this.roomId, { after: cursor, limit: PAGE }));
        if (!current()) return;
        this.added(this.feed.add(page.messages.filter((m) => m.seq < before), { live: true }));
        const last = page.messages[page.messages.length - 1];
        if (!last || !page.has_more) break;
        cursor = last.seq;
      }
    } catch (err) {
      if (err.status === 404 || err.status === 410) this.onGone();
    } finally {
      if (current()) {
        const queued = this.queue ?? [];
        this.queue = null;
        for (const message of queued) this.receive(message);
      }
    }
  }
}
