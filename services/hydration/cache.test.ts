// The hydration cache's contract against each adapter: in process, Redis,
// and the local Redis Cluster (started by scripts/redis-cluster/up.sh).
import test from "ava";
import { Cluster, Redis } from "ioredis";
import { backends, reachable, uniqueName } from "../testing/backends.js";
import { ensureRedisCluster, REDIS_CLUSTER_NODES } from "../testing/redis-cluster.js";
import { cacheContract } from "./contract.js";
import { MemoryHydrationCache } from "./memory.js";
import { RedisHydrationCache } from "./redis.js";

cacheContract(test, "memory", async ({ ttlMs }) => new MemoryHydrationCache({ ttlMs, maxEntries: 10_000 }));

cacheContract(test, "redis", async ({ ttlMs }) => {
  const client = await reachable("Redis", backends.redisUrl, async () => {
    const r = new Redis(backends.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    return r;
  });
  return new RedisHydrationCache(client, { prefix: `${uniqueName("hc")}:`, ttlMs, markerTtlMs: 60_000 });
});

cacheContract(test, "redis-cluster", async ({ ttlMs }) => {
  await ensureRedisCluster();
  const cluster = new Cluster(REDIS_CLUSTER_NODES, { lazyConnect: true });
  await cluster.connect();
  return new RedisHydrationCache(cluster, { prefix: `${uniqueName("hc")}:`, ttlMs, markerTtlMs: 60_000 });
});

test("memory: the oldest entries go first past the bound", async (t) => {
  const cache = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 3 });
  await cache.fill("tweet", [1n, 2n, 3n, 4n].map((id) => [id, new Uint8Array([Number(id)]), 0] as const));
  const r = await cache.read("tweet", [1n, 2n, 3n, 4n]);
  t.deepEqual([...r.hits.keys()], [2n, 3n, 4n]);
});
