// The hydration cache's contract against each adapter: in process, Redis,
// and the local Redis Cluster (started by scripts/redis-cluster/up.sh).
import test from "ava";
import { Cluster } from "ioredis";
import { connectTestRedis, uniqueName } from "../testing/backends.js";
import { ensureRedisCluster, REDIS_CLUSTER_NODES } from "../testing/redis-cluster.js";
import { cacheContract } from "./contract.js";
import { MemoryHydrationCache } from "./memory.js";
import { Snowflake } from "../kit/snowflake.js";
import { bucketOf, RedisHydrationCache } from "./redis.js";

cacheContract(test, "memory", async ({ ttlMs }) => new MemoryHydrationCache({ ttlMs, maxEntries: 10_000 }));

cacheContract(test, "redis", async ({ ttlMs }) => {
  return new RedisHydrationCache(await connectTestRedis(), { prefix: `${uniqueName("hc")}:`, ttlMs, markerTtlMs: 60_000 });
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

test("redis: ids spread evenly over the buckets, whether minted in one millisecond or one per millisecond", (t) => {
  const spread = (ids: bigint[], buckets: number) => {
    const counts = new Array<number>(buckets).fill(0);
    for (const id of ids) counts[bucketOf(id, buckets)]!++;
    return [Math.min(...counts), Math.max(...counts)] as const;
  };
  const burst = new Snowflake({ workerId: 3 });
  const sameMs = Array.from({ length: 3200 }, () => burst.next());
  const oneEach = Array.from({ length: 3200 }, (_, i) => (BigInt(1_700_000_000_000 + i) << 22n) | (3n << 12n));
  for (const ids of [sameMs, oneEach]) {
    const [min, max] = spread(ids, 16);
    t.true(min >= 140 && max <= 260, `200 per bucket expected, got ${min}..${max}`);
  }
});

test("memory: an entry is decoded once and shared until it changes; an undecodable one is a miss not to fill", async (t) => {
  const cache = new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 100 });
  let decodes = 0;
  const decode = (bytes: Uint8Array) => {
    decodes++;
    if (bytes[0] === 0xff) throw new Error("undecodable");
    return { first: bytes[0] };
  };
  await cache.fill("tweet", [[1n, new Uint8Array([7]), 0], [2n, new Uint8Array([0xff]), 0]]);
  const a = await cache.readDecoded("tweet", [1n, 2n, 3n], decode);
  const b = await cache.readDecoded("tweet", [1n], decode);
  t.is(b.hits.get(1n), a.hits.get(1n), "every reader gets the same value");
  t.deepEqual(a.hits.get(1n), { first: 7 });
  t.deepEqual([...a.misses], [[2n, -1], [3n, 0]]);
  t.is(decodes, 2, "entry 1 decoded once for two reads");
  await cache.invalidate("tweet", [1n]);
  const gone = await cache.readDecoded("tweet", [1n], decode);
  t.deepEqual([...gone.misses], [[1n, 1]], "an invalidated entry is a miss at its new generation");
  await cache.fill("tweet", [[1n, new Uint8Array([8]), 1]]);
  t.deepEqual((await cache.readDecoded("tweet", [1n], decode)).hits.get(1n), { first: 8 }, "the changed entry is decoded anew");
  t.is(decodes, 3);
});
