// The discovery store's contract against each adapter: in process, Redis,
// and the local Redis Cluster (started by scripts/redis-cluster/up.sh).
import test from "ava";
import { Cluster } from "ioredis";
import { connectTestRedis, uniqueName } from "../../testing/backends.js";
import { ensureRedisCluster, REDIS_CLUSTER_NODES } from "../../testing/redis-cluster.js";
import { discoveryStoreContract } from "./contract.js";
import { MemoryDiscoveryStore } from "./memory.js";
import { RedisDiscoveryStore } from "./redis.js";

discoveryStoreContract(test, "memory", async () => new MemoryDiscoveryStore());

discoveryStoreContract(test, "redis", async () => {
  return new RedisDiscoveryStore(await connectTestRedis(), `${uniqueName("disc")}:`);
});

discoveryStoreContract(test, "redis-cluster", async () => {
  await ensureRedisCluster();
  const cluster = new Cluster(REDIS_CLUSTER_NODES, { lazyConnect: true });
  await cluster.connect();
  return new RedisDiscoveryStore(cluster, `${uniqueName("disc")}:`);
});
