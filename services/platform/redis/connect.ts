// Connects to the configured Redis: a Cluster when CHIRP_REDIS_CLUSTER_NODES
// is set, a single server otherwise. Resolves once commands can be sent, so a
// wrong address fails start-up instead of the first request.
import { Cluster, Redis } from "ioredis";
import type { ChirpConfig } from "../../runtime/config.js";
import type { RedisClient } from "./slots.js";

// A few retries ride out a failover; beyond that the caller gets an error
// (a read becomes UNAVAILABLE, an event is redelivered later).
const commandOptions = { maxRetriesPerRequest: 3, connectTimeout: 5_000 };

export async function connectRedis(cfg: ChirpConfig["redis"]): Promise<RedisClient> {
  if (cfg.clusterNodes?.length) {
    const nodes = cfg.clusterNodes.map((hp) => {
      const i = hp.lastIndexOf(":");
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
    const cluster = new Cluster(nodes, { lazyConnect: true, redisOptions: commandOptions, slotsRefreshTimeout: 2_000 });
    await withContext(`Redis Cluster at ${cfg.clusterNodes.join(",")}`, () => cluster.connect(), () => cluster.disconnect());
    return cluster;
  }
  const redis = new Redis(cfg.url, { lazyConnect: true, ...commandOptions });
  await withContext(`Redis at ${withoutPassword(cfg.url)}`, () => redis.connect(), () => redis.disconnect());
  return redis;
}

async function withContext(where: string, connect: () => Promise<void>, giveUp: () => void): Promise<void> {
  try {
    await connect();
  } catch (err) {
    giveUp();
    throw new Error(`${where} is not reachable: ${(err as Error).message}`);
  }
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
