import test from "ava";
import { backends, reachable, uniqueName } from "../../testing/backends.js";
import { ensureRedisCluster, REDIS_CLUSTER_ENV } from "../../testing/redis-cluster.js";
import { decision, refill } from "./bucket.js";
import { rateLimiterContract } from "./contract.js";
import { MemoryRateLimiter } from "./memory.js";
import { connectRedis } from "./redis-client.js";
import { RedisRateLimiter } from "./redis.js";

rateLimiterContract(test, "memory", async () => {
  const limiter = new MemoryRateLimiter();
  return { limiter, cleanup: () => limiter.close() };
});

/** Each test's own key prefix; its keys are deleted afterwards. */
async function redisLimiter(settings: { url: string; clusterNodes?: string[] }) {
  const client = await connectRedis(settings, 2000);
  const prefix = `${uniqueName("ratelimit")}:`;
  const limiter = new RedisRateLimiter(client, prefix);
  return {
    limiter,
    async cleanup() {
      const nodes = "nodes" in client ? client.nodes("master") : [client];
      for (const node of nodes) {
        const keys = await node.keys(`${prefix}*`);
        for (const k of keys) await client.del(k);
      }
      client.disconnect();
    },
  };
}

rateLimiterContract(test, "redis", () => reachable("Redis", backends.redisUrl, () => redisLimiter({ url: backends.redisUrl })));

test.before(() => ensureRedisCluster());
rateLimiterContract(test, "redis cluster", () => redisLimiter({ url: backends.redisUrl, clusterNodes: REDIS_CLUSTER_ENV.split(",") }));

test("redis: keys carry the prefix and a hash tag", async (t) => {
  const { limiter, cleanup } = await redisLimiter({ url: backends.redisUrl });
  t.regex(limiter.keyOf("ip:1.2.3.4"), /^t_ratelimit_\w+:ratelimit:\{ip:1\.2\.3\.4\}$/);
  await cleanup();
});

test("redis: a dead Redis fails fast instead of queueing the request", async (t) => {
  const client = await connectRedis({ url: backends.redisUrl }, 200);
  const limiter = new RedisRateLimiter(client, "t_dead:");
  client.disconnect();
  const started = Date.now();
  await t.throwsAsync(limiter.take("x", { capacity: 1, windowMs: 1000 }));
  t.true(Date.now() - started < 1000);
});

test("bucket arithmetic: refill is linear and capped; headers' numbers", (t) => {
  const rule = { capacity: 60, windowMs: 60_000 };
  t.is(refill(0, 1000, rule), 1);
  t.is(refill(59.5, 10_000, rule), 60);
  t.is(refill(10, -5, rule), 10);
  t.deepEqual(decision(true, 59, rule), { allowed: true, limit: 60, remaining: 59, resetMs: 1000, retryAfterMs: 0 });
  t.deepEqual(decision(false, 0.25, rule), { allowed: false, limit: 60, remaining: 0, resetMs: 59_750, retryAfterMs: 750 });
});

test("memory: the sweep forgets full buckets only", async (t) => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now);
  await limiter.take("a", { capacity: 2, windowMs: 1000 });
  await limiter.take("b", { capacity: 2, windowMs: 100_000 });
  now = 600;
  limiter.sweep();
  t.is(limiter.size, 1);
  await limiter.close();
});
