// The notification store contract against both adapters: LMDB on a
// temporary folder, Cassandra on a fresh migrated keyspace.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRuntime } from "../../testing/runtime.js";
import { Cluster, Redis } from "ioredis";
import { freePorts } from "../../testing/ports.js";
import { RedisHydrationCache } from "../../hydration/redis.js";
import { uniqueName } from "../../testing/backends.js";
import { ensureRedisCluster, REDIS_CLUSTER_NODES } from "../../testing/redis-cluster.js";
import type { NotificationStore } from "./port.js";
import { CachedNotificationStore, HEADS_WINDOW } from "./cached.js";
import { CassandraNotificationStore } from "./cassandra.js";
import { CONTRACT_RETENTION_MS, notificationStoreContract } from "./contract.js";
import { LmdbNotificationStore } from "./lmdb.js";
import { monthOf } from "./months.js";

notificationStoreContract(test, "lmdb", async (now) => {
  const dir = mkdtempSync(join(tmpdir(), "chirp-notifstore-"));
  const store = LmdbNotificationStore.open(dir, CONTRACT_RETENTION_MS, now);
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

notificationStoreContract(test, "cassandra", async (now) => {
  const { rt, cleanup } = await testRuntime("cluster", "notifstore");
  return { store: new CassandraNotificationStore(rt.cassandra!, CONTRACT_RETENTION_MS, now), close: cleanup };
});

/** Cassandra behind the Redis Cluster cache, as cluster mode runs it; `reads` counts what reached Cassandra. */
async function cachedCassandra(label: string, now: () => number = Date.now) {
  const { rt, cleanup } = await testRuntime("cluster", label);
  await ensureRedisCluster();
  const redis = new Cluster(REDIS_CLUSTER_NODES, { lazyConnect: true });
  await redis.connect();
  const cache = new RedisHydrationCache(redis, { prefix: `${uniqueName("nc")}:`, ttlMs: 60_000, markerTtlMs: 60_000 });
  const inner = new CassandraNotificationStore(rt.cassandra!, CONTRACT_RETENTION_MS, now);
  const reads = { heads: 0, unread: 0 };
  const counted: NotificationStore = Object.assign(Object.create(inner) as NotificationStore, {
    heads: (...a: Parameters<NotificationStore["heads"]>) => (reads.heads++, inner.heads(...a)),
    unread: (u: bigint) => (reads.unread++, inner.unread(u)),
  });
  const failures: unknown[] = [];
  const store = new CachedNotificationStore(counted, cache, (err) => failures.push(err), { retentionMs: CONTRACT_RETENTION_MS, now });
  return { rt, store, reads, failures, close: async () => (redis.disconnect(), cleanup()) };
}

notificationStoreContract(test, "cassandra behind the Redis cache", async (now) => {
  const { store, close } = await cachedCassandra("notifcached", now);
  return { store, close };
});

test("cached: polling reads Cassandra once until a change, and every change shows on the next read", async (t) => {
  const { rt, store, reads, failures, close } = await cachedCassandra("notifpoll");
  try {
    const [u, a, b] = [rt.ids.next(), rt.ids.next(), rt.ids.next()];
    const follow = (actor: bigint) => ({ id: rt.ids.next(), type: "follow" as const, sourceKey: `follow:${actor}`, groupKey: `follow-${actor}`, actorId: actor, tweetId: 0n, at: Date.now() });
    const first = follow(a);
    await store.add(u, first);
    for (let i = 0; i < 5; i++) {
      t.deepEqual((await store.heads(u, { limit: 20 })).heads.map((h) => h.id), [first.id]);
      t.deepEqual(await store.unread(u), { count: 1, lastReadId: 0n });
    }
    t.deepEqual(reads, { heads: 1, unread: 1 });
    const second = follow(b);
    await store.add(u, second);
    t.deepEqual((await store.heads(u, { limit: 20 })).heads.map((h) => h.id), [second.id, first.id]);
    t.is((await store.unread(u)).count, 2);
    await store.markRead(u, second.id);
    t.deepEqual(await store.unread(u), { count: 0, lastReadId: second.id });
    await store.remove(u, second.sourceKey, Date.now() + 1);
    t.deepEqual((await store.heads(u, { limit: 20 })).heads.map((h) => h.id), [first.id]);
    // Pages past the kept window, or larger than it, come from Cassandra.
    const before = reads.heads;
    await store.heads(u, { limit: HEADS_WINDOW });
    t.is(reads.heads, before + 1);
    t.deepEqual(failures, []);
  } finally {
    await close();
  }
});

test("cached: a Redis that does not answer: reads and changes go to Cassandra, and the failures are reported", async (t) => {
  const { rt, cleanup } = await testRuntime("cluster", "notifnoredis");
  const [port] = await freePorts(1);
  const dead = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  dead.on("error", () => {});
  try {
    const failures: unknown[] = [];
    const store = new CachedNotificationStore(new CassandraNotificationStore(rt.cassandra!, CONTRACT_RETENTION_MS), new RedisHydrationCache(dead, { prefix: "t_dead:", ttlMs: 60_000, markerTtlMs: 60_000 }), (err) => failures.push(err), { retentionMs: CONTRACT_RETENTION_MS });
    const u = rt.ids.next();
    t.deepEqual(await store.heads(u, { limit: 5 }), { heads: [], hasMore: false });
    t.deepEqual(await store.unread(u), { count: 0, lastReadId: 0n });
    t.is(failures.length, 2);
    // A change cannot drop what readers may keep: it fails, so its event is delivered again.
    const n = { id: rt.ids.next(), type: "follow" as const, sourceKey: "follow:1", groupKey: "follow-1", actorId: 1n, tweetId: 0n, at: Date.now() };
    await t.throwsAsync(store.add(u, n));
  } finally {
    dead.disconnect();
    await cleanup();
  }
});

// Cassandra only: a notification's writes are separate statements, so a
// process can die between them. The redelivered event must repair the rows
// and the count.
test("cassandra: a redelivery after a crash past the claim writes the rows and recounts", async (t) => {
  const { rt, cleanup } = await testRuntime("cluster", "notifrepair");
  try {
    const c = rt.cassandra!;
    const store = new CassandraNotificationStore(c, CONTRACT_RETENTION_MS);
    const [u, actor] = [rt.ids.next(), rt.ids.next()];
    const n = { id: rt.ids.next(), type: "follow" as const, sourceKey: `follow:${actor}`, groupKey: "follow-1", actorId: actor, tweetId: 0n, at: Date.now() };
    // The claim applied, then the process died.
    await c.execute(
      "INSERT INTO notification_sources (user_id, source_key, notification_id, group_key, type, tweet_id, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [u, n.sourceKey, n.id, n.groupKey, n.type, n.tweetId, n.actorId, new Date(n.at)],
    );
    t.deepEqual((await store.heads(u, { limit: 10 })).heads, []);
    t.deepEqual(await store.add(u, n), { added: false });
    t.deepEqual((await store.heads(u, { limit: 10 })).heads.map((h) => h.id), [n.id]);
    t.deepEqual(await store.unread(u), { count: 1, lastReadId: 0n });
    // And a count that drifted (a crash between the rows and the count) is set right by the next change.
    await c.execute("UPDATE notification_state SET unread_by_month = ? WHERE user_id = ?", [{ [monthOf(n.id)]: 5 }, u]);
    await store.add(u, n);
    t.deepEqual(await store.unread(u), { count: 1, lastReadId: 0n });
  } finally {
    await cleanup();
  }
});

test("cassandra: a read state from before the per-month counts (only `unread`) is recounted at its next read", async (t) => {
  const { rt, cleanup } = await testRuntime("cluster", "notiflegacy");
  try {
    const c = rt.cassandra!;
    const store = new CassandraNotificationStore(c, CONTRACT_RETENTION_MS);
    const [u, actor] = [rt.ids.next(), rt.ids.next()];
    await store.add(u, { id: rt.ids.next(), type: "follow", sourceKey: `follow:${actor}`, groupKey: `follow-${actor}`, actorId: actor, tweetId: 0n, at: Date.now() });
    await c.execute("UPDATE notification_state SET unread = 7, unread_by_month = null WHERE user_id = ?", [u]);
    t.deepEqual(await store.unread(u), { count: 1, lastReadId: 0n });
  } finally {
    await cleanup();
  }
});
