// The search index contract against both adapters: LMDB in a temporary
// folder, and Cassandra in a fresh keyspace of its own.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRuntime, type TestRuntime } from "../../testing/runtime.js";
import { CassandraSearchStore } from "./cassandra.js";
import { searchStoreContract } from "./contract.js";
import { LmdbSearchStore } from "./lmdb.js";

const dir = mkdtempSync(join(tmpdir(), "chirp-search-store-"));
const lmdb = LmdbSearchStore.open(dir);
let cluster: Promise<TestRuntime> | undefined;
let cassandra: CassandraSearchStore | undefined;

test.after.always(async () => {
  await lmdb.close();
  rmSync(dir, { recursive: true, force: true });
  await cassandra?.close();
  if (cluster) await (await cluster).cleanup();
});

searchStoreContract(test, "lmdb", async () => lmdb);
searchStoreContract(test, "cassandra", async () => {
  cluster ??= testRuntime("cluster", "searchstore");
  // Counts written at once: the contract reads them right after.
  return (cassandra ??= new CassandraSearchStore((await cluster).rt.cassandra!, { countFlushMs: 0 }));
});
