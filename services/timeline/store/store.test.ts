// The store contract against the in-process store, a single Redis and a
// 3-master Redis Cluster (started by scripts/redis-cluster/up.sh when it is
// not running: these tests never skip a backend).
import test from "ava";
import { Cluster } from "ioredis";
import { connectTestRedis, uniqueName } from "../../testing/backends.js";
import { storeContract } from "./contract.js";
import { MemoryTimelineStore } from "./memory.js";
import { RedisTimelineStore } from "./redis.js";
import { keySlot } from "../../platform/redis/slots.js";
import { ensureRedisCluster, REDIS_CLUSTER_NODES } from "../../testing/redis-cluster.js";

storeContract(test, "memory", async ({ cap, ttlMs, contiguous }) => new MemoryTimelineStore({ cap, ttlMs, contiguous }));

storeContract(test, "redis", async ({ cap, ttlMs, label, contiguous }) => {
  return new RedisTimelineStore(await connectTestRedis(), { prefix: `${uniqueName(label)}:`, cap, ttlMs, contiguous });
});

storeContract(test, "redis-cluster", async ({ cap, ttlMs, label, contiguous }) => {
  const cluster = await clusterClient();
  return new RedisTimelineStore(cluster, { prefix: `${uniqueName(label)}:`, cap, ttlMs, contiguous });
});

test("redis: two key families on one prefix keep apart; the home store's dropAll forgets both, the other's only its own", async (t) => {
  const client = await connectTestRedis();
  const prefix = `${uniqueName("families")}:`;
  const home = new RedisTimelineStore(client, { prefix, cap: 800, ttlMs: 60_000, ownsClient: false });
  const users = new RedisTimelineStore(client, { prefix, cap: 800, ttlMs: 60_000, family: "ut", contiguous: true, ownsClient: false });
  try {
    await home.finishBuild(1n, [1n]);
    await users.finishBuild(1n, [2n], true);
    t.deepEqual(await home.page(1n, undefined, 5), { built: true, ids: [1n] });
    t.deepEqual(await users.page(1n, undefined, 5), { built: true, ids: [2n], complete: true });
    await users.dropAll();
    t.deepEqual(await users.page(1n, undefined, 5), { built: false, ids: [] });
    t.deepEqual(await home.page(1n, undefined, 5), { built: true, ids: [1n] });
    await users.finishBuild(1n, [2n], true);
    await home.dropAll();
    t.deepEqual(await users.page(1n, undefined, 5), { built: false, ids: [] });
    t.throws(() => new RedisTimelineStore(client, { prefix, cap: 1, ttlMs: 1, family: "u{t}" }), { message: /family/ });
  } finally {
    await home.dropAll();
    await client.quit();
  }
});

async function clusterClient(): Promise<Cluster> {
  await ensureRedisCluster();
  const cluster = new Cluster(REDIS_CLUSTER_NODES, { lazyConnect: true });
  await cluster.connect();
  return cluster;
}

test("redis-cluster: one call's timelines really are spread over the three masters", async (t) => {
  const cluster = await clusterClient();
  const prefix = `${uniqueName("spread")}:`;
  const store = new RedisTimelineStore(cluster, { prefix, cap: 800, ttlMs: 60_000 });
  try {
    const users = Array.from({ length: 90 }, (_, i) => BigInt(i + 1));
    for (const u of users) await store.finishBuild(u, []);
    t.is(await store.add(users, [123n]), 90);
    const masters = cluster.nodes("master");
    t.is(masters.length, 3);
    const perNode = await Promise.all(masters.map(async (m) => (await m.keys(`${prefix}tl:*`)).length));
    t.is(perNode.reduce((a, b) => a + b, 0), 90);
    t.true(perNode.every((k) => k > 0), `keys per master: ${perNode.join(", ")}`);
  } finally {
    await store.dropAll();
    await store.close();
  }
});

test("redis-cluster: with a stale slot map (as while slots move) adds and removes still reach every timeline", async (t) => {
  const cluster = await clusterClient();
  const prefix = `${uniqueName("stale")}:`;
  const store = new RedisTimelineStore(cluster, { prefix, cap: 800, ttlMs: 60_000 });
  try {
    const users = Array.from({ length: 30 }, (_, i) => BigInt(i + 1));
    for (const u of users) await store.finishBuild(u, []);
    // Claim every slot belongs to the first master: one Lua call then names
    // keys the server does not hold, which it refuses, and the store must go
    // key by key. The MOVED replies of that repair the client's map, so it is
    // made stale again before each write.
    const first = cluster.slots[keySlot(store.key(users[0]!))]!;
    const stale = () => users.forEach((u) => (cluster.slots[keySlot(store.key(u))] = first));
    stale();
    t.is(await store.add(users, [7n, 8n]), 30);
    for (const u of users) t.deepEqual((await store.page(u, undefined, 10)).ids, [8n, 7n]);
    stale();
    await store.remove(users, [7n]);
    for (const u of users) t.deepEqual((await store.page(u, undefined, 10)).ids, [8n]);
  } finally {
    await store.dropAll();
    await store.close();
  }
});
