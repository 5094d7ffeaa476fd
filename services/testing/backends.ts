// Where the real backends are for tests, and per-suite isolation (a prefix
// for streams and keys, a keyspace of its own). `make test` brings the
// backends up first (make deps-up); a test never silently skips one.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const backends = {
  natsUrl: process.env.CHIRP_NATS_URL || "nats://127.0.0.1:4222",
  redisUrl: process.env.CHIRP_REDIS_URL || "redis://127.0.0.1:6379",
  cassandraContactPoints: (process.env.CHIRP_CASSANDRA_CONTACT_POINTS || "127.0.0.1:9042").split(","),
  cassandraLocalDc: process.env.CHIRP_CASSANDRA_LOCAL_DC || "datacenter1",
};

/** A short unique name for one suite's data: letters, digits, underscore. */
export function uniqueName(label: string): string {
  return `t_${label}_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`.toLowerCase();
}

export async function reachable<T>(what: string, where: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new Error(`${what} is not reachable at ${where} (${(err as Error).message}); start it with 'make deps-up'`);
  }
}

/** A connected client of the local Redis server (the caller disconnects it). */
export function connectTestRedis(): Promise<Redis> {
  return reachable("Redis", backends.redisUrl, async () => {
    const r = new Redis(backends.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    return r;
  });
}

/** The CHIRP_* settings that point a runtime at the local backends, isolated under `name`. */
export function backendEnv(name: string): Record<string, string> {
  return {
    CHIRP_NATS_URL: backends.natsUrl,
    CHIRP_NATS_PREFIX: `${name}.`,
    CHIRP_REDIS_URL: backends.redisUrl,
    CHIRP_REDIS_PREFIX: `${name}:`,
    CHIRP_CASSANDRA_CONTACT_POINTS: backends.cassandraContactPoints.join(","),
    CHIRP_CASSANDRA_LOCAL_DC: backends.cassandraLocalDc,
    CHIRP_CASSANDRA_KEYSPACE: name,
  };
}
