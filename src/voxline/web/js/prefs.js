// User preferences kept in localStorage: push-to-talk, mute, log panel, scenario, coach.

export const PREFS_KEY = "voxline.prefs.v1";

/** The coach settings a new user starts with (mirrors voxline.scenarios.CoachSettings). */
export const DEFAULT_COACH = Object.freeze({
  quick_phrases: ["good question"],
  full_phrases: ["full guidance", "help me out here"],
  interrupt_phrases: ["got it"],
  quick_window: 3,
  full_window: 10,
});

export const DEFAULTS = Object.freeze({
  pushToTalk: false,
  muted: false,
  logOpen: true,
  scenario: "",
  coach: null,
});

const phrases = (value) =>
  Array.isArray(value) && value.every((p) => typeof p === "string") ? value : null;
const windowSize = (value) => (Number.isInteger(value) && value >= 1 && value <= 100 ? value : null);

/** Valid coach settings or null: every field checked, nothing half-trusted. */
export function checkCoach(value) {
  if (!value || typeof value !== "object") return null;
  const out = {
    quick_phrases: phrases(value.quick_phrases),
    full_phrases: phrases(value.full_phrases),
    interrupt_phrases: phrases(value.interrupt_phrases),
    quick_window: windowSize(value.quick_window),
    full_window: windowSize(value.full_window),
  };
  const ok = Object.values(out).every((v) => v !== null && (!Array.isArray(v) || v.length > 0));
  return ok ? out : null;
}

/** Preferences from `raw` JSON text, falling back field by field to DEFAULTS. */
export function parsePrefs(raw) {
  let data = {};
  try {
    data = JSON.parse(raw ?? "{}") ?? {};
  } catch {
    data = {};
  }
  const bool = (key) => (typeof data[key] === "boolean" ? data[key] : DEFAULTS[key]);
  return {
    pushToTalk: bool("pushToTalk"),
    muted: bool("muted"),
    logOpen: bool("logOpen"),
    scenario: typeof data.scenario === "string" ? data.scenario : DEFAULTS.scenario,
    coach: checkCoach(data.coach),
  };
}

/** Preferences bound to a Storage (window.localStorage, or a stand-in in tests). */
export class Prefs {
  constructor(storage) {
    this.storage = storage;
    let raw = null;
    try {
      raw = storage?.getItem(PREFS_KEY) ?? null;
    } catch {
      raw = null; // storage disabled (private mode): preferences live for this page only
    }
    this.values = parsePrefs(raw);
  }

  get(key) {
    return this.values[key];
  }

  set(key, value) {
    this.values = { ...this.values, [key]: value };
    try {
      this.storage?.setItem(PREFS_KEY, JSON.stringify(this.values));
    } catch {
      // quota or disabled storage: keep the value in memory
    }
  }
}
