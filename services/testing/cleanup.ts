// Drops what a test's cluster-mode data lives in: its keyspace, its NATS
// streams and its Redis keys (on every master of a Redis Cluster).
import { Redis } from "ioredis";
import { pino } from "pino";
import { JetStreamBus } from "../platform/bus/jetstream.js";
import { createCassandraClient } from "../platform/cassandra/client.js";
import type { ChirpConfig } from "../runtime/config.js";

export async function dropClusterData(config: ChirpConfig): Promise<void> {
  const dropKeyspace = async () => {
    const admin = createCassandraClient(config.cassandra, { keyspace: false });
    // Best effort: a drop that times out on a busy machine leaves a keyspace no other test uses.
    await admin.execute(`DROP KEYSPACE IF EXISTS ${config.cassandra.keyspace}`).catch(() => {});
    await admin.shutdown();
  };
  const deleteStreams = async () => {
    const bus = await JetStreamBus.connect({ url: config.nats.url, prefix: config.nats.prefix, logger: pino({ level: "silent" }) });
    try {
      await bus.deleteStreams();
    } finally {
      await bus.close();
    }
  };
  const results = await Promise.allSettled([dropKeyspace(), deleteStreams(), deleteRedisKeys(config.redis)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Every key under the prefix; best effort, as the keys expire anyway. */
async function deleteRedisKeys(redis: ChirpConfig["redis"]): Promise<void> {
  const nodes = redis.clusterNodes?.length
    ? redis.clusterNodes.map((hp) => {
        const i = hp.lastIndexOf(":");
        return new Redis({ host: hp.slice(0, i), port: Number(hp.slice(i + 1)), lazyConnect: true, maxRetriesPerRequest: 1 });
      })
    : [new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })];
  await Promise.all(
    nodes.map(async (node) => {
      try {
        await node.connect();
        let cursor = "0";
        do {
          const [next, keys] = await node.scan(cursor, "MATCH", `${redis.prefix}*`, "COUNT", 500);
          cursor = next;
          // A DEL per key: a cluster node refuses one across slots.
          if (keys.length) await keys.reduce((p, k) => p.del(k), node.pipeline()).exec();
        } while (cursor !== "0");
      } catch {
        // best effort
      } finally {
        node.disconnect();
      }
    }),
  );
}
