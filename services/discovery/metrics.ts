// Discovery figures on the process's /metrics. Made once per registry: the
// embedded mode and tests start several targets on one Runtime.
import { Counter, Histogram, type Registry } from "prom-client";

export interface DiscoveryMetrics {
  events: Counter<"subject" | "outcome">;
  trendRuns: Counter<"outcome">;
  trendSeconds: Histogram;
  suggestions: Counter<"result">;
  suggestionSeconds: Histogram;
}

const made = new WeakMap<Registry, DiscoveryMetrics>();

export function discoveryMetrics(registry: Registry): DiscoveryMetrics {
  let m = made.get(registry);
  if (!m) {
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    m = {
      events: new Counter({
        name: "discovery_events_total",
        help: "Events the discovery consumer handled, by subject and outcome (ok, retry).",
        labelNames: ["subject", "outcome"],
        registers: [registry],
      }),
      trendRuns: new Counter({
        name: "discovery_trend_runs_total",
        help: "Trend computations, by outcome (computed; skipped: another replica had the run; error).",
        labelNames: ["outcome"],
        registers: [registry],
      }),
      trendSeconds: new Histogram({ name: "discovery_trend_seconds", help: "Time to compute the trends once.", buckets, registers: [registry] }),
      suggestions: new Counter({
        name: "discovery_suggestions_total",
        help: "ListSuggestions answers, by result (hit: from the cache; computed).",
        labelNames: ["result"],
        registers: [registry],
      }),
      suggestionSeconds: new Histogram({
        name: "discovery_suggestion_compute_seconds",
        help: "Time to compute one user's suggestions (a cache miss).",
        buckets,
        registers: [registry],
      }),
    };
    made.set(registry, m);
  }
  return m;
}
