// The graph store contract against both adapters: LMDB on a temporary
// folder, Cassandra on a fresh migrated keyspace.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRuntime } from "../../testing/runtime.js";
import { CassandraGraphStore } from "./cassandra.js";
import { graphStoreContract } from "./contract.js";
import { LmdbGraphStore } from "./lmdb.js";

graphStoreContract(test, "lmdb", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chirp-graphstore-"));
  const store = LmdbGraphStore.open(dir);
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

graphStoreContract(test, "cassandra", async () => {
  const { rt, cleanup } = await testRuntime("cluster", "graphstore");
  return { store: new CassandraGraphStore(rt.cassandra!), close: cleanup };
});

// Cassandra only: the LWT and the list writes are separate statements, so a
// process can die between them. A retried call must repair the lists.
test("cassandra: a retried follow or unfollow repairs the lists after a crash past the LWT", async (t) => {
  const { rt, cleanup } = await testRuntime("cluster", "graphrepair");
  try {
    const c = rt.cassandra!;
    const store = new CassandraGraphStore(c);
    const [a, b] = [rt.ids.next(), rt.ids.next()];
    const edge = rt.ids.next();
    // The follow's LWT applied, then the process died.
    await c.execute("INSERT INTO follow_edges (follower_id, followee_id, edge_id, active) VALUES (?, ?, ?, true)", [a, b, edge]);
    t.deepEqual((await store.list("followers", b, 10)).edges, []);
    t.deepEqual(await store.follow(a, b, rt.ids.next()), { created: false, edgeId: edge });
    t.deepEqual((await store.list("followers", b, 10)).edges, [{ userId: a, edgeId: edge }]);
    t.deepEqual((await store.list("following", a, 10)).edges, [{ userId: b, edgeId: edge }]);
    // The unfollow's LWT applied, then the process died.
    await c.execute("UPDATE follow_edges SET active = false WHERE follower_id = ? AND followee_id = ?", [a, b]);
    t.is((await store.list("followers", b, 10)).edges.length, 1);
    t.deepEqual(await store.unfollow(a, b), { removed: false, edgeId: edge });
    t.deepEqual((await store.list("followers", b, 10)).edges, []);
    t.deepEqual((await store.list("following", a, 10)).edges, []);
  } finally {
    await cleanup();
  }
});
