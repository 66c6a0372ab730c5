// Reconnect delays: exponential backoff with jitter, capped, reset after a good connection.

export class Backoff {
  /**
   * @param {{baseMs?: number, maxMs?: number, jitter?: number, random?: () => number}} options
   *   jitter is the fraction of each delay that is randomised (0 = none).
   */
  constructor({ baseMs = 500, maxMs = 10000, jitter = 0.3, random = Math.random } = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.jitter = jitter;
    this.random = random;
    this.attempt = 0;
  }

  /** The delay before the next attempt (ms); counts the attempt. */
  next() {
    const raw = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(raw * (1 - this.jitter * this.random()));
  }

  /** Start over (after a connection that worked). */
  reset() {
    this.attempt = 0;
  }
}
