// The hydration cache's adapters for tests that run against each: in process
// and on the local Redis server, each with keys of its own.
import { MemoryHydrationCache } from "../hydration/memory.js";
import type { HydrationCache } from "../hydration/port.js";
import { RedisHydrationCache } from "../hydration/redis.js";
import { connectTestRedis, uniqueName } from "./backends.js";

export function hydrationCaches(label: string): Array<[string, () => Promise<HydrationCache>]> {
  return [
    ["memory", async () => new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 1000 })],
    ["redis", async () => new RedisHydrationCache(await connectTestRedis(), { prefix: `${uniqueName(label)}:`, ttlMs: 60_000, markerTtlMs: 60_000 })],
  ];
}
