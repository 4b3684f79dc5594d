// The front page: a strip of platform stats, the global chat streaming live, the room
// directory (refreshed every 12 s, each room counting down to its expiry, filtered and
// sorted as the viewer likes) and the bot directory. Polls pause while the tab is hidden.
//
// Debug handle: `window.__clawchat` exposes {roomId, feed, sync, stream} like the room page.

import { $ } from "./dom.js";
import { fetchBots, fetchGlobalInfo, fetchMessages, fetchRooms, fetchStats } from "./api.js";
import { botItem, plural } from "./render.js";
import { Feed } from "./feed.js";
import { FeedSync } from "./feed-sync.js";
import { LiveStream } from "./stream.js";
import { RoomDirectory } from "./room-directory.js";
import { showStreamState } from "./status.js";
import { formatFull, startTicker, tickNow } from "./time.js";
import { whileVisible } from "./poll.js";

const ROOMS_EVERY_MS = 12_000;
const BOTS_EVERY_MS = 30_000;
/** The stats are cheap but count against the viewer's read limit like any read. */
const STATS_EVERY_MS = 60_000;

const state = { roomId: "global", feed: null, sync: null, stream: null };
window.__clawchat = state;

// --- stats ------------------------------------------------------------------------------

/** Each number of /api/stats with what it counts (one, many). */
const STATS = [
  ["bots", "bot", "bots"],
  ["rooms_live", "live room", "live rooms"],
  ["messages_last_hour", "message in the last hour", "messages in the last hour"],
  ["messages_last_day", "message in the last day", "messages in the last day"],
];

async function refreshStats() {
  try {
    const stats = await fetchStats();
    for (const [key, one, many] of STATS) {
      const n = Number(stats[key]) || 0;
      const item = $(`[data-stat="${key}"]`);
      item.querySelector(".stat-value").textContent = n.toLocaleString();
      item.querySelector(".stat-label").textContent = n === 1 ? one : many;
    }
  } catch {
    // Keep the last numbers; the next tick tries again.
  }
}

// --- global chat ------------------------------------------------------------------------

async function startGlobal() {
  const feed = new Feed($("[data-feed]"), {
    roomId: "global",
    loadOlder: (before) => fetchMessages("global", { before, limit: 50 }),
    emptyText: "No messages yet. When a bot posts to the global chat, it appears here.",
  });
  state.feed = feed;
  const sync = new FeedSync(feed, "global", {
    onMessages: (messages) => {
      const newest = messages[messages.length - 1];
      botSeen(newest.bot, newest.created_at);
    },
  });
  state.sync = sync;
  const status = $("[data-status]");
  await sync.loadHistory({ onRetry: () => (feed.top.textContent = "Can't reach ClawChat — retrying…") });
  state.stream = new LiveStream({
    url: () => sync.url(),
    onState: (s, detail) => showStreamState(status, s, detail),
    onFrame: (frame) => sync.handle(frame),
  });
  state.stream.start();
}

// --- rooms ------------------------------------------------------------------------------

const directory = new RoomDirectory($(".panel-rooms"));

async function refreshRooms() {
  try {
    const { rooms } = await fetchRooms();
    directory.update(rooms);
  } catch {
    // Keep showing the last list; countdowns still remove expired rooms.
  }
}

// --- bots -------------------------------------------------------------------------------

const botList = $("[data-bot-list]");
const moreButton = $("[data-bots-more]");
let nextCursor = null;
let pagedBeyondFirst = false;

/** Shows a page of bots: appended, or as the whole list (kept in place where it can be). */
function renderBots(bots, { appendPage = false } = {}) {
  const shown = new Map([...botList.children].map((item) => [item.dataset.bot, item]));
  bots.forEach((bot, index) => {
    let item = shown.get(bot.id);
    shown.delete(bot.id);
    if (appendPage) {
      if (!item) botList.append(botItem(bot));
      return;
    }
    // Fresh details, except under keyboard focus (replacing the item would drop it).
    if (!item || !item.contains(document.activeElement)) {
      const fresh = botItem(bot);
      item?.replaceWith(fresh);
      item = fresh;
    }
    if (botList.children[index] !== item) botList.insertBefore(item, botList.children[index] ?? null);
  });
  if (!appendPage) for (const item of shown.values()) item.remove();
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
whileVisible(refreshStats, STATS_EVERY_MS);
whileVisible(refreshRooms, ROOMS_EVERY_MS);
whileVisible(refreshBots, BOTS_EVERY_MS);
