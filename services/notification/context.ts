// Everything the notification service's handlers and consumer need, built
// once from the Runtime. The store follows the mode: LMDB under
// <dataDir>/notification (embedded) or Cassandra (cluster). Tweets and
// accounts are hydrated as the home timeline hydrates them: through the
// shared hydration cache, read through from their services on a miss.
import { join } from "node:path";
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { BatchLookup } from "../hydration/lookup.js";
import { throttled } from "../hydration/lookup.js";
import type { HydrationCache } from "../hydration/port.js";
import type { Logger } from "../kit/logger.js";
import type { EventBus } from "../platform/bus/port.js";
import type { ServiceClients } from "../runtime/clients.js";
import type { Runtime } from "../runtime/runtime.js";
import type { HydrateDeps } from "../timeline/hydrate.js";
import { readerHydration, type ReaderShared } from "../timeline/read-context.js";
import { readNotificationConfig, type NotificationConfig } from "./config.js";
import { notificationMetrics, type NotificationMetrics } from "./metrics.js";
import { CachedNotificationStore } from "./store/cached.js";
import { CassandraNotificationStore } from "./store/cassandra.js";
import { LmdbNotificationStore } from "./store/lmdb.js";
import type { NotificationStore } from "./store/port.js";

export interface NotificationContext {
  config: NotificationConfig;
  store: NotificationStore;
  clients: ServiceClients;
  bus: EventBus;
  logger: Logger;
  metrics: NotificationMetrics;
  /** Tweets, authors and the reader's likes and retweets, as hydrate() takes them (the home timeline's wiring). */
  hydration: HydrateDeps;
  /** The reader's likes-and-retweets version (timeline store), so their states come from the cache. */
  statesVersion(viewerId: bigint): Promise<string | undefined>;
  users: BatchLookup<User>;
  tweets: BatchLookup<Tweet>;
  /** Resolves when the bus answers; for health checks. */
  pingBus(): Promise<void>;
}

export type NotificationOverrides = Partial<Omit<NotificationContext, "config">> & { config?: Partial<NotificationConfig> };


/** LMDB in the all-in-one; in a cluster Cassandra, with each user's newest heads and unread count kept in the shared cache. */
export function openNotificationStore(rt: Runtime, config: NotificationConfig, cache: HydrationCache, logger: Logger): NotificationStore {
  if (rt.config.mode === "embedded") return LmdbNotificationStore.open(join(rt.config.dataDir, "notification"), config.retentionMs);
  if (!rt.cassandra) throw new Error("cluster mode needs a Cassandra connection for the notification service");
  return new CachedNotificationStore(new CassandraNotificationStore(rt.cassandra, config.retentionMs), cache, throttled(logger, "notification cache could not be read or filled; reading Cassandra"), config);
}

export function createNotificationContext(rt: Runtime, shared: ReaderShared, overrides: NotificationOverrides = {}): NotificationContext {
  const config = { ...readNotificationConfig(), ...overrides.config };
  const logger = overrides.logger ?? rt.logger.child({ target: "notification" });
  const reader = readerHydration(rt, shared, logger);
  const hydration = overrides.hydration ?? reader.hydration;
  return {
    config,
    store: overrides.store ?? openNotificationStore(rt, config, shared.cache, logger),
    clients: overrides.clients ?? rt.clients,
    bus: overrides.bus ?? rt.bus,
    logger,
    metrics: overrides.metrics ?? notificationMetrics(rt.metrics.registry),
    hydration,
    statesVersion: overrides.statesVersion ?? reader.statesVersion,
    users: overrides.users ?? hydration.users,
    tweets: overrides.tweets ?? hydration.tweets,
    pingBus: overrides.pingBus ?? (() => rt.bus.ping()),
  };
}
