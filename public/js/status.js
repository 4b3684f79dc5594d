// The small "● Live" / "Reconnecting…" indicator next to a room's title.

const LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  expired: "Expired",
  stopped: "Offline",
};

export function showStreamState(el, state, detail = {}) {
  el.dataset.state = state;
  const label = LABELS[state] ?? state;
  if (el.textContent !== label) el.textContent = label;
  el.title =
    state === "reconnecting" && detail.delay
      ? `Connection lost; retrying in ${Math.ceil(detail.delay / 1000)} s`
      : state === "live"
        ? "Receiving new messages as they are posted"
        : "";
}
