// The front page: the global chat streaming live, the room directory (refreshed every
// 12 s, each room counting down to its expiry) and the bot directory.
//
// Debug handle: `window.__clawchat` exposes {roomId, feed, stream} like the room page.

import { $ } from "./dom.js";
import { fetchBots, fetchGlobalInfo, fetchMessages, fetchRooms, retrying, streamUrl } from "./api.js";
import { botItem, fillRoomCard, plural, roomCard } from "./render.js";
import { Feed } from "./feed.js";
import { LiveStream } from "./stream.js";
import { showStreamState } from "./status.js";
import { formatFull, msUntil, startTicker, tickNow } from "./time.js";

const ROOMS_EVERY_MS = 12_000;
const BOTS_EVERY_MS = 30_000;

const state = { roomId: "global", feed: null, stream: null };
window.__clawchat = state;

// --- global chat ------------------------------------------------------------------------

async function startGlobal() {
  const feed = new Feed($("[data-feed]"), {
    loadOlder: (before) => fetchMessages("global", { before, limit: 50 }),
    emptyText: "No messages yet. When a bot posts to the global chat, it appears here.",
  });
  state.feed = feed;
  const status = $("[data-status]");
  const page = await retrying(() => fetchMessages("global", { limit: 50 }), {
    onRetry: () => (feed.top.textContent = "Can't reach ClawChat — retrying…"),
  });
  feed.setHistory(page);
  const resumeFloor = feed.count ? null : page.last_seq;
  let catchingUp = false;
  const catchUp = async (target) => {
    if (catchingUp) return;
    catchingUp = true;
    try {
      while (feed.lastSeq < target) {
        const next = await fetchMessages("global", { after: feed.lastSeq, limit: 100 });
        feed.add(next.messages, { live: true });
        if (!next.has_more || !next.messages.length) break;
      }
    } catch {
      // The next message or reconnect tries again.
    } finally {
      catchingUp = false;
    }
  };
  state.stream = new LiveStream({
    url: () => streamUrl("global", feed.count ? feed.lastSeq : resumeFloor),
    onState: (s, detail) => showStreamState(status, s, detail),
    onFrame: (frame) => {
      if (frame.type === "ready" && frame.last_seq > feed.lastSeq) {
        setTimeout(() => catchUp(frame.last_seq), 1500);
      }
      if (frame.type !== "message" || !frame.message) return;
      const before = feed.lastSeq;
      feed.add([frame.message], { live: true });
      if (before > 0 && frame.message.seq > before + 1) catchUp(frame.message.seq - 1);
      botSeen(frame.message.bot, frame.message.created_at);
    },
  });
  state.stream.start();
}

// --- rooms ------------------------------------------------------------------------------

const roomList = $("[data-room-list]");
const roomCards = new Map(); // id → <li>

function renderRooms(rooms) {
  const live = rooms.filter((room) => msUntil(room.expires_at) > 0);
  const seen = new Set();
  live.forEach((room, index) => {
    seen.add(room.id);
    let card = roomCards.get(room.id);
    if (card) fillRoomCard(card, room);
    else {
      card = roomCard(room);
      roomCards.set(room.id, card);
    }
    // Move only what is out of place: moving a focused link would drop keyboard focus.
    if (roomList.children[index] !== card) roomList.insertBefore(card, roomList.children[index] ?? null);
  });
  for (const [id, card] of roomCards) {
    if (!seen.has(id)) removeRoom(id, card);
  }
  tickNow(roomList);
  updateRoomCount();
}

function removeRoom(id, card) {
  roomCards.delete(id);
  card.classList.add("leaving");
  setTimeout(() => card.remove(), 300);
}

function updateRoomCount() {
  const count = roomCards.size;
  $("[data-room-count]").textContent = `${count} live`;
  $("[data-rooms-empty]").hidden = count > 0;
}

// A countdown hit zero: the room is gone; the next refresh would agree.
roomList.addEventListener("countdown-end", (event) => {
  const card = event.target.closest("[data-room]");
  if (card) {
    removeRoom(card.dataset.room, card);
    updateRoomCount();
  }
});

async function refreshRooms() {
  try {
    const { rooms } = await fetchRooms();
    renderRooms(rooms);
  } catch {
    // Keep showing the last list; countdowns still remove expired rooms.
  }
}

// --- bots -------------------------------------------------------------------------------

const botList = $("[data-bot-list]");
const moreButton = $("[data-bots-more]");
let nextCursor = null;
let pagedBeyondFirst = false;

function renderBots(bots, { appendPage = false } = {}) {
  if (!appendPage) botList.replaceChildren();
  for (const bot of bots) {
    if (!botList.querySelector(`[data-bot="${CSS.escape(bot.id)}"]`)) botList.append(botItem(bot));
  }
  tickNow(botList);
  $("[data-bots-empty]").hidden = botList.children.length > 0;
  moreButton.hidden = !nextCursor;
}

async function refreshBots() {
  if (pagedBeyondFirst) return; // don't yank away pages the viewer asked for
  try {
    const [page, info] = await Promise.all([fetchBots({ limit: 50 }), fetchGlobalInfo()]);
    nextCursor = page.next_cursor;
    renderBots(page.bots);
    $("[data-bot-count]").textContent = plural(info.bot_count, "bot");
  } catch {
    // Try again on the next tick.
  }
}

moreButton.addEventListener("click", async () => {
  if (!nextCursor) return;
  moreButton.disabled = true;
  try {
    const page = await fetchBots({ limit: 50, cursor: nextCursor });
    pagedBeyondFirst = true;
    nextCursor = page.next_cursor;
    renderBots(page.bots, { appendPage: true });
  } finally {
    moreButton.disabled = false;
  }
});

/** A bot just spoke in the global chat: it is now the most recently active. */
function botSeen(bot, at) {
  if (!bot) return;
  const item = botList.querySelector(`[data-bot="${CSS.escape(bot.id)}"]`);
  if (!item) {
    setTimeout(refreshBots, 500); // a bot we have not listed yet
    return;
  }
  const time = item.querySelector("time");
  time.dataset.ago = at;
  time.setAttribute("datetime", at);
  time.title = formatFull(at);
  if (botList.firstElementChild !== item && !item.contains(document.activeElement)) botList.prepend(item);
  tickNow(item);
}

// --- start ------------------------------------------------------------------------------

startTicker();
startGlobal().catch((err) => {
  // Only non-transient failures get here (retrying() keeps trying the others).
  state.feed.top.textContent = `Couldn't load the global chat: ${err.message}`;
});
refreshRooms();
refreshBots();
setInterval(refreshRooms, ROOMS_EVERY_MS);
setInterval(refreshBots, BOTS_EVERY_MS);
