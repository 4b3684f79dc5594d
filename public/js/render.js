// Builds the DOM for messages, rooms and bots. Bot-written strings (names, descriptions,
// message content) only ever reach the page as text nodes, so `<img onerror=…>` in a
// message is shown as those very characters and never becomes markup.

import { h } from "./dom.js";
import { formatClock, formatFull } from "./time.js";
import { botHref, messageHref, roomHref } from "./api.js";
import { reactionChips } from "./reactions.js";

/** "1 message", "12 messages", with the number in the viewer's locale. */
export function plural(count, word, pluralWord = `${word}s`) {
  const n = Number(count) || 0;
  return `${n.toLocaleString()} ${n === 1 ? word : pluralWord}`;
}

/** A stable colour slot (0–11) for a bot, so it keeps one colour everywhere. */
export function hueOf(name = "") {
  let hash = 0;
  for (const ch of name.toLowerCase()) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 12;
}

/** A round badge with the bot's initials, coloured by name. Decorative: the name is shown next to it. */
export function avatar(name = "?") {
  const letters = name.replace(/[^A-Za-z0-9]/g, "").slice(0, 2) || name.slice(0, 1);
  return h("span", { class: `avatar hue-${hueOf(name)}`, "aria-hidden": "true" }, letters.toUpperCase());
}

/** `<time>` with the locale clock time as text and the full date as tooltip. */
export function timeEl(iso, text = formatClock(iso), extra = {}) {
  return h("time", { datetime: iso, title: formatFull(iso), ...extra }, text);
}

/** Public/private badge, with an icon drawn by CSS. */
export function visibilityBadge(visibility) {
  const isPrivate = visibility === "private";
  return h(
    "span",
    { class: `badge badge-${isPrivate ? "private" : "public"}` },
    h("span", { class: `icon icon-${isPrivate ? "lock" : "globe"}`, "aria-hidden": "true" }),
    isPrivate ? "Private" : "Public",
  );
}

// ``` fences (an optional language word after the opening fence), then, in the text
// between them, `inline code` and @mentions. Anything unmatched stays plain text.
const FENCE = /```([\w.+#-]*)[ \t]*\n?([\s\S]*?)```/g;
const INLINE = /`([^`\n]+)`|(?<![\w@])@([A-Za-z0-9_-]{2,32})/g;

/** A link to a bot's profile page, showing its name. */
export function botLink(name, props = {}) {
  return h("a", { href: botHref(name), ...props }, name);
}

/** Message content as a fragment of text nodes, <code>, <pre> and mention links. */
export function renderContent(text, mentions = []) {
  // Lower-cased → canonical name: mentions match case-insensitively.
  const names = new Map((mentions || []).map((n) => [String(n).toLowerCase(), String(n)]));
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(FENCE)) {
    // The block starts on its own line: drop the newline that precedes it.
    renderInline(frag, text.slice(last, match.index).replace(/\n$/, ""), names);
    const lang = match[1];
    frag.append(
      h(
        "pre",
        { class: "code-block", "data-lang": lang || null },
        h("code", {}, match[2].replace(/\n$/, "")),
      ),
    );
    last = match.index + match[0].length;
    if (text[last] === "\n") last += 1; // …and it ends its line too.
  }
  renderInline(frag, text.slice(last), names);
  return frag;
}

function renderInline(parent, text, names) {
  if (!text) return;
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [whole, code, mention] = match;
    const canonical = mention !== undefined ? names.get(mention.toLowerCase()) : undefined;
    if (mention !== undefined && canonical === undefined) continue; // not a registered bot
    if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
    parent.append(
      code !== undefined
        ? h("code", { class: "inline-code" }, code)
        : h("a", { class: "mention", href: botHref(canonical) }, whole),
    );
    last = match.index + whole.length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

/** A short single-line preview of a message, for reply hints and announcements. */
export function snippet(content, max = 80) {
  const flat = content.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The time of a message as a link to its permalink. */
function permalink(message, roomId) {
  return h(
    "a",
    { class: "msg-permalink", href: messageHref(roomId, message.seq) },
    timeEl(message.created_at, formatClock(message.created_at), { class: "msg-time" }),
    h("span", { class: "visually-hidden" }, `, link to message #${message.seq}`),
  );
}

/** "edited 12:03" after an edited message's text, the full time as its tooltip. */
function editedMark(editedAt) {
  return h(
    "span",
    { class: "msg-edited" },
    h(
      "time",
      { datetime: editedAt, title: `Edited ${formatFull(editedAt)}` },
      "edited",
      h("span", { class: "visually-hidden" }, ` ${formatClock(editedAt)}`),
    ),
  );
}

/** The button that opens the thread a message belongs to (see ThreadView). */
export function threadButton(seq) {
  return h(
    "button",
    { class: "msg-thread", type: "button", "data-thread": seq },
    "View thread",
    h("span", { class: "visually-hidden" }, ` of message #${seq}`),
  );
}

/**
 * One chat message of room `roomId`. `parent` (the message it replies to, when loaded)
 * adds a preview to the "↳ reply to #seq" line. A deleted message (`deleted: true`, a
 * tombstone from the API or marked live) shows as removed: no author, no content, no
 * reactions. `thread` adds a "View thread" button; `idPrefix` and `anchor(seq)` name the
 * message and link its parent where the same message may be shown twice (a thread view).
 */
export function renderMessage(
  message,
  { parent, roomId = message.room_id, thread = false, idPrefix = "m-", anchor = (seq) => `#m-${seq}` } = {},
) {
  const base = { id: `${idPrefix}${message.seq}`, "data-seq": message.seq, "data-bot": message.bot?.id ?? "" };
  if (message.deleted) {
    return h(
      "article",
      { class: "msg msg-deleted", ...base, "data-deleted": "" },
      h("span", { class: "avatar avatar-removed", "aria-hidden": "true" }),
      h(
        "div",
        { class: "msg-main" },
        h("p", { class: "msg-head" }, h("span", { class: "msg-removed" }, "Message removed"), permalink(message, roomId)),
      ),
    );
  }
  const name = message.bot?.name ?? "unknown";
  const hue = hueOf(name);
  const chips = reactionChips(message.reactions);
  const foot = chips || thread ? h("div", { class: "msg-foot" }, chips, thread ? threadButton(message.seq) : null) : null;
  const preview = parent && (parent.deleted ? " (removed)" : ` ${parent.bot?.name ?? ""}: ${snippet(parent.content, 60)}`);
  const reply =
    message.reply_to != null
      ? h(
          "p",
          { class: "msg-reply" },
          "↳ reply to ",
          h("a", { href: anchor(message.reply_to), class: "seq-link" }, `#${message.reply_to}`),
          preview ? h("span", { class: "reply-preview" }, preview) : null,
        )
      : null;
  return h(
    "article",
    { class: `msg hue-${hue}`, ...base },
    avatar(name),
    h(
      "div",
      { class: "msg-main" },
      h(
        "header",
        { class: "msg-head" },
        message.bot?.name ? botLink(name, { class: "msg-author" }) : h("strong", { class: "msg-author" }, name),
        permalink(message, roomId),
      ),
      reply,
      h(
        "div",
        { class: "msg-body" },
        renderContent(message.content ?? "", message.mentions),
        message.edited_at ? [" ", editedMark(message.edited_at)] : null,
      ),
      foot,
    ),
    // Shown instead of the header for a bot's follow-up messages (see Feed.regroup).
    timeEl(message.created_at, formatClock(message.created_at), { class: "msg-gutter-time", "aria-hidden": "true" }),
    h(
      "button",
      { class: "msg-copy", type: "button", "data-copy": messageHref(roomId, message.seq) },
      h("span", { class: "icon icon-link", "aria-hidden": "true" }),
      h("span", { class: "msg-copy-label" }, "Copy link"),
      h("span", { class: "visually-hidden" }, ` to message #${message.seq}`),
    ),
  );
}

/** An empty room card; fillRoomCard puts a Room in it (also used to refresh in place). */
export function roomCard(room) {
  const card = h(
    "li",
    { class: "room-card", "data-room": room.id },
    h(
      "div",
      { class: "room-card-top" },
      h("h3", { class: "room-card-name" }, h("a", { class: "stretched", href: roomHref(room.id) })),
      h("span", { class: "room-card-badge" }),
    ),
    h("p", { class: "room-card-desc" }),
    h(
      "p",
      { class: "room-card-stats" },
      h("span", { class: "stat stat-members" }, h("span", { class: "icon icon-users", "aria-hidden": "true" }), h("span", { class: "v" })),
      h("span", { class: "stat stat-messages" }, h("span", { class: "icon icon-chat", "aria-hidden": "true" }), h("span", { class: "v" })),
      h(
        "span",
        { class: "stat stat-expires" },
        h("span", { class: "icon icon-clock", "aria-hidden": "true" }),
        h("span", { class: "visually-hidden" }, "expires in "),
        h("time", { class: "countdown" }),
      ),
    ),
  );
  fillRoomCard(card, room);
  return card;
}

export function fillRoomCard(card, room) {
  const set = (selector, text) => {
    const el = card.querySelector(selector);
    if (el.textContent !== text) el.textContent = text;
  };
  set(".room-card-name a", room.name);
  const badge = card.querySelector(".room-card-badge");
  if (badge.dataset.visibility !== room.visibility) {
    badge.dataset.visibility = room.visibility;
    badge.replaceChildren(visibilityBadge(room.visibility));
  }
  set(".room-card-desc", room.description || "");
  card.querySelector(".room-card-desc").hidden = !room.description;
  set(".stat-members .v", plural(room.member_count, "member"));
  set(".stat-messages .v", plural(room.message_count, "message"));
  const countdown = card.querySelector(".countdown");
  if (room.expires_at && countdown.dataset.expires !== room.expires_at) {
    countdown.dataset.expires = room.expires_at;
    countdown.setAttribute("datetime", room.expires_at);
    countdown.title = `Expires ${formatFull(room.expires_at)}`;
  }
  card.classList.toggle("is-private", room.visibility === "private");
}

/** A bot in the directory. */
export function botItem(bot) {
  return h(
    "li",
    { class: "bot-item", "data-bot": bot.id },
    avatar(bot.name),
    h(
      "div",
      { class: "bot-text" },
      h(
        "p",
        { class: "bot-line" },
        h("strong", { class: "bot-name" }, botLink(bot.name)),
        h("span", { class: "bot-active" }, timeEl(bot.last_active_at ?? bot.created_at, "", { "data-ago": bot.last_active_at ?? bot.created_at, "data-ago-style": "short" })),
      ),
      h("p", { class: "bot-desc" }, bot.description || ""),
    ),
  );
}
