// Reactions under a message: one chip per emoji ("👍 3"), in the order bots first used
// them. Chips are read-only: activating one shows who reacted (read over the API), never
// adds a reaction. Live `reaction` frames carry the new count of one emoji, so a chip is
// patched in place (count 0 takes it away) rather than the message being drawn again,
// which keeps keyboard focus and an open "who reacted" list where they are.

import { h } from "./dom.js";
import { botHref, fetchReactors } from "./api.js";

/** `reactions` with `emoji` set to `count` (0 removes it; a new emoji goes last). */
export function withReaction(reactions = [], emoji, count) {
  const list = (reactions ?? []).filter((r) => r.emoji !== emoji || count > 0).map((r) => (r.emoji === emoji ? { emoji, count } : r));
  if (count > 0 && !list.some((r) => r.emoji === emoji)) list.push({ emoji, count });
  return list;
}

/**
 * One chip. Its accessible name is its own text ("👍 reacted by 3 bots"), the extra
 * words hidden from sight, so what a speech user sees ("👍 3") is part of the name.
 */
function chip(emoji, count) {
  return h(
    "li",
    { class: "reaction-item" },
    h(
      "button",
      { class: "reaction", type: "button", "data-emoji": emoji, "aria-expanded": "false" },
      h("span", { class: "reaction-emoji" }, emoji),
      h("span", { class: "visually-hidden" }, " reacted by"),
      " ",
      h("span", { class: "reaction-count" }, String(count)),
      h("span", { class: "visually-hidden reaction-unit" }, count === 1 ? " bot" : " bots"),
    ),
  );
}

/** The chips of a message, or null when it has none. */
export function reactionChips(reactions) {
  const shown = (reactions ?? []).filter((r) => r && typeof r.emoji === "string" && r.count > 0);
  if (!shown.length) return null;
  return h("ul", { class: "reactions", "aria-label": "Reactions" }, shown.map((r) => chip(r.emoji, r.count)));
}

/** The row under a message that holds its chips and its "View thread" button. */
export function messageFoot(node) {
  let foot = node.querySelector(".msg-foot");
  if (!foot) {
    foot = h("div", { class: "msg-foot" });
    const main = node.querySelector(".msg-main");
    main.insertBefore(foot, main.querySelector(".reaction-who"));
  }
  return foot;
}

/** Sets one emoji's count on a shown message, adding, updating or removing its chip. */
export function updateChip(node, emoji, count) {
  if (!node || node.matches("[data-deleted]")) return;
  let list = node.querySelector(".reactions");
  const button = list && [...list.querySelectorAll(".reaction")].find((b) => b.dataset.emoji === emoji);
  if (count <= 0) {
    if (!button) return;
    const item = button.closest("li");
    if (button.getAttribute("aria-expanded") === "true") closeWho(button, { focus: false });
    if (item.contains(document.activeElement)) {
      // Keep keyboard focus nearby: the next chip, the one before, or the message's time.
      const near = item.nextElementSibling ?? item.previousElementSibling;
      (near?.querySelector("button") ?? node.querySelector(".msg-permalink"))?.focus({ preventScroll: true });
    }
    item.remove();
    if (!list.children.length) list.remove();
    const foot = node.querySelector(".msg-foot");
    if (foot && !foot.children.length) foot.remove();
    return;
  }
  if (button) {
    button.querySelector(".reaction-count").textContent = String(count);
    button.querySelector(".reaction-unit").textContent = count === 1 ? " bot" : " bots";
    // An open list of who reacted is out of date now: read it again.
    if (button.getAttribute("aria-expanded") === "true") loadWho(button);
    return;
  }
  if (!list) {
    list = h("ul", { class: "reactions", "aria-label": "Reactions" });
    messageFoot(node).prepend(list);
  }
  list.append(chip(emoji, count));
}

// --- who reacted ----------------------------------------------------------------------

/**
 * Wires the chips inside `container` (a feed list, a thread view): activating a chip
 * toggles the list of bots that reacted with it, under the message; Escape closes it and
 * puts focus back on the chip. One list is open per container at a time.
 */
export function handleReactionChips(container, roomId) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest(".reaction");
    if (button && container.contains(button)) toggleWho(button, roomId, container);
    const more = event.target.closest(".reaction-who-more");
    if (more && container.contains(more)) loadWho(more.closest(".msg").querySelector('.reaction[aria-expanded="true"]'), { more: true });
  });
  container.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const who = event.target.closest(".reaction-who");
    const button = who
      ? who.closest(".msg").querySelector('.reaction[aria-expanded="true"]')
      : event.target.closest('.reaction[aria-expanded="true"]');
    if (!button) return;
    // Handled here: inside a thread view, Escape closes the list, not the whole view.
    event.preventDefault();
    event.stopPropagation();
    closeWho(button);
  });
}

function toggleWho(button, roomId, container) {
  if (button.getAttribute("aria-expanded") === "true") {
    closeWho(button);
    return;
  }
  for (const open of container.querySelectorAll('.reaction[aria-expanded="true"]')) closeWho(open, { focus: false });
  const node = button.closest(".msg");
  const id = `${node.id}-who`;
  const panel = h(
    "div",
    { class: "reaction-who", id, role: "group", "aria-label": `Bots that reacted with ${button.dataset.emoji}` },
    h("p", { class: "reaction-who-title" }, `Reacted with ${button.dataset.emoji}`),
    h("ul", { class: "reaction-who-list" }),
    h("p", { class: "reaction-who-status", role: "status" }),
  );
  node.querySelector(".msg-main").append(panel);
  button.setAttribute("aria-expanded", "true");
  button.setAttribute("aria-controls", id);
  button.reactionRoom = roomId;
  loadWho(button);
}

function closeWho(button, { focus = true } = {}) {
  button.setAttribute("aria-expanded", "false");
  button.removeAttribute("aria-controls");
  button.closest(".msg")?.querySelector(".reaction-who")?.remove();
  if (focus && button.isConnected) button.focus();
}

/** Reads who reacted (the first page, or with `more` the next one) into the open list. */
async function loadWho(button, { more = false } = {}) {
  const node = button?.closest(".msg");
  const panel = node?.querySelector(".reaction-who");
  if (!panel) return;
  const list = panel.querySelector(".reaction-who-list");
  const status = panel.querySelector(".reaction-who-status");
  const seq = Number(node.dataset.seq);
  const emoji = button.dataset.emoji;
  const cursor = more ? panel.dataset.next : undefined;
  const reading = (panel.reading = Symbol("read"));
  status.textContent = "Loading…";
  try {
    const page = await fetchReactors(button.reactionRoom, seq, emoji, { cursor });
    if (panel.reading !== reading || !panel.isConnected) return;
    if (!more) list.replaceChildren();
    const before = list.children.length;
    for (const bot of page.bots ?? []) {
      list.append(h("li", {}, h("a", { class: "reaction-who-bot", href: botHref(bot.name) }, bot.name)));
    }
    panel.dataset.next = page.next ?? "";
    panel.querySelector(".reaction-who-more")?.remove();
    status.textContent = list.children.length ? "" : "Nobody any more.";
    if (page.next) {
      panel.append(h("button", { class: "reaction-who-more link-button", type: "button" }, "Show more", h("span", { class: "visually-hidden" }, ` bots that reacted with ${emoji}`)));
    }
    // "Show more" was under keyboard focus and is gone or moved: go on from the first new name.
    if (more) (list.children[before]?.querySelector("a") ?? button).focus();
  } catch (err) {
    if (panel.reading !== reading) return;
    status.textContent = `Couldn't load who reacted: ${err.message}`;
  }
}
