// The user store contract against both adapters: LMDB on a temporary folder,
// Cassandra on a fresh migrated keyspace.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRuntime } from "../../testing/runtime.js";
import { CassandraUserStore } from "./cassandra.js";
import { userStoreContract } from "./contract.js";
import { LmdbUserStore } from "./lmdb.js";

userStoreContract(test, "lmdb", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chirp-userstore-"));
  const store = LmdbUserStore.open(dir);
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

userStoreContract(test, "cassandra", async () => {
  const { rt, cleanup } = await testRuntime("cluster", "userstore");
  return { store: new CassandraUserStore(rt.cassandra!), close: cleanup };
});
