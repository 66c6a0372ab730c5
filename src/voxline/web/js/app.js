// The page controller: wires the connection, audio, transcript, event log and controls.

import { AudioEngine, newAudioStats } from "./audio.js";
import { CoachPanel } from "./coach.js";
import { Connection } from "./connection.js";
import { EventLog } from "./eventlog.js";
import { usageSummary } from "./format.js";
import { Prefs } from "./prefs.js";
import { askForToken, authHeaders, client, sessionUrl } from "./protocol.js";
import { Transcript } from "./transcript.js";

const $ = (id) => document.getElementById(id);
const PLAYBACK_REPORT_MS = 500;
const STATE_TEXT = {
  idle: "Disconnected",
  connecting: "Connecting\u2026",
  connected: "Connected",
  reconnecting: "Reconnecting\u2026",
  closed: "Disconnected",
};

/** Normalise GET /api/scenarios: a list, or {scenarios: [...]}, of names or objects. */
export function scenarioList(body) {
  const raw = Array.isArray(body) ? body : Array.isArray(body?.scenarios) ? body.scenarios : [];
  return raw
    .map((s) => (typeof s === "string" ? { name: s } : s))
    .filter((s) => s && typeof s.name === "string")
    .map((s) => ({ ...s, title: s.title ?? s.name, description: s.description ?? "" }));
}

/** True when two coach settings objects agree on the fields the page controls. */
export function sameCoach(a, b) {
  if (!a || !b) return false;
  const keys = ["quick_phrases", "full_phrases", "interrupt_phrases", "quick_window", "full_window"];
  return keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export class App {
  constructor({ storage = window.localStorage, location = window.location } = {}) {
    this.location = location;
    this.prefs = new Prefs(storage);
    this.stats = { ...newAudioStats(), timings: {}, eventsIn: 0, eventsOut: 0, reconnects: 0 };
    this.audio = new AudioEngine(this.stats);
    this.connection = new Connection();
    this.transcript = new Transcript($("transcript"), $("transcript-note"));
    this.log = new EventLog($("log"), $("log-count"));
    this.coach = new CoachPanel({
      onTrigger: (name) => this.send(client.trigger(name)),
      onApply: (settings) => this.applyCoach(settings),
    });
    this.session = null; // the last session.ready
    this.audioItem = null;
    this.talking = false;
    this.speaking = false;
    this.lastReport = { itemId: null, playedMs: -1, at: 0 };
    this.scenarios = [];
    this.coachSynced = false;
    this.coachRestart = false;
    this.lastError = null;
    this.bind();
  }

  // ---- setup -------------------------------------------------------------------------

  bind() {
    const c = this.connection;
    c.onState = (state, info) => this.onConnection(state, info);
    c.onEvent = (event) => this.onEvent(event);
    c.onAudio = (buffer) => this.onAudio(buffer);
    c.onProblem = (text) => this.showError(text);
    c.onSent = (event) => {
      if ("binary" in event) this.log.audio("out", event.binary);
      else {
        this.stats.eventsOut += 1;
        this.log.log("out", event);
      }
    };
    this.audio.onFrame = (pcm) => {
      if (this.connection.sendAudio(pcm)) {
        this.stats.timings.firstMicFrameMs ??= performance.now();
        this.stats.micFramesSent += 1;
        this.stats.micBytesSent += pcm.byteLength;
      }
    };
    this.audio.onLevel = (level) => {
      $("mic-level").value = level;
    };
    this.audio.onProgress = (p) => this.onPlayback(p);

    $("connect").addEventListener("click", () => this.toggleConnection());
    $("banner-close").addEventListener("click", () => {
      $("banner").hidden = true;
    });
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      this.sendText();
    });
    $("interrupt").addEventListener("click", () => this.interrupt());
    $("record").addEventListener("click", () => this.toggleRecording());
    $("scenario").addEventListener("change", (e) => this.prefs.set("scenario", e.target.value));

    const ptt = $("ptt-mode");
    ptt.checked = this.prefs.get("pushToTalk");
    ptt.addEventListener("change", () => {
      this.prefs.set("pushToTalk", ptt.checked);
      this.updateControls();
    });
    const mute = $("mute");
    mute.checked = this.prefs.get("muted");
    mute.addEventListener("change", () => {
      this.prefs.set("muted", mute.checked);
      this.audio.setMuted(mute.checked);
      this.updateControls();
    });
    const panel = $("log-panel");
    panel.open = this.prefs.get("logOpen");
    panel.addEventListener("toggle", () => this.prefs.set("logOpen", panel.open));
    $("log-filter").addEventListener("input", (e) => this.log.setFilter(e.target.value));
    $("log-clear").addEventListener("click", () => this.log.clear());
    const stored = this.prefs.get("coach");
    if (stored) this.coach.fill(stored);

    const talk = $("talk");
    talk.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      this.startTalking();
    });
    for (const type of ["pointerup", "pointerleave", "pointercancel"]) {
      talk.addEventListener(type, () => this.stopTalking());
    }
    window.addEventListener("keydown", (e) => {
      if (e.code === "Space" && !e.repeat && this.spaceIsOurs(e)) {
        e.preventDefault();
        this.startTalking();
      }
    });
    window.addEventListener("keyup", (e) => {
      if (e.code === "Space" && this.spaceIsOurs(e)) {
        e.preventDefault();
        this.stopTalking();
      }
    });
    window.addEventListener("blur", () => this.stopTalking());
    this.updateControls();
  }

  /** Space is push-to-talk unless the user is typing or on another control. */
  spaceIsOurs(e) {
    const tag = e.target?.tagName;
    const typing = ["INPUT", "TEXTAREA", "SELECT", "BUTTON", "SUMMARY"].includes(tag);
    return this.isPushToTalk && (!typing || e.target === $("talk"));
  }

  /** Load the scenario list; the page is ready to connect afterwards. */
  async loadScenarios() {
    const select = $("scenario");
    try {
      let response = await fetch("/api/scenarios", { headers: authHeaders(this.location) });
      if (response.status === 401 && askForToken()) {
        response = await fetch("/api/scenarios", { headers: authHeaders(this.location) });
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.scenarios = scenarioList(await response.json());
      if (this.scenarios.length === 0) throw new Error("the list is empty");
    } catch (error) {
      this.showError(`Could not load the scenarios (${error.message}); using customer_service.`);
      this.scenarios = scenarioList(["customer_service"]);
    }
    select.replaceChildren(
      ...this.scenarios.map((s) => {
        const option = new Option(s.title, s.name);
        option.title = s.description;
        return option;
      }),
    );
    const wanted = this.prefs.get("scenario");
    const fallback = this.scenarios.find((s) => s.default === true);
    if (this.scenarios.some((s) => s.name === wanted)) select.value = wanted;
    else if (fallback) select.value = fallback.name;
    this.updateControls();
    this.stats.timings.readyMs = performance.now();
    document.body.dataset.ready = "true";
  }

  // ---- connection --------------------------------------------------------------------

  get connected() {
    return this.connection.state === "connected" && this.session !== null;
  }

  get isPushToTalk() {
    return Boolean(this.session?.push_to_talk);
  }

  async toggleConnection() {
    const state = this.connection.state;
    if (state === "connected" || state === "connecting" || state === "reconnecting") {
      await this.disconnect();
      return;
    }
    this.stats.timings.connectClickMs = performance.now();
    $("connect").disabled = true;
    try {
      await this.audio.start();
      this.audio.setMuted(this.prefs.get("muted"));
      const micProblem = await this.audio.startMic();
      this.stats.timings.micStartMs ??= performance.now();
      this.setMicNote(micProblem);
    } catch (error) {
      this.setMicNote(`audio could not start (${error.message})`);
    }
    const scenario = $("scenario").value;
    const url = sessionUrl(this.location, {
      scenario,
      pushToTalk: this.prefs.get("pushToTalk"),
    });
    this.coachSynced = false;
    this.lastError = null;
    this.connection.connect(url);
  }

  async disconnect() {
    if (this.audio.isRecording) await this.toggleRecording();
    this.connection.disconnect();
    await this.audio.close();
    this.setMicNote(null);
  }

  setMicNote(problem) {
    const note = $("mic-note");
    note.hidden = !problem;
    note.textContent = problem ? `Microphone unavailable: ${problem}. You can type messages.` : "";
  }

  onConnection(state, info) {
    const pill = $("st-connection");
    pill.dataset.state = state;
    let text = STATE_TEXT[state] ?? state;
    if (state === "reconnecting" && info.attempt) text = `Reconnecting (attempt ${info.attempt})\u2026`;
    pill.textContent = text;
    if (state === "reconnecting" && info.delayMs !== undefined) {
      this.stats.reconnects += 1;
      if (this.session) this.transcript.system("Connection lost; reconnecting\u2026");
      this.session = null;
      this.resetSpeech();
    }
    if (state === "closed") {
      this.session = null;
      this.resetSpeech();
      if (info.fatal) {
        const why = this.lastError ?? (info.reason || `close code ${info.code}`);
        this.showError(`The server refused the conversation: ${why}`);
        this.audio.close();
        if (info.code === 4401 && askForToken()) this.toggleConnection();
      }
    }
    this.updateControls();
  }

  resetSpeech() {
    this.audio.sending = false;
    this.talking = false;
    this.setPill("st-listening", false);
    if (this.speaking) this.audio.flush();
    this.speaking = false;
    this.setPill("st-speaking", false);
  }

  send(event) {
    return this.connection.send(event);
  }

  // ---- inbound -----------------------------------------------------------------------

  onAudio(buffer) {
    this.log.audio("in", buffer.byteLength);
    this.audio.play(this.audioItem ?? "unknown", buffer);
  }

  onEvent(event) {
    this.stats.eventsIn += 1;
    this.log.log("in", event);
    const t = this.transcript;
    switch (event.type) {
      case "session.ready":
        return this.onReady(event);
      case "history.added":
      case "history.updated":
        return this.onHistory(event.item ?? {});
      case "transcript.delta":
        return t.delta(event.item_id, event.role, event.delta ?? "");
      case "audio.item":
        this.audioItem = event.item_id;
        return undefined;
      case "audio.interrupted":
        return this.flushPlayback();
      case "speech.started":
      case "speech.stopped":
        return this.setPill("st-listening", event.type === "speech.started");
      case "handoff":
        this.setAgent(event.to);
        return t.handoff(event.from, event.to, event.reason);
      case "tool.started":
        return t.toolStarted(event);
      case "tool.finished":
        return t.toolFinished(event);
      case "guardrail.tripped":
        return t.guardrail(event.item_id, event);
      case "trigger.fired":
        return t.trigger(event.trigger, event.action, event.phrase);
      case "coach.updated":
        this.coachRestart = true;
        if (event.coach) this.coach.fill(event.coach);
        return this.coach.setStatus("Applied: the coach starts a new conversation with them.");
      case "error":
        this.lastError = `${event.message ?? "(no message)"} (${event.code ?? "error"})`;
        return this.showError(this.lastError);
      case "session.ended":
        this.connection.wanted = false; // the server ended it on purpose: do not reconnect
        return t.system(event.message ?? "The conversation has ended.");
      case "usage":
        return this.showUsage(event.total?.total_tokens, event.total_cost_usd);
      default:
        return undefined; // connection, response.finished, pong: the log shows them
    }
  }

  onReady(event) {
    const again = this.stats.timings.sessionReadyMs !== undefined;
    this.session = event;
    this.stats.timings.sessionReadyMs ??= performance.now();
    this.setAgent(event.agent);
    this.showUsage(0, 0); // a new server session counts from zero
    const scenario = this.scenarios.find((s) => s.name === event.scenario);
    $("scenario-title").textContent = `${scenario?.title ?? event.scenario} \u00b7 ${event.backend}`;
    if (this.coachRestart) {
      this.transcript.system("New coach settings: a new conversation started.");
    } else if (again) {
      this.transcript.system(`Connected again (${event.scenario}); the transcript continues.`);
    }
    this.coachRestart = false;
    this.audio.sending = this.audio.hasMic && !this.isPushToTalk;
    const hasCoach = Boolean(event.coach) || (event.triggers ?? []).length > 0;
    this.coach.show(hasCoach);
    const stored = this.prefs.get("coach");
    if (hasCoach && event.coach) this.coach.fill(event.coach);
    if (hasCoach && stored && !this.coachSynced && !sameCoach(stored, event.coach)) {
      this.coachSynced = true; // once per connection: the server restarts on new settings
      this.coach.fill(stored);
      this.send(client.coachSettings(stored));
    }
    $("transcript-empty").hidden = true;
    this.updateControls();
  }

  onHistory(item) {
    const t = this.transcript;
    switch (item.kind) {
      case "message":
        return t.message(item);
      case "function_call":
        return t.toolStarted(item);
      case "function_call_output":
        return t.toolFinished({ ...item, duration_ms: (item.duration_s ?? 0) * 1000 });
      case "handoff":
        return t.handoff(item.from_agent, item.to_agent, item.reason, item.created_at);
      case "guardrail":
        return t.guardrail(item.item_id, item);
      case "trigger":
        return t.trigger(item.trigger, item.action, item.phrase, item.created_at);
      default:
        return undefined;
    }
  }

  setAgent(name) {
    $("agent-name").textContent = name ?? "\u2014";
  }

  showUsage(tokens, costUsd) {
    const summary = usageSummary(tokens, costUsd);
    $("usage").textContent = summary;
    $("usage").hidden = summary === "";
  }

  // ---- playback ----------------------------------------------------------------------

  onPlayback({ itemId, playedMs, playing }) {
    this.stats.playbackPlayedMs = playedMs;
    if (playing) this.stats.timings.firstAgentAudioMs ??= performance.now();
    if (playing !== this.speaking) {
      this.speaking = playing;
      this.setPill("st-speaking", playing);
    }
    const now = performance.now();
    const last = this.lastReport;
    const due = now - last.at >= PLAYBACK_REPORT_MS || !playing || itemId !== last.itemId;
    if (itemId && due && Math.round(playedMs) !== last.playedMs) this.reportPlayback(itemId, playedMs);
  }

  reportPlayback(itemId, playedMs) {
    this.lastReport = { itemId, playedMs: Math.round(playedMs), at: performance.now() };
    this.send(client.playback(itemId, playedMs));
  }

  /** Stop agent audio at once and tell the server how much was heard. */
  async flushPlayback() {
    const flushed = await this.audio.flush();
    if (flushed.itemId && flushed.itemId !== "unknown") {
      this.reportPlayback(flushed.itemId, flushed.playedMs);
    }
    return flushed;
  }

  /** The user cuts the agent off. */
  async interrupt() {
    await this.flushPlayback();
    this.send(client.interrupt());
  }

  // ---- input -------------------------------------------------------------------------

  sendText() {
    const input = $("text-input");
    const text = input.value.trim();
    if (!text || !this.connected) return;
    if (this.send(client.text(text))) input.value = "";
  }

  async startTalking() {
    if (!this.isPushToTalk || !this.connected || this.talking || !this.audio.hasMic) return;
    this.talking = true;
    $("talk").setAttribute("aria-pressed", "true");
    this.setPill("st-listening", true);
    if (this.speaking) await this.interrupt();
    this.send(client.clear());
    this.audio.sending = this.talking;
  }

  stopTalking() {
    if (!this.talking) return;
    this.talking = false;
    this.audio.sending = false;
    $("talk").setAttribute("aria-pressed", "false");
    this.setPill("st-listening", false);
    this.send(client.commit());
  }

  applyCoach(settings) {
    this.prefs.set("coach", settings);
    const sent = this.send(client.coachSettings(settings));
    this.coach.setStatus(sent ? "Sent to the server." : "Saved; sent when you connect.");
  }

  async toggleRecording() {
    const link = $("download");
    if (!this.audio.isRecording) {
      if (this.audio.startRecording()) {
        link.hidden = true;
        this.setPill("st-recording", true);
      }
      this.updateControls();
      return;
    }
    const wav = await this.audio.stopRecording();
    this.setPill("st-recording", false);
    this.updateControls();
    if (!wav) return;
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([wav], { type: "audio/wav" }));
    const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
    link.download = `voxline-${stamp}.wav`;
    link.hidden = false;
    this.stats.lastRecordingBytes = wav.byteLength;
    link.click();
  }

  // ---- view --------------------------------------------------------------------------

  setPill(id, on) {
    $(id).hidden = !on;
  }

  showError(text) {
    $("banner-text").textContent = text;
    $("banner").hidden = false;
  }

  updateControls() {
    const state = this.connection.state;
    const live = state === "connected" || state === "connecting" || state === "reconnecting";
    const ready = this.connected;
    const connect = $("connect");
    connect.textContent = live ? "Disconnect" : "Connect";
    connect.disabled = this.scenarios.length === 0;
    connect.classList.toggle("primary", !live);
    $("scenario").disabled = live || this.scenarios.length === 0;
    $("text-input").disabled = !ready;
    $("send").disabled = !ready;
    $("interrupt").disabled = !ready;
    $("record").disabled = !ready && !this.audio.isRecording;
    $("record").textContent = this.audio.isRecording ? "Stop recording" : "Record";
    $("record").setAttribute("aria-pressed", String(this.audio.isRecording));
    const ptt = this.isPushToTalk;
    const talk = $("talk");
    talk.hidden = ready ? !ptt : !this.prefs.get("pushToTalk");
    talk.disabled = !(ready && ptt && this.audio.hasMic);
    const hint = $("ptt-hint");
    const pending = ready && this.prefs.get("pushToTalk") !== ptt;
    hint.hidden = !pending;
    hint.textContent = pending ? "The talk mode changes when you connect again." : "";
    this.setPill("st-muted", this.prefs.get("muted"));
  }
}
