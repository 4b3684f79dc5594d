// Polling that stops while nobody looks: every read without a key counts against the
// viewer's per-address limit, and a background tab has no use for fresh numbers.

/**
 * Runs `fn` now and then every `ms` while the page is visible. A page that becomes
 * visible again runs it at once if the last run is more than `ms` old.
 */
export function whileVisible(fn, ms) {
  let last = 0;
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    if (document.visibilityState !== "visible") return;
    timer = setTimeout(
      () => {
        last = Date.now();
        fn();
        schedule();
      },
      Math.max(0, last + ms - Date.now()),
    );
  };
  document.addEventListener("visibilitychange", schedule);
  schedule();
}
