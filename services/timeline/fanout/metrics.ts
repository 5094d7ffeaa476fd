// Fan-out figures on the process's /metrics. Made once per registry: the
// embedded mode and tests start several targets on one Runtime.
import { Counter, Histogram, type Registry } from "prom-client";

export interface FanoutMetrics {
  events: Counter<"subject" | "outcome">;
  writes: Counter<"op">;
  batchSeconds: Histogram<"op">;
  scans: Counter<"op">;
  scannedTweets: Counter<"op">;
  delay: Histogram<"audience">;
}

const made = new WeakMap<Registry, FanoutMetrics>();

export function fanoutMetrics(registry: Registry): FanoutMetrics {
  let m = made.get(registry);
  if (!m) {
    m = {
      events: new Counter({
        name: "timeline_fanout_events_total",
        help: "Events handled by the fan-out worker, by subject and outcome (ok, retry).",
        labelNames: ["subject", "outcome"],
        registers: [registry],
      }),
      writes: new Counter({
        name: "timeline_fanout_timeline_writes_total",
        help: "Home timelines a fanout.batch job wrote to, by op (add, remove).",
        labelNames: ["op"],
        registers: [registry],
      }),
      batchSeconds: new Histogram({
        name: "timeline_fanout_batch_seconds",
        help: "Time to apply one fanout.batch job.",
        labelNames: ["op"],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      }),
      scans: new Counter({
        name: "timeline_fanout_follower_scans_total",
        help: "Reads of an author's follower list by the fan-out planner, by op; an author's tweets that arrive together share one.",
        labelNames: ["op"],
        registers: [registry],
      }),
      scannedTweets: new Counter({
        name: "timeline_fanout_scanned_tweets_total",
        help: "Tweets planned by those reads, by op (divided by the scans: tweets per read).",
        labelNames: ["op"],
        registers: [registry],
      }),
      delay: new Histogram({
        name: "chirp_fanout_delay_seconds",
        help: "From a tweet's creation (its Snowflake time) to its id being in home timelines, by audience (author: the author's own, written first; followers: a fanout.batch job's).",
        labelNames: ["audience"],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
    };
    made.set(registry, m);
  }
  return m;
}
