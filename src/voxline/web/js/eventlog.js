// The event log: every client and server event with direction, time and type, expandable
// to its JSON, filterable, capped. Binary audio frames are counted on one line per burst.

import { bytes, clockTime } from "./format.js";
import { StickToBottom } from "./scroll.js";

const ARROW = { in: "\u2193", out: "\u2191" };
const LABEL = { in: "server \u2192 page", out: "page \u2192 server" };
const BURST_MS = 10000;

export class EventLog {
  /**
   * @param {HTMLOListElement} list
   * @param {HTMLElement} counter shows how many entries are kept
   * @param {{cap?: number, now?: () => number}} options
   */
  constructor(list, counter, { cap = 1000, now = () => Date.now() } = {}) {
    this.list = list;
    this.counter = counter;
    this.cap = cap;
    this.now = now;
    this.filter = "";
    this.total = 0;
    this.bursts = { in: null, out: null };
    this.scroll = new StickToBottom(list.parentElement);
  }

  entry(dir, type, search) {
    const li = document.createElement("li");
    li.className = `log-entry ${dir}`;
    li.dataset.type = type;
    li.dataset.search = search.toLowerCase();
    li.hidden = !this.matches(li);
    this.list.append(li);
    this.total += 1;
    while (this.list.children.length > this.cap) this.list.firstElementChild.remove();
    this.counter.textContent = String(this.list.children.length);
    this.scroll.changed();
    return li;
  }

  /** Log one JSON event; `dir` is "in" (from the server) or "out" (to it). */
  log(dir, event) {
    const type = String(event?.type ?? "(no type)");
    const json = JSON.stringify(event);
    const li = this.entry(dir, type, `${type} ${json}`);
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.append(this.head(dir, type));
    const pre = document.createElement("pre");
    details.append(summary, pre);
    details.addEventListener("toggle", () => {
      if (details.open && !pre.textContent) pre.textContent = JSON.stringify(event, null, 2);
    });
    li.append(details);
    if (dir === "out" || type.startsWith("audio.")) this.bursts[dir] = null;
    return li;
  }

  head(dir, type) {
    const frag = document.createDocumentFragment();
    const time = document.createElement("time");
    time.textContent = clockTime(this.now());
    const arrow = document.createElement("span");
    arrow.className = "dir";
    arrow.textContent = ARROW[dir];
    arrow.title = LABEL[dir];
    const name = document.createElement("code");
    name.textContent = type;
    frag.append(time, " ", arrow, " ", name);
    return frag;
  }

  /** Count a binary audio frame on the current burst line of its direction. */
  audio(dir, byteCount) {
    let burst = this.bursts[dir];
    const now = this.now();
    if (!burst || !burst.li.isConnected || now - burst.started > BURST_MS) {
      const li = this.entry(dir, "audio", "audio binary pcm16");
      li.classList.add("binary");
      const line = document.createElement("div");
      line.className = "line";
      line.append(this.head(dir, "audio (binary)"));
      const count = document.createElement("span");
      count.className = "count";
      line.append(" ", count);
      li.append(line);
      burst = { li, count, frames: 0, bytes: 0, started: now };
      this.bursts[dir] = burst;
    }
    burst.frames += 1;
    burst.bytes += byteCount;
    const ms = Math.round(burst.bytes / 48);
    burst.count.textContent = `${burst.frames} frame${burst.frames === 1 ? "" : "s"}, ${bytes(burst.bytes)} (${ms} ms PCM16)`;
  }

  matches(li) {
    return this.filter === "" || li.dataset.search.includes(this.filter);
  }

  /** Show only entries whose type or JSON contains `text` (case-insensitive). */
  setFilter(text) {
    this.filter = text.trim().toLowerCase();
    for (const li of this.list.children) li.hidden = !this.matches(li);
  }

  /** Remove every entry. */
  clear() {
    this.list.replaceChildren();
    this.bursts = { in: null, out: null };
    this.counter.textContent = "0";
  }
}
