// The hydration cache for the mode: in process (embedded) or Redis (cluster).
import type { Runtime } from "../runtime/runtime.js";
import { connectRedis } from "../platform/redis/connect.js";
import type { HydrationConfig } from "./config.js";
import { MemoryHydrationCache } from "./memory.js";
import type { HydrationCache } from "./port.js";
import { RedisHydrationCache } from "./redis.js";

export async function openHydrationCache(rt: Runtime, config: HydrationConfig): Promise<HydrationCache> {
  if (rt.config.mode === "embedded") return new MemoryHydrationCache({ ttlMs: config.ttlMs, maxEntries: config.maxEntries, maxViewers: config.maxViewers });
  return new RedisHydrationCache(await connectRedis(rt.config.redis), { prefix: rt.config.redis.prefix, ttlMs: config.ttlMs, markerTtlMs: config.markerTtlMs, buckets: config.buckets });
}
