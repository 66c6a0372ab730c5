// Small pure formatting helpers for the transcript and the event log.

const two = (n) => String(n).padStart(2, "0");

/** "14:03:07" for a Date, epoch milliseconds or epoch seconds (values under 1e11). */
export function clockTime(when) {
  const ms = when instanceof Date ? when.getTime() : when < 1e11 ? when * 1000 : when;
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "850 ms" or "1.2 s". */
export function duration(ms) {
  if (!Number.isFinite(ms)) return "";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "12.3 KB" style byte counts. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * "1,234 tokens · about $0.0123": a conversation's usage so far; the cost only where the
 * backend has prices (it is 0 on the offline engine); "" before any usage.
 */
export function usageSummary(tokens, costUsd) {
  if (!(tokens > 0)) return "";
  const counted = `${tokens.toLocaleString("en-US")} tokens`;
  if (!(costUsd > 0)) return counted;
  return `${counted} \u00b7 about $${costUsd.toFixed(costUsd >= 1 ? 2 : 4)}`;
}

/** JSON text pretty-printed when it parses, else the text itself. */
export function prettyJson(text) {
  if (typeof text !== "string") return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Split "a, b\nc" into trimmed non-empty phrases. */
export function splitPhrases(text) {
  return text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}
