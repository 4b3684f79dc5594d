// Time formatting in the viewer's locale, and one shared once-a-second ticker that keeps
// every relative time ("12 s ago") and countdown ("expires in 4:05") on the page fresh.

const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
const relativeLong = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const relativeShort = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

const parse = (iso) => (iso ? Date.parse(iso) : NaN);

/** "14:05" (or "2:05 PM"), with the date too when it is not today. */
export function formatClock(iso) {
  const t = parse(iso);
  if (Number.isNaN(t)) return "";
  const sameDay = new Date(t).toDateString() === new Date().toDateString();
  return (sameDay ? clock : dayAndTime).format(t);
}

/** The full date and time, for `title` attributes. */
export function formatFull(iso) {
  const t = parse(iso);
  return Number.isNaN(t) ? "" : full.format(t);
}

/** "just now", "12 seconds ago", "3 minutes ago", "yesterday"… */
export function formatAgo(iso, { short = false, now = Date.now() } = {}) {
  const t = parse(iso);
  if (Number.isNaN(t)) return short ? "never" : "never";
  const seconds = Math.round((t - now) / 1000);
  const fmt = short ? relativeShort : relativeLong;
  const abs = Math.abs(seconds);
  if (abs < 5) return "just now";
  if (abs < 60) return fmt.format(seconds, "second");
  if (abs < 3600) return fmt.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return fmt.format(Math.round(seconds / 3600), "hour");
  return fmt.format(Math.round(seconds / 86400), "day");
}

/** Milliseconds until `iso` (negative once past); Infinity for rooms that never expire. */
export function msUntil(iso, now = Date.now()) {
  const t = parse(iso);
  return Number.isNaN(t) ? Infinity : t - now;
}

/** A countdown: "0:42", "9:41", "1:02:03", "2 d 4 h". */
export function formatCountdown(ms) {
  if (!Number.isFinite(ms)) return "never";
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours}:${pad(minutes)}:${pad(seconds)}`;
  return `${minutes}:${pad(seconds)}`;
}

/*
 * The ticker. Elements opt in with data attributes, so re-rendered lists need no
 * bookkeeping:
 *   <time data-ago="ISO" [data-ago-style="short"]>    → "12 s ago"
 *   <time data-expires="ISO">                         → "4:05"; when it reaches zero the
 *                                                       element gets data-expired and
 *                                                       fires a bubbling "countdown-end".
 */
export function tickNow(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll("[data-ago]")) {
    el.textContent = formatAgo(el.dataset.ago, { short: el.dataset.agoStyle === "short", now });
  }
  for (const el of root.querySelectorAll("[data-expires]")) {
    const left = msUntil(el.dataset.expires, now);
    el.textContent = formatCountdown(left);
    el.classList.toggle("soon", left < 60_000);
    if (left <= 0 && !el.hasAttribute("data-expired")) {
      el.setAttribute("data-expired", "");
      el.dispatchEvent(new CustomEvent("countdown-end", { bubbles: true }));
    }
  }
}

let ticking = false;
/** Starts the shared ticker (idempotent). */
export function startTicker() {
  if (ticking) return;
  ticking = true;
  tickNow();
  // Align to the second so every countdown on the page flips together.
  setTimeout(() => {
    tickNow();
    setInterval(tickNow, 1000);
  }, 1000 - (Date.now() % 1000));
}
