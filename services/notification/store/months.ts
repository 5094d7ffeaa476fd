// Month partitions of notification ids (Snowflakes: their time is in them),
// and when a month's notifications expire: the retention after the month
// ends, so every notification is kept at least the retention (at most a
// month more) and a month's rows all go at once. The unread count keeps a
// count per month and sums the months still kept, so it stays exact as
// unread notifications expire, and costs one row to read.
import { snowflakeFloor, snowflakeTime } from "../../kit/snowflake.js";

/** The month partition of an id: months since year 0, UTC. */
export function monthOf(id: bigint): number {
  const d = new Date(snowflakeTime(id));
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export const monthOfMs = (ms: number) => monthOf(snowflakeFloor(ms));

/** The first millisecond of a month partition. */
export function monthStartMs(month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(Math.floor(month / 12), month % 12, 1);
  return d.getTime();
}

/** When the month's notifications expire. */
export const monthExpiresMs = (month: number, retentionMs: number) => monthStartMs(month + 1) + retentionMs;

/** The oldest month whose notifications are still kept at `nowMs` (monthExpiresMs(m) > nowMs exactly for m >= it). */
export const oldestKeptMonth = (nowMs: number, retentionMs: number) => monthOfMs(nowMs - retentionMs);

/** A row's TTL in seconds (Cassandra), so it expires with its month. */
export const monthTtlSeconds = (month: number, retentionMs: number, nowMs: number) => Math.max(1, Math.ceil((monthExpiresMs(month, retentionMs) - nowMs) / 1000));

/** Unread notifications per month partition. */
export type MonthCounts = ReadonlyMap<number, number>;

/** The unread count: the months still kept. */
export function keptCount(byMonth: MonthCounts, oldest: number): number {
  let n = 0;
  for (const [m, c] of byMonth) if (m >= oldest) n += c;
  return n;
}

/** The counts with `delta` in `month`, without the months no longer kept or left at zero. */
export function moved(byMonth: MonthCounts, month: number, delta: number, oldest: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [m, c] of byMonth) if (m >= oldest && c !== 0) out.set(m, c);
  if (month >= oldest && delta !== 0) {
    const c = (out.get(month) ?? 0) + delta;
    if (c === 0) out.delete(month);
    else out.set(month, c);
  }
  return out;
}
