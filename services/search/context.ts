// Everything the search service's handlers and indexer need, built once from
// the Runtime. The index follows the mode: Cassandra (cluster) or LMDB under
// <dataDir>/search (embedded). Tweets and accounts are read, and results
// hydrated, through the same path as the home timeline: the shared hydration
// cache, read through from their services, and the viewer's likes and
// retweets kept there under the timeline store's states version.
import { join } from "node:path";
import type { Logger } from "../kit/logger.js";
import type { ServiceClients } from "../runtime/clients.js";
import type { Runtime } from "../runtime/runtime.js";
import type { HydrateDeps } from "../timeline/hydrate.js";
import { readerHydration, type ReaderShared } from "../timeline/read-context.js";
import { readSearchConfig, type SearchConfig } from "./config.js";
import { searchMetrics, type SearchMetrics } from "./metrics.js";
import { CassandraSearchStore } from "./store/cassandra.js";
import { LmdbSearchStore } from "./store/lmdb.js";
import type { SearchStore } from "./store/port.js";

export interface SearchContext {
  config: SearchConfig;
  store: SearchStore;
  clients: ServiceClients;
  logger: Logger;
  metrics: SearchMetrics;
  hydration: HydrateDeps;
  /** The viewer's states version (the timeline store's), read before their states are. */
  statesVersion(viewerId: bigint): Promise<string | undefined>;
  /** Drops tweets from the shared hydration cache: a deleted tweet leaves results even before the timeline's invalidation runs. */
  forgetTweets(ids: readonly bigint[]): Promise<void>;
  now: () => number;
  pingBus(): Promise<void>;
}

export type SearchOverrides = Partial<Omit<SearchContext, "config">> & { config?: Partial<SearchConfig> };

export async function openSearchStore(rt: Runtime, config: SearchConfig, logger: Logger): Promise<SearchStore> {
  if (rt.config.mode === "embedded") return LmdbSearchStore.open(join(rt.config.dataDir, "search"));
  if (!rt.cassandra) throw new Error("cluster mode without a Cassandra client");
  return new CassandraSearchStore(rt.cassandra, { countFlushMs: config.countFlushMs, logger });
}

export async function createSearchContext(
  rt: Runtime,
  shared: ReaderShared,
  overrides: SearchOverrides = {},
): Promise<SearchContext> {
  const config = { ...readSearchConfig(), ...overrides.config };
  const logger = overrides.logger ?? rt.logger.child({ target: "search" });
  const reader = readerHydration(rt, shared, logger);
  const hydration = overrides.hydration ?? reader.hydration;
  return {
    config,
    store: overrides.store ?? (await openSearchStore(rt, config, logger)),
    clients: overrides.clients ?? rt.clients,
    logger,
    metrics: overrides.metrics ?? searchMetrics(rt.metrics.registry),
    hydration,
    statesVersion: overrides.statesVersion ?? reader.statesVersion,
    forgetTweets: overrides.forgetTweets ?? ((ids) => shared.cache.invalidate("tweet", ids)),
    now: overrides.now ?? Date.now,
    pingBus: overrides.pingBus ?? (() => rt.bus.ping()),
  };
}
