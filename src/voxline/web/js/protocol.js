// The browser side of docs/bridge.md: the session URL, client events, server frame parsing.

/** Close codes after which reconnecting cannot help (docs/bridge.md). */
export const FATAL_CLOSE_CODES = new Set([4400, 4401]);

/** Largest binary audio frame the server accepts (2 s of PCM16 at 24 kHz). */
export const MAX_AUDIO_FRAME_BYTES = 96000;

/** Every event type the server may send; anything else is logged and shown as unknown. */
export const SERVER_EVENTS = new Set([
  "session.ready",
  "connection",
  "history.added",
  "history.updated",
  "transcript.delta",
  "audio.item",
  "audio.interrupted",
  "speech.started",
  "speech.stopped",
  "response.finished",
  "handoff",
  "tool.started",
  "tool.finished",
  "guardrail.tripped",
  "trigger.fired",
  "usage",
  "error",
  "pong",
  "coach.updated",
  "session.ended",
]);

/** Where the page keeps the server's access key (asked for once, on 401 / close 4401). */
export const TOKEN_KEY = "voxline.token";

/** The access key: `?token=` on the page's URL, else the one the user gave before. */
export function accessToken(location) {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) return fromUrl;
  try {
    return globalThis.localStorage?.getItem(TOKEN_KEY) || null;
  } catch {
    return null; // storage disabled
  }
}

/** Ask the user for the access key and keep it; true when one was given. */
export function askForToken(prompt = globalThis.prompt) {
  const given = prompt?.("This server needs an access key (ask whoever runs it):")?.trim();
  if (!given) return false;
  try {
    globalThis.localStorage?.setItem(TOKEN_KEY, given);
  } catch {
    return false;
  }
  return true;
}

/** Headers for the REST API: `Authorization: Bearer <key>` when there is a key. */
export function authHeaders(location) {
  const token = accessToken(location);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Trigger names the voice coach buttons send. */
export const TRIGGERS = Object.freeze({
  quickHint: "quick_hint",
  fullGuidance: "full_guidance",
  interrupt: "interrupt",
});

/**
 * The WebSocket URL of a conversation.
 * @param {Location | URL} location the page's location (its host, scheme and ?token=)
 * @param {{scenario: string, pushToTalk: boolean}} options
 */
export function sessionUrl(location, { scenario, pushToTalk }) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = new URL(`${scheme}//${location.host}/ws/session`);
  url.searchParams.set("scenario", scenario);
  url.searchParams.set("push_to_talk", pushToTalk ? "true" : "false");
  const token = accessToken(location);
  if (token) url.searchParams.set("token", token);
  return url.toString();
}

/** Client event builders: one per row of the browser -> server table. */
export const client = {
  text: (text) => ({ type: "text", text }),
  commit: () => ({ type: "audio.commit" }),
  clear: () => ({ type: "audio.clear" }),
  respond: () => ({ type: "response.create" }),
  interrupt: () => ({ type: "interrupt" }),
  trigger: (name) => ({ type: "trigger", name }),
  playback: (itemId, playedMs) => ({
    type: "playback",
    item_id: itemId,
    played_ms: Math.max(0, Math.round(playedMs)),
  }),
  coachSettings: (s) => ({
    type: "coach.settings",
    quick_phrases: s.quick_phrases,
    full_phrases: s.full_phrases,
    interrupt_phrases: s.interrupt_phrases,
    quick_window: s.quick_window,
    full_window: s.full_window,
  }),
  ping: () => ({ type: "ping" }),
};

/**
 * Parse one text frame from the server.
 * @param {string} text
 * @returns {{ok: true, event: object} | {ok: false, reason: string}}
 */
export function parseServerText(text) {
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    return { ok: false, reason: "the server sent a frame that is not JSON" };
  }
  if (!event || typeof event !== "object" || typeof event.type !== "string") {
    return { ok: false, reason: "the server sent JSON without a type" };
  }
  return { ok: true, event };
}

/** Split PCM16 bytes into frames the server accepts (even length, at most the max size). */
export function audioFrames(buffer, maxBytes = MAX_AUDIO_FRAME_BYTES) {
  const frames = [];
  const usable = buffer.byteLength - (buffer.byteLength % 2);
  for (let start = 0; start < usable; start += maxBytes) {
    frames.push(buffer.slice(start, Math.min(usable, start + maxBytes)));
  }
  return frames;
}
