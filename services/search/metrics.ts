// Search figures on the process's /metrics. Made once per registry: the
// embedded mode and tests start several targets on one Runtime.
import { Counter, Histogram, type Registry } from "prom-client";

export interface SearchMetrics {
  events: Counter<"subject" | "outcome">;
  queries: Histogram<"kind">;
  examined: Histogram;
  truncated: Counter;
}

const made = new WeakMap<Registry, SearchMetrics>();

export function searchMetrics(registry: Registry): SearchMetrics {
  let m = made.get(registry);
  if (!m) {
    m = {
      events: new Counter({
        name: "search_events_total",
        help: "Events the search indexer handled, by subject and outcome (ok, retry).",
        labelNames: ["subject", "outcome"],
        registers: [registry],
      }),
      queries: new Histogram({
        name: "search_query_seconds",
        help: "Search latency in the service, by kind (tweets, users).",
        labelNames: ["kind"],
        buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      }),
      examined: new Histogram({
        name: "search_candidates_examined",
        help: "Index entries a tweet search examined for one page.",
        buckets: [10, 50, 100, 250, 500, 1000, 2000, 5000],
        registers: [registry],
      }),
      truncated: new Counter({
        name: "search_truncated_total",
        help: "Tweet searches whose page the per-request cap cut short.",
        registers: [registry],
      }),
    };
    made.set(registry, m);
  }
  return m;
}
