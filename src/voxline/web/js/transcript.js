// The transcript: message bubbles that fill in as text streams, plus breadcrumbs for
// handoffs, tool calls, triggers and guardrails. Capped so long conversations stay smooth.

import { clockTime, duration, prettyJson } from "./format.js";
import { StickToBottom } from "./scroll.js";

const HANDOFF_PREFIX = "transfer_to_";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Transcript {
  /**
   * @param {HTMLOListElement} list where entries go
   * @param {HTMLElement} note shows how many early entries were dropped
   * @param {{cap?: number, now?: () => number}} options
   */
  constructor(list, note, { cap = 200, now = () => Date.now() } = {}) {
    this.list = list;
    this.note = note;
    this.cap = cap;
    this.now = now;
    this.messages = new Map(); // item id -> {li, text, final}
    this.tools = new Map(); // call id -> {li, state, args, result}
    this.hidden = 0;
    this.lastCrumb = "";
    this.scroll = new StickToBottom(list.parentElement, 80);
  }

  /** Append an entry, keeping the list within the cap and the view scrolled to the end. */
  add(li) {
    this.list.append(li);
    while (this.list.children.length > this.cap) {
      const first = this.list.firstElementChild;
      if (first.dataset.itemId) this.messages.delete(first.dataset.itemId);
      if (first.dataset.callId) this.tools.delete(first.dataset.callId);
      first.remove();
      this.hidden += 1;
    }
    if (this.hidden > 0) {
      this.note.hidden = false;
      this.note.textContent =
        `${this.hidden} earlier entr${this.hidden === 1 ? "y is" : "ies are"} hidden ` +
        `to keep the page fast (the last ${this.cap} are shown).`;
    }
    this.scroll.changed();
    return li;
  }

  /** Create or update a message bubble from a history item. */
  message(item) {
    if (item.role === "system") return;
    const entry = this.messages.get(item.id) ?? this.newBubble(item.id, item.role, item);
    if (item.agent && item.role === "assistant") {
      entry.who.textContent = item.agent;
    }
    if (typeof item.text === "string" && item.text.length > 0) {
      entry.text.textContent = item.text;
      entry.li.classList.remove("pending");
    }
    if (item.status === "completed" && item.text) entry.final = true;
    entry.status.textContent = item.status === "incomplete" ? "interrupted" : "";
    entry.li.classList.toggle("incomplete", item.status === "incomplete");
    if (item.flag) this.guardrail(item.id, item.flag);
  }

  newBubble(id, role, item = {}) {
    const li = el("li", `entry msg ${role} pending`);
    li.dataset.itemId = id;
    const meta = el("div", "meta");
    const who = el("span", "who", role === "user" ? "You" : (item.agent ?? "Agent"));
    const time = el("time", "", clockTime(item.created_at ?? this.now()));
    const status = el("span", "status");
    meta.append(who, time, status);
    const text = el("p", "text", "\u2026");
    const chips = el("div", "chips");
    li.append(meta, text, chips);
    const entry = { li, who, text, status, chips, final: false, streamed: false };
    this.messages.set(id, entry);
    this.add(li);
    return entry;
  }

  /** Stream text into a bubble (created on the first delta if the item is unknown yet). */
  delta(itemId, role, delta) {
    const entry = this.messages.get(itemId) ?? this.newBubble(itemId, role);
    if (entry.final) return;
    if (!entry.streamed) {
      entry.text.textContent = "";
      entry.streamed = true;
      entry.li.classList.remove("pending");
    }
    entry.text.textContent += delta;
    this.scroll.changed();
  }

  /** A tool call started (from `tool.started` or a `function_call` history item). */
  toolStarted({ call_id: callId, name, arguments: args, agent }) {
    if (!callId || name?.startsWith(HANDOFF_PREFIX)) return;
    const tool = this.tools.get(callId) ?? this.newTool(callId, name);
    if (args !== undefined) tool.args.textContent = prettyJson(args);
    if (agent) tool.agent.textContent = `called by ${agent}`;
  }

  newTool(callId, name) {
    const li = el("li", "entry crumb tool running");
    li.dataset.callId = callId;
    const details = el("details");
    const summary = el("summary");
    const state = el("span", "state", "running\u2026");
    summary.append(el("span", "icon", "\u2699"), " Tool ", el("code", "", name), " ", state);
    const args = el("pre", "args");
    const result = el("pre", "result", "(waiting)");
    const agent = el("p", "agent");
    details.append(summary, el("h4", "", "Arguments"), args, el("h4", "", "Result"), result, agent);
    li.append(details, el("time", "", clockTime(this.now())));
    const tool = { li, state, args, result, agent };
    this.tools.set(callId, tool);
    this.add(li);
    return tool;
  }

  /** A tool call finished (from `tool.finished` or a `function_call_output` item). */
  toolFinished({ call_id: callId, name, output, is_error: isError, duration_ms: ms }) {
    if (!callId || name?.startsWith(HANDOFF_PREFIX)) return;
    const tool = this.tools.get(callId) ?? this.newTool(callId, name ?? "tool");
    tool.li.classList.remove("running");
    tool.li.classList.toggle("failed", Boolean(isError));
    if (output !== undefined) tool.result.textContent = prettyJson(output);
    const took = Number.isFinite(ms) ? ` in ${duration(ms)}` : "";
    tool.state.textContent = `${isError ? "failed" : "done"}${took}`;
  }

  crumb(kind, key, text, when) {
    if (key && key === this.lastCrumb) return null; // event and history item: show once
    this.lastCrumb = key ?? "";
    const li = el("li", `entry crumb ${kind}`);
    li.append(el("span", "text", text), el("time", "", clockTime(when ?? this.now())));
    return this.add(li);
  }

  /** Breadcrumb: the active agent changed. */
  handoff(from, to, reason, when) {
    const why = reason ? ` (${reason})` : "";
    return this.crumb("handoff", `handoff:${from}:${to}`, `Handoff: ${from} \u2192 ${to}${why}`, when);
  }

  /** Breadcrumb: a trigger phrase or button fired. */
  trigger(trigger, action, phrase, when) {
    const said = phrase ? ` on \u201c${phrase}\u201d` : "";
    return this.crumb("trigger", `trigger:${trigger}:${phrase}`, `Trigger ${trigger}${said}: ${action}`, when);
  }

  /** A note from the page itself (connection lost, reconnected, ...). */
  system(text) {
    this.lastCrumb = "";
    return this.crumb("system", null, text);
  }

  /** A chip on the flagged message (or a breadcrumb when it is not on screen). */
  guardrail(itemId, { guardrail, category, rationale }) {
    const entry = this.messages.get(itemId);
    if (!entry) {
      this.crumb("guardrail", `guardrail:${itemId}`, `Guardrail ${guardrail}: ${category}: ${rationale}`);
      return;
    }
    if (entry.chips.querySelector(`[data-guardrail="${CSS.escape(guardrail)}"]`)) return;
    const chip = el("details", "chip guardrail");
    chip.dataset.guardrail = guardrail;
    const summary = el("summary", "", `Flagged: ${category}`);
    chip.append(summary, el("p", "", `${rationale} (${guardrail})`));
    chip.open = true;
    entry.chips.append(chip);
    entry.li.classList.add("flagged");
  }

  /** Remove everything. */
  clear() {
    this.list.replaceChildren();
    this.messages.clear();
    this.tools.clear();
    this.hidden = 0;
    this.note.hidden = true;
    this.lastCrumb = "";
  }
}
