// The notification store contract against both adapters: LMDB on a
// temporary folder, Cassandra on a fresh migrated keyspace.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRuntime } from "../../testing/runtime.js";
import { CassandraNotificationStore } from "./cassandra.js";
import { CONTRACT_RETENTION_MS, notificationStoreContract } from "./contract.js";
import { LmdbNotificationStore } from "./lmdb.js";

notificationStoreContract(test, "lmdb", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chirp-notifstore-"));
  const store = LmdbNotificationStore.open(dir, CONTRACT_RETENTION_MS);
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

notificationStoreContract(test, "cassandra", async () => {
  const { rt, cleanup } = await testRuntime("cluster", "notifstore");
  return { store: new CassandraNotificationStore(rt.cassandra!, CONTRACT_RETENTION_MS), close: cleanup };
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
    await c.execute("UPDATE notification_state SET unread = 5 WHERE user_id = ?", [u]);
    await store.add(u, n);
    t.deepEqual(await store.unread(u), { count: 1, lastReadId: 0n });
  } finally {
    await cleanup();
  }
});
