// Everything the discovery service's handlers, consumer and trends job need,
// built once from the Runtime. The store follows the mode: Redis (cluster) or
// in process (embedded). Accounts are read through the shared hydration
// cache. Tests may override any part, the clock above all: trends run on
// ctx.now(), so a test plays a week of traffic in seconds.
import { UserSchema, type User } from "../../gen/chirp/user/v1/user_pb.js";
import type { HydrationConfig } from "../hydration/config.js";
import { cachedLookup, lookupMetrics, type BatchLookup } from "../hydration/lookup.js";
import type { HydrationCache } from "../hydration/port.js";
import type { Logger } from "../kit/logger.js";
import { connectRedis } from "../platform/redis/connect.js";
import type { ServiceClients } from "../runtime/clients.js";
import type { Runtime } from "../runtime/runtime.js";
import { weighAuthors, type AuthorWeight } from "./author-weight.js";
import { readDiscoveryConfig, type DiscoveryConfig } from "./config.js";
import { discoveryMetrics, type DiscoveryMetrics } from "./metrics.js";
import { MemoryDiscoveryStore } from "./store/memory.js";
import type { DiscoveryStore } from "./store/port.js";
import { RedisDiscoveryStore } from "./store/redis.js";

export interface DiscoveryContext {
  config: DiscoveryConfig;
  store: DiscoveryStore;
  clients: ServiceClients;
  logger: Logger;
  metrics: DiscoveryMetrics;
  /** The clock of trends and dismissals (ms). */
  now: () => number;
  /** Accounts by id, through the shared hydration cache; unknown ids are left out. */
  users: BatchLookup<User>;
  authorWeight: AuthorWeight;
  /** Resolves when the bus answers; for health checks. */
  pingBus(): Promise<void>;
}

/** What a caller may set over the environment's settings and the runtime's parts. */
export type DiscoveryOverrides = Partial<Omit<DiscoveryContext, "config">> & { config?: Partial<DiscoveryConfig> };

export async function openDiscoveryStore(rt: Runtime): Promise<DiscoveryStore> {
  if (rt.config.mode === "embedded") return new MemoryDiscoveryStore();
  return new RedisDiscoveryStore(await connectRedis(rt.config.redis), rt.config.redis.prefix);
}

export async function createDiscoveryContext(
  rt: Runtime,
  cache: HydrationCache,
  hydration: HydrationConfig,
  overrides: DiscoveryOverrides = {},
): Promise<DiscoveryContext> {
  const base = readDiscoveryConfig();
  const config: DiscoveryConfig = {
    trends: { ...base.trends, ...overrides.config?.trends },
    suggestions: { ...base.suggestions, ...overrides.config?.suggestions },
  };
  const logger = overrides.logger ?? rt.logger.child({ target: "discovery" });
  const users =
    overrides.users ??
    cachedLookup({
      cache,
      kind: "user",
      schema: UserSchema,
      // rt.clients is read at call time: the user service may start after this.
      load: async (userIds, timeoutMs) => new Map((await rt.clients.user.batchGetUsers({ userIds }, { timeoutMs })).users.map((u) => [u.userId, u])),
      timeoutMs: hydration.readThroughTimeoutMs,
      logger,
      metrics: lookupMetrics(rt.metrics.registry),
    });
  return {
    config,
    store: overrides.store ?? (await openDiscoveryStore(rt)),
    clients: overrides.clients ?? rt.clients,
    logger,
    metrics: overrides.metrics ?? discoveryMetrics(rt.metrics.registry),
    now: overrides.now ?? Date.now,
    users,
    authorWeight: overrides.authorWeight ?? weighAuthors(users),
    pingBus: overrides.pingBus ?? (() => rt.bus.ping()),
  };
}
