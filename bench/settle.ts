// Waits for the event consumers to catch up before anything is measured.
// Seeding publishes hundreds of thousands of events (follows, tweets) that
// the notification, search, discovery and hydration consumers work through
// long after the seeding's own calls have returned; measured meanwhile, the
// baselines and the first steps share the cores with that backlog (in cluster
// mode, Cassandra too).
import { log } from "./progress.js";
import { getText, samples } from "./scrape.js";

const BACKLOG_METRICS = ["chirp_bus_consumer_pending_messages", "chirp_bus_consumer_ack_pending_messages"];

/**
 * Events the consumers have not acknowledged yet, from /metrics texts:
 * pending and ack-pending per durable (processes that share a durable report
 * the same figures: the largest counts), summed over the durables.
 */
export function consumerBacklog(texts: readonly string[]): number {
  const byDurable = new Map<string, number>();
  for (const text of texts) {
    for (const metric of BACKLOG_METRICS) {
      for (const { labels, value } of samples(text, metric)) {
        const key = `${metric}\u0000${labels.durable ?? "?"}`;
        byDurable.set(key, Math.max(byDurable.get(key) ?? 0, value));
      }
    }
  }
  let total = 0;
  for (const v of byDurable.values()) total += v;
  return total;
}

export interface SettleResult {
  seconds: number;
  backlogAtStart: number;
  backlogAtEnd: number;
}

/** Polls every process's /metrics until no consumer has events left (twice in a row), or `timeoutS` passed; logs progress. */
export async function waitForConsumers(metricsUrls: readonly string[], timeoutS = 1800, pollMs = 2000): Promise<SettleResult> {
  const started = performance.now();
  const backlog = async () => consumerBacklog(await Promise.all(metricsUrls.map((u) => getText(u))));
  const first = await backlog();
  let now = first;
  let quiet = now === 0 ? 1 : 0;
  let lastLog = started;
  let lastLogged = first;
  while (quiet < 2) {
    const elapsedS = (performance.now() - started) / 1000;
    if (elapsedS > timeoutS) {
      log(`event consumers still ${now.toLocaleString("en-US")} events behind after ${timeoutS} s: measuring anyway (the report's first steps share the machine with them)`);
      break;
    }
    await new Promise((r) => setTimeout(r, pollMs));
    now = await backlog();
    quiet = now === 0 ? quiet + 1 : 0;
    if (performance.now() - lastLog >= 10_000) {
      const rate = (lastLogged - now) / ((performance.now() - lastLog) / 1000);
      log(`event consumers: ${now.toLocaleString("en-US")} events behind${rate > 0 ? `, ${rate.toFixed(0)}/s, ETA ${Math.ceil(now / rate)} s` : ""}`);
      lastLog = performance.now();
      lastLogged = now;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (first > 0) log(`event consumers caught up with ${first.toLocaleString("en-US")} events in ${seconds.toFixed(0)} s`);
  return { seconds, backlogAtStart: first, backlogAtEnd: now };
}

/** The report's note on the wait, if there was anything to wait for. */
export function settleNote(s: SettleResult): string | undefined {
  if (s.backlogAtStart === 0) return undefined;
  const began = s.backlogAtEnd === 0 ? `once they had caught up (${s.seconds.toFixed(0)} s)` : `with ${s.backlogAtEnd.toLocaleString("en-US")} still left, after ${s.seconds.toFixed(0)} s`;
  return `after seeding, the event consumers were ${s.backlogAtStart.toLocaleString("en-US")} events behind; measuring began ${began}`;
}
