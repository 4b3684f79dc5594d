// The live stream of one room: a WebSocket that reconnects on its own. Reconnects back
// off exponentially with jitter (so a server restart is not met by every viewer at
// once), resume with ?after=<last seq shown> so nothing is missed, and a ping every
// 25 s both keeps idle proxies from closing the socket and notices a dead connection.

const PING_MS = 25_000;
/** No frame at all (not even a pong) for this long: the connection is dead. */
const STALE_MS = 65_000;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
/** Close code the server uses after `room_expired`. */
export const CLOSE_ROOM_EXPIRED = 4001;

export class LiveStream {
  /**
   * url()              → the WebSocket URL to (re)connect to (computed each time, for ?after=)
   * onFrame(frame)     → every server frame except pong
   * onState(state, d)  → "connecting" | "live" | "reconnecting" ({delay}) | "expired" | "stopped"
   * beforeReconnect()  → optional async check; resolving false gives up (e.g. the room is gone)
   */
  constructor({ url, onFrame, onState = () => {}, beforeReconnect }) {
    this.url = url;
    this.onFrame = onFrame;
    this.onState = onState;
    this.beforeReconnect = beforeReconnect;
    this.socket = null;
    this.attempt = 0;
    this.stopped = true;
    this.retryTimer = null;
    this.retrying = false;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    this.state = "stopped";
    this.wake = () => this.reconnectNow();
    this.onVisible = () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.onVisible);
    this.connect();
  }

  /** Stops for good: "expired" when the room is gone, "stopped" otherwise. */
  stop(state = "stopped") {
    this.stopped = true;
    removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.onVisible);
    clearTimeout(this.retryTimer);
    this.detach(1000);
    this.setState(state);
  }

  setState(state, detail = {}) {
    this.state = state;
    this.onState(state, detail);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.detach(1000); // never two sockets at once
    this.setState("connecting", { attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = ws;
    this.lastFrameAt = Date.now();
    ws.onopen = () => {
      this.lastFrameAt = Date.now();
      this.startPing();
    };
    ws.onmessage = (event) => {
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // not ours to understand
      }
      if (frame.type === "pong") return;
      if (frame.type === "ready") {
        this.attempt = 0;
        this.setState("live");
      }
      this.onFrame(frame);
    };
    // An error is always followed by close, which decides what happens next.
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      if (this.stopped) return;
      if (event.code === CLOSE_ROOM_EXPIRED) {
        this.onFrame({ type: "room_expired", closeCode: event.code });
        this.stop("expired");
        return;
      }
      this.scheduleReconnect();
    };
  }

  /** Forgets the current socket (its late events are ignored) and closes it. */
  detach(code = 1000) {
    clearInterval(this.pingTimer);
    const ws = this.socket;
    this.socket = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code);
    } catch {
      // already closing
    }
  }

  startPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      const ws = this.socket;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - this.lastFrameAt > STALE_MS) {
        // A half-open connection never fires close by itself: drop it and reconnect.
        this.drop();
        return;
      }
      ws.send(JSON.stringify({ type: "ping" }));
    }, PING_MS);
  }

  scheduleReconnect() {
    clearTimeout(this.retryTimer);
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    // "Equal jitter": at least half the ceiling, so retries still back off.
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.setState("reconnecting", { delay, attempt: this.attempt });
    this.retryTimer = setTimeout(() => this.retry(), delay);
  }

  async retry() {
    // One retry at a time: an "online" event may arrive while the check below runs.
    if (this.stopped || this.retrying) return;
    this.retrying = true;
    try {
      if (this.beforeReconnect) {
        let proceed = true;
        try {
          proceed = await this.beforeReconnect();
        } catch {
          // The check itself failed (offline?): just try the socket and back off again.
        }
        if (this.stopped || proceed === false) return;
      }
      this.connect();
    } finally {
      this.retrying = false;
    }
  }

  /** Back online or visible again: skip the rest of the back-off. */
  reconnectNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.retryTimer);
    this.retry();
  }

  /** Drops the connection as a network failure would; the stream then reconnects. */
  drop() {
    if (this.stopped || !this.socket) return;
    this.detach(4000);
    this.scheduleReconnect();
  }

  get connected() {
    return this.state === "live";
  }
}
