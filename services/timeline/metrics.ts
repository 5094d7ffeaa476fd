// The timeline service's figures on the process's /metrics: how long a
// timeline takes to load, by kind; hit or miss of its in-process TTL caches
// (the large-account merge's); how often an author's list answered instead of
// the tweet service, per use; and, sampled on each scrape, the memory each
// Redis server holding the timelines uses against its maxmemory. Made once
// per registry: the embedded mode and tests start several targets on one Runtime.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { TimelineStore } from "./store/port.js";

export interface TimelineMetrics {
  /** Seconds to answer GetHomeTimeline (kind home) or GetUserTimeline (kind user), hydration included. */
  load: Histogram<"kind">;
  /** Lookups of an in-process cache, by cache and result (hit, miss). */
  cache: Counter<"cache" | "result">;
  /** Reads of an author's list (author-list.ts), by use and result (hit, miss, fallback). */
  lists: Counter<"use" | "result">;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function timelineMetrics(registry: Registry): TimelineMetrics {
  return {
    load: once(registry, "chirp_timeline_load_seconds", () =>
      new Histogram({
        name: "chirp_timeline_load_seconds",
        help: "Time to load one page of a timeline in the timeline service, hydration included, by kind (home, user).",
        labelNames: ["kind"],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
    ),
    cache: once(registry, "chirp_cache_requests_total", () =>
      new Counter({
        name: "chirp_cache_requests_total",
        help: "Lookups of the timeline service's in-process caches, by cache and result (hit, miss); the hydration cache counts in chirp_hydration_cache_requests_total.",
        labelNames: ["cache", "result"],
        registers: [registry],
      }),
    ),
    lists: authorListReads(registry),
  };
}

/** The author-list counter alone, for the fan-out worker (which has no loads or caches to count). */
export function authorListReads(registry: Registry): TimelineMetrics["lists"] {
  return once(registry, "chirp_timeline_author_list_reads_total", () =>
    new Counter({
      name: "chirp_timeline_author_list_reads_total",
      help:
        "Reads of an author's tweet-id list, by use (user_timeline, large_account, backfill, unfollow) and result: hit (the list answered alone), " +
        "miss (built first from one ListUserTweets page), fallback (ListUserTweets answered all or part: no list, past its end, or unreadable).",
      labelNames: ["use", "result"],
      registers: [registry],
    }),
  );
}

/** Times one load into `load` (successful or not). */
export async function timed<T>(m: TimelineMetrics, kind: "home" | "user", load: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await load();
  } finally {
    m.load.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

/** Redis memory against its limit, asked of the store's servers (INFO memory) on each scrape; nothing in process. */
export function redisMemoryMetrics(registry: Registry, store: TimelineStore): void {
  if (!store.memory || registry.getSingleMetric("chirp_redis_memory_used_bytes")) return;
  let asked: { at: number; nodes: ReturnType<NonNullable<TimelineStore["memory"]>> } | undefined;
  const sample = () => {
    const now = Date.now();
    if (!asked || now - asked.at > 1000) asked = { at: now, nodes: store.memory!().catch(() => []) };
    return asked.nodes;
  };
  const gauge = (name: string, help: string, pick: (n: { usedBytes: number; maxBytes: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["node"],
      registers: [registry],
      async collect() {
        const nodes = await sample();
        this.reset();
        for (const n of nodes) this.set({ node: n.node }, pick(n));
      },
    });
  gauge("chirp_redis_memory_used_bytes", "Memory a Redis server holding timelines and caches uses (INFO memory used_memory).", (n) => n.usedBytes);
  gauge("chirp_redis_memory_max_bytes", "That server's limit (maxmemory; 0: none, eviction never starts).", (n) => n.maxBytes);
}
