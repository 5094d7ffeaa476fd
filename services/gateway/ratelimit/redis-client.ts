// The gateway's Redis connection: a single node or a cluster, per the
// runtime config. A rate-limit check must never wait on a dead Redis: no
// offline queue, one retry, a short command timeout; the caller fails open.
import { Cluster, Redis } from "ioredis";

export interface RedisSettings {
  url: string;
  clusterNodes?: string[] | undefined;
}

export async function connectRedis(settings: RedisSettings, commandTimeoutMs = 250, connectTimeoutMs = 15_000): Promise<Redis | Cluster> {
  const common = { enableOfflineQueue: false, lazyConnect: true } as const;
  const client = settings.clusterNodes?.length
    ? new Cluster(
        settings.clusterNodes.map((n) => {
          const at = n.lastIndexOf(":");
          return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
        }),
        { ...common, redisOptions: { maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs } },
      )
    : new Redis(settings.url, { ...common, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs });
  // Errors also surface on the failed command; without a listener ioredis
  // would print each reconnect attempt as an unhandled error.
  client.on("error", () => {});
  // A cluster that never settles would keep connect() retrying for ever.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not become ready within ${connectTimeoutMs} ms`)), connectTimeoutMs))),
    ]);
  } catch (err) {
    client.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
