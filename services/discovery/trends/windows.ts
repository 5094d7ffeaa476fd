// The windows trends are counted in, and the counting itself for the
// in-process store (the Redis store does the same in a script, next to the
// data). Windows are one hour long and aligned on "now": the current hour is
// [now - 1 h, now), the hour before it [now - 2 h, now - 1 h), and so on for
// the 13 hours the decay looks back at, each also 1 to 7 days earlier for the
// tag's own baseline. Since 13 hours < 1 day, every tweet falls in at most
// one window.
import type { TagWindows, WindowSpec } from "../store/port.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Days of baseline: the same hour of each of the previous 7 days. */
export const BASELINE_DAYS = 7;
/** Hours the decay looks back at (the current one and 12 before it). */
export const LOOKBACK_HOURS = 13;
/** What must be kept: the oldest window ends 7 days and 13 hours back; 8 days, as the issue says. */
export const RETENTION_MS = 8 * DAY_MS;

export function windowSpec(now: number): WindowSpec {
  return { now, hourMs: HOUR_MS, dayMs: DAY_MS, days: BASELINE_DAYS, hours: LOOKBACK_HOURS };
}

/** The window (d, k) a time falls in, or undefined. */
export function windowOf(at: number, spec: WindowSpec): { d: number; k: number } | undefined {
  for (let d = 0; d <= spec.days; d++) {
    const end = spec.now - d * spec.dayMs;
    const age = end - at;
    if (age > 0 && age <= spec.hours * spec.hourMs) return { d, k: Math.floor((age - 1) / spec.hourMs) };
  }
  return undefined;
}

export function emptyWindows(spec: WindowSpec): TagWindows {
  const grid = () => Array.from({ length: spec.days + 1 }, () => new Array<number>(spec.hours).fill(0));
  return { unique: grid(), weighted: grid() };
}

/** Counts distinct authors (and their weight in halves, the highest each used) per window. */
export function countMembers(members: Iterable<{ authorId: bigint; weight: number; at: number }>, spec: WindowSpec): TagWindows {
  const out = emptyWindows(spec);
  const seen = new Map<string, Map<bigint, number>>();
  for (const m of members) {
    const w = windowOf(m.at, spec);
    if (!w) continue;
    const key = `${w.d}:${w.k}`;
    let authors = seen.get(key);
    if (!authors) seen.set(key, (authors = new Map()));
    authors.set(m.authorId, Math.max(authors.get(m.authorId) ?? 0, m.weight));
  }
  for (const [key, authors] of seen) {
    const [d, k] = key.split(":").map(Number) as [number, number];
    out.unique[d]![k] = authors.size;
    let sum = 0;
    for (const w of authors.values()) sum += w;
    out.weighted[d]![k] = sum;
  }
  return out;
}
