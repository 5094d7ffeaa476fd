// What the timeline service and the fan-out worker share: the settings, the
// stores and the runtime's pieces they use, flat. The stores are entries of
// the table of targets (services/targets.ts), so both targets in one process
// get the very same ones.
import type { Logger } from "../kit/logger.js";
import type { RpcMetrics } from "../kit/metrics.js";
import type { Tracing } from "../kit/tracing.js";
import type { EventBus } from "../platform/bus/port.js";
import type { ServiceClients } from "../runtime/clients.js";
import type { ChirpConfig } from "../runtime/config.js";
import type { Runtime } from "../runtime/runtime.js";
import type { TimelineConfig } from "./config.js";
import type { HydrateDeps } from "./hydrate.js";
import type { LivePublisher } from "./live.js";
import { connectRedis } from "../platform/redis/connect.js";
import { MemoryTimelineStore } from "./store/memory.js";
import type { TimelineStore } from "./store/port.js";
import { RedisTimelineStore } from "./store/redis.js";

export interface TimelineContext {
  config: TimelineConfig;
  mode: ChirpConfig["mode"];
  store: TimelineStore;
  /** Each author's newest tweet and retweet ids (user timelines): the same store under its own keys, contiguous. */
  userTweets: TimelineStore;
  bus: EventBus;
  clients: ServiceClients;
  logger: Logger;
  metrics: RpcMetrics;
  /** Spans around the timeline writes (kit/tracing.ts); unset: none. */
  tracing?: Tracing | undefined;
  /** Publishes live events (the fan-out worker's; unset elsewhere). */
  live?: LivePublisher | undefined;
  /** Tweets and accounts as reads show them, through the shared hydration cache (the fan-out worker's; unset elsewhere). */
  hydration?: HydrateDeps | undefined;
}

export function timelineContext(rt: Runtime, store: TimelineStore, config: TimelineConfig, target: string, userTweets: TimelineStore): TimelineContext {
  return {
    config,
    mode: rt.config.mode,
    store,
    userTweets,
    bus: rt.bus,
    clients: rt.clients,
    logger: rt.logger.child({ target }),
    metrics: rt.metrics,
    tracing: rt.tracing,
  };
}

/** In process (embedded) or Redis (cluster). */
export async function openTimelineStore(rt: Runtime, config: TimelineConfig): Promise<TimelineStore> {
  const ttlMs = config.ttlSeconds * 1000;
  if (rt.config.mode === "embedded") return new MemoryTimelineStore({ cap: config.cap, ttlMs });
  const client = await connectRedis(rt.config.redis);
  return new RedisTimelineStore(client, { prefix: rt.config.redis.prefix, cap: config.cap, ttlMs });
}

/** The authors' lists of user timelines: in process, or on the home timelines' Redis connection under the family "ut". */
export function openUserTweetsStore(home: TimelineStore, config: TimelineConfig): TimelineStore {
  const opts = { cap: config.userTimelineCap, ttlMs: config.userTimelineTtlSeconds * 1000, contiguous: true };
  if (home instanceof RedisTimelineStore) return home.sibling({ ...opts, family: "ut" });
  return new MemoryTimelineStore(opts);
}
