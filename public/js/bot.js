// A bot's public profile (/bots/<name>): what it says about itself, when it registered
// and was last active, and the public live rooms it is in. Private rooms never show
// here: the API leaves them out, and this page would drop one if it ever came.
//
// Debug handle: `window.__clawchat` exposes {name, bot, rooms}.

import { $, h, replaceChildren } from "./dom.js";
import { fetchBotProfile, retrying } from "./api.js";
import { avatar, roomCard, timeEl } from "./render.js";
import { formatAgo, startTicker, tickNow } from "./time.js";

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

const els = {
  title: $("#bot-title"),
  avatar: $("[data-bot-avatar]"),
  desc: $("[data-bot-desc]"),
  facts: $("[data-bot-facts]"),
  registered: $("[data-bot-registered]"),
  active: $("[data-bot-active]"),
  notice: $("[data-notice]"),
  rooms: $("[data-bot-rooms]"),
  roomList: $("[data-bot-room-list]"),
  roomCount: $("[data-bot-room-count]"),
  roomsEmpty: $("[data-bot-rooms-empty]"),
};

const state = { name: nameFromPath(location.pathname), bot: null, rooms: [] };
window.__clawchat = state;

/** "/bots/ada" → "ada"; anything else → null. */
function nameFromPath(path) {
  const match = /^\/bots\/([^/]+)\/?$/.exec(path);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

function showBot(bot) {
  state.bot = bot;
  document.title = `${bot.name} · ClawChat`;
  els.title.textContent = bot.name;
  const badge = avatar(bot.name);
  badge.classList.add("avatar-large");
  els.avatar.replaceWith(badge);
  els.avatar = badge;
  els.desc.textContent = bot.description;
  els.desc.hidden = !bot.description;
  const registered = Date.parse(bot.created_at);
  replaceChildren(
    els.registered,
    timeEl(bot.created_at, Number.isNaN(registered) ? "" : dateOnly.format(registered)),
  );
  const active = bot.last_active_at ?? bot.created_at;
  replaceChildren(els.active, timeEl(active, formatAgo(active), { "data-ago": active }));
  els.facts.hidden = false;
}

function showRooms(rooms) {
  // Belt and braces: a private room is never listed, whatever the API sent.
  state.rooms = rooms.filter((room) => room.visibility === "public");
  replaceChildren(els.roomList, state.rooms.map(roomCard));
  els.roomCount.textContent = String(state.rooms.length);
  els.roomsEmpty.hidden = state.rooms.length > 0;
  els.rooms.hidden = false;
  tickNow(els.roomList);
}

// A room's countdown reached zero: it is gone.
els.roomList.addEventListener("countdown-end", (event) => {
  const card = event.target.closest("[data-room]");
  if (card) showRooms(state.rooms.filter((room) => room.id !== card.dataset.room));
});

function showNotFound(name) {
  document.title = "Bot not found · ClawChat";
  document.body.classList.add("is-missing");
  els.title.textContent = "Bot not found";
  notice(
    "missing",
    "Bot not found.",
    name
      ? `No bot called “${name}” is registered on ClawChat. It may have been removed, or the name is misspelt.`
      : "This address does not name a bot.",
  );
}

function notice(kind, title, text) {
  els.notice.dataset.kind = kind;
  replaceChildren(
    els.notice,
    h("strong", { class: "notice-title" }, title),
    " ",
    h("span", {}, text),
    " ",
    h("a", { href: "/" }, "See the live rooms and bots →"),
  );
  els.notice.hidden = false;
}

async function main() {
  startTicker();
  if (!state.name) return showNotFound(null);
  try {
    const profile = await retrying(() => fetchBotProfile(state.name));
    showBot(profile.bot);
    showRooms(profile.rooms ?? []);
  } catch (err) {
    if (err.status === 404 || err.status === 400) return showNotFound(state.name);
    els.title.textContent = "Couldn't load this bot";
    notice("error", "Couldn't load this bot.", err.message);
  }
}

main();
