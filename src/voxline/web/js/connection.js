// One conversation's WebSocket, reconnected with backoff when it drops unexpectedly.

import { Backoff } from "./backoff.js";
import { FATAL_CLOSE_CODES, parseServerText } from "./protocol.js";

/**
 * States: "idle", "connecting", "connected", "reconnecting", "closed".
 * Callbacks (all optional): onState(state, info), onEvent(event), onAudio(ArrayBuffer),
 * onSent(event | {binary: bytes}), onProblem(text).
 */
export class Connection {
  constructor({ backoff = new Backoff(), WebSocketImpl = WebSocket } = {}) {
    this.backoff = backoff;
    this.WebSocketImpl = WebSocketImpl;
    this.socket = null;
    this.url = null;
    this.state = "idle";
    this.timer = null;
    this.pingTimer = null;
    this.wanted = false;
    this.attempt = 0;
  }

  /** Open `url` (and keep it open until disconnect()). */
  connect(url) {
    this.url = url;
    this.wanted = true;
    this.attempt = 0;
    this.backoff.reset();
    this.open("connecting");
  }

  open(state) {
    clearTimeout(this.timer);
    this.setState(state, { attempt: this.attempt });
    const socket = new this.WebSocketImpl(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this.backoff.reset();
      this.setState("connected", {});
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), 20000);
    };
    socket.onmessage = (e) => {
      if (socket !== this.socket) return;
      if (typeof e.data === "string") {
        const parsed = parseServerText(e.data);
        if (parsed.ok) this.onEvent?.(parsed.event);
        else this.onProblem?.(parsed.reason);
      } else {
        this.onAudio?.(e.data);
      }
    };
    socket.onclose = (e) => {
      if (socket !== this.socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      if (!this.wanted) {
        this.setState("closed", { code: e.code, reason: e.reason });
      } else if (FATAL_CLOSE_CODES.has(e.code)) {
        this.wanted = false;
        this.setState("closed", { code: e.code, reason: e.reason, fatal: true });
      } else {
        this.scheduleReconnect(e);
      }
    };
  }

  scheduleReconnect(closeEvent) {
    this.attempt += 1;
    const delay = this.backoff.next();
    this.setState("reconnecting", {
      attempt: this.attempt,
      delayMs: delay,
      code: closeEvent.code,
      reason: closeEvent.reason,
    });
    this.timer = setTimeout(() => {
      if (this.wanted) this.open("reconnecting");
    }, delay);
  }

  setState(state, info) {
    this.state = state;
    this.onState?.(state, info);
  }

  /** True when frames can be sent. */
  get isOpen() {
    return this.socket?.readyState === this.WebSocketImpl.OPEN;
  }

  /** Send a client event (JSON). Returns false when not connected. */
  send(event) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(event));
    this.onSent?.(event);
    return true;
  }

  /** Send a binary audio frame. Returns false when not connected. */
  sendAudio(buffer) {
    if (!this.isOpen) return false;
    this.socket.send(buffer);
    this.onSent?.({ binary: buffer.byteLength });
    return true;
  }

  /** Close for good (no reconnect). */
  disconnect() {
    this.wanted = false;
    clearTimeout(this.timer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    if (socket) {
      socket.close(1000, "closed by the user");
    } else {
      this.setState("closed", { code: 1000 });
    }
  }

  /** Drop the socket as a network failure would (tests and the debug hook use it). */
  simulateDrop() {
    this.socket?.close(4000, "simulated drop");
  }
}
