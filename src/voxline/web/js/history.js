// The History view (#history): stored conversations, a page at a time, and a read-only replay
// of one transcript with its exports. Talks to /api/conversations only.

const PAGE = 20;
const TOKEN_KEY = "voxline.token";

/** Bearer header from ?token= or the key saved by the main page (same rule as protocol.js). */
export function historyHeaders(location = window.location, storage = window.localStorage) {
  const token = new URLSearchParams(location.search).get("token") || storage?.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The list URL for a filter { scenario, since, until } and an offset. */
export function listUrl(filter, offset) {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const key of ["scenario", "since", "until"]) {
    if (filter[key]) params.set(key, filter[key]);
  }
  return `/api/conversations?${params}`;
}

/** "2026-01-31 14:03" in local time for epoch seconds. */
export function when(epoch) {
  if (epoch === null || epoch === undefined) return "-";
  const d = new Date(epoch * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** One transcript line for a stored item: { who, text, kind } (null for nothing to show). */
export function describeItem(item) {
  switch (item.kind) {
    case "message": {
      const who = item.role === "user" ? "You" : item.agent || item.role;
      const cut = item.status === "incomplete" ? " (cut off)" : "";
      return { kind: `message ${item.role}`, who, text: `${item.text || "(no transcript)"}${cut}` };
    }
    case "function_call":
      return { kind: "tool", who: "tool call", text: `${item.name} ${item.arguments}` };
    case "function_call_output":
      return {
        kind: item.is_error ? "tool error" : "tool",
        who: "tool result",
        text: `${item.name}: ${item.output}`,
      };
    case "handoff":
      return { kind: "handoff", who: "handoff", text: `${item.from_agent} → ${item.to_agent}` };
    case "guardrail":
      return { kind: "guardrail", who: "guardrail", text: `${item.guardrail}: ${item.category}` };
    case "trigger":
      return { kind: "trigger", who: "trigger", text: `${item.trigger} → ${item.action}` };
    default:
      return null;
  }
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

export class HistoryView {
  /** @param {HTMLElement} root the #history section */
  constructor(root, { fetchFn = (...a) => window.fetch(...a), headers = historyHeaders } = {}) {
    this.root = root;
    this.fetch = fetchFn;
    this.headers = headers;
    this.filter = { scenario: "", since: "", until: "" };
    this.offset = 0;
    this.total = 0;
    this.build();
  }

  build() {
    const form = el("form", { className: "history-filter" });
    // free text (conversations of a scenario no longer offered stay findable), with the
    // server's scenarios suggested
    this.scenarioNames = el("datalist", { id: "history-scenarios" });
    this.scenario = el("input", { type: "search", placeholder: "any scenario", name: "scenario" });
    this.scenario.setAttribute("list", "history-scenarios");
    this.since = el("input", { type: "date", name: "since", title: "from" });
    this.until = el("input", { type: "date", name: "until", title: "to (inclusive)" });
    form.append(
      el("label", {}, "Scenario ", this.scenario, this.scenarioNames),
      el("label", {}, "From ", this.since),
      el("label", {}, "To ", this.until),
      el("button", { type: "submit" }, "Filter"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.filter = { scenario: this.scenario.value.trim(), since: this.since.value, until: this.until.value };
      this.offset = 0;
      this.load();
    });
    this.list = el("ol", { className: "history-list" });
    this.prev = el("button", { type: "button", disabled: true }, "Newer");
    this.next = el("button", { type: "button", disabled: true }, "Older");
    this.count = el("span", { className: "history-count" });
    this.prev.addEventListener("click", () => this.page(-PAGE));
    this.next.addEventListener("click", () => this.page(PAGE));
    this.detail = el("article", { className: "history-detail", hidden: true });
    this.message = el("p", { className: "history-message", hidden: true });
    this.root.replaceChildren(
      el("a", { href: "#", className: "history-back" }, "← Back to the conversation"),
      el("h2", {}, "History"),
      form,
      this.message,
      this.list,
      el("div", { className: "history-pager" }, this.prev, this.count, this.next),
      this.detail,
    );
  }

  page(delta) {
    this.offset = Math.max(0, this.offset + delta);
    this.load();
  }

  say(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
  }

  async get(url, init = {}) {
    const response = await this.fetch(url, { ...init, headers: this.headers() });
    if (!response.ok && response.status !== 204) {
      let detail = `HTTP ${response.status}`;
      try {
        detail = (await response.json()).detail || detail;
      } catch {
        // not JSON: keep the status
      }
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return response;
  }

  /** Suggest the scenarios the server offers (once); the filter works without them. */
  async suggestScenarios() {
    if (this.scenarioNames.childElementCount) return;
    try {
      const listed = await (await this.get("/api/scenarios")).json();
      for (const entry of listed) {
        const name = typeof entry === "string" ? entry : entry.name;
        this.scenarioNames.append(el("option", { value: name }, entry.title || name));
      }
    } catch {
      // no suggestions: the list itself reports problems
    }
  }

  async load() {
    this.suggestScenarios();
    try {
      const page = await (await this.get(listUrl(this.filter, this.offset))).json();
      this.total = page.total;
      this.renderList(page.conversations);
      this.say(page.total ? "" : "No conversations stored yet.");
    } catch (error) {
      this.say(`Cannot load the history: ${error.message}`);
    }
  }

  renderList(conversations) {
    this.list.replaceChildren(
      ...conversations.map((c) => {
        const open = el("button", { type: "button", className: "history-row" });
        open.append(
          el("span", { className: "when" }, when(c.started_at)),
          el("span", { className: "scenario" }, c.scenario),
          el("span", { className: "items" }, `${c.item_count} items`),
          el("span", { className: "ended" }, c.end_reason || (c.ended_at ? "" : "unfinished")),
        );
        open.dataset.id = c.id;
        open.addEventListener("click", () => this.show(c.id));
        return el("li", {}, open);
      }),
    );
    const last = this.offset + conversations.length;
    this.count.textContent = this.total ? `${this.offset + 1}–${last} of ${this.total}` : "";
    this.prev.disabled = this.offset === 0;
    this.next.disabled = last >= this.total;
  }

  async show(id) {
    try {
      const body = await (await this.get(`/api/conversations/${encodeURIComponent(id)}`)).json();
      this.renderDetail(body);
    } catch (error) {
      this.say(`Cannot open the conversation: ${error.message}`);
    }
  }

  renderDetail({ conversation: c, items, turns }) {
    const base = `/api/conversations/${encodeURIComponent(c.id)}/export?format=`;
    const exports = el("div", { className: "history-exports" });
    for (const [format, label] of [["md", "Markdown"], ["json", "JSON"], ["wav", "Recording (WAV)"]]) {
      if (format === "wav" && !c.has_recording) continue;
      const button = el("button", { type: "button" }, label);
      button.addEventListener("click", () => this.download(base + format, `conversation-${c.id}.${format}`));
      exports.append(button);
    }
    const remove = el("button", { type: "button", className: "danger" }, "Delete");
    remove.addEventListener("click", () => this.remove(c.id));
    exports.append(remove);
    const latency = turns.length
      ? ` · median turn latency ${[...turns].map((t) => t.latency_ms).sort((a, b) => a - b)[Math.floor(turns.length / 2)]} ms`
      : "";
    const facts = `${c.scenario} · ${c.backend} · ${when(c.started_at)} · ${c.total_tokens} tokens` +
      (c.cost_usd ? ` · $${c.cost_usd.toFixed(4)}` : "") + latency;
    const lines = el("ol", { className: "history-transcript" });
    for (const item of items) {
      const line = describeItem(item);
      if (!line) continue;
      const li = el("li", { className: line.kind });
      li.append(el("strong", {}, `${line.who}: `), el("span", {}, line.text));
      lines.append(li);
    }
    this.detail.replaceChildren(el("h3", {}, `Conversation ${c.id}`), el("p", {}, facts), exports, lines);
    this.detail.hidden = false;
    this.detail.dataset.id = c.id;
  }

  async download(url, name) {
    try {
      const blob = await (await this.get(url)).blob();
      const link = el("a", { href: URL.createObjectURL(blob), download: name });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      this.say(`Cannot export: ${error.message}`);
    }
  }

  async remove(id) {
    if (!window.confirm(`Delete conversation ${id}? This cannot be undone.`)) return;
    try {
      await this.get(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
      this.detail.hidden = true;
      await this.load();
    } catch (error) {
      this.say(`Cannot delete: ${error.message}`);
    }
  }
}

/** Show the History view while the page's hash is #history, the live view otherwise. */
export function mountHistory(doc = document) {
  const root = doc.getElementById("history");
  const live = doc.querySelector("main.layout");
  if (!root || !live) return null;
  const view = new HistoryView(root);
  const route = () => {
    const on = doc.location.hash === "#history";
    root.hidden = !on;
    live.hidden = on;
    if (on) view.load();
  };
  window.addEventListener("hashchange", route);
  route();
  return view;
}

if (typeof document !== "undefined" && document.getElementById("history")) {
  mountHistory();
}
