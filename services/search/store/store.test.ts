// The search index contract against both adapters: LMDB in a temporary
// folder, and Cassandra in a fresh keyspace of its own.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRuntime, type TestRuntime } from "../../testing/runtime.js";
import { CassandraSearchStore } from "./cassandra.js";
import { idIn, searchStoreContract, unique } from "./contract.js";
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

test("cassandra: counts summed in process are written at flush, every bucket exact", async (t) => {
  cluster ??= testRuntime("cluster", "searchstore");
  // Flushed only when asked: the sums of many adds and removes go out together.
  const deferred = new CassandraSearchStore((await cluster).rt.cassandra!, { countFlushMs: 60_000 });
  t.teardown(() => deferred.close());
  const [a, b] = [unique("sum"), unique("one")];
  const removed = idIn(600);
  for (const id of [idIn(600), idIn(600), removed]) t.true(await deferred.addTweet(id, [a]));
  for (const id of [idIn(602), idIn(602)]) t.true(await deferred.addTweet(id, [a, b]));
  t.true(await deferred.addTweet(idIn(605), [a]));
  t.true(await deferred.removeTweet(removed));
  t.deepEqual(await deferred.buckets(a, 700, 0, 10), [{ bucket: 605, count: 0 }, { bucket: 602, count: 0 }, { bucket: 600, count: 0 }], "not written before flush()");
  await deferred.flush();
  t.deepEqual(await deferred.buckets(a, 700, 0, 10), [{ bucket: 605, count: 1 }, { bucket: 602, count: 2 }, { bucket: 600, count: 2 }]);
  t.deepEqual(await deferred.buckets(b, 700, 0, 10), [{ bucket: 602, count: 2 }]);
});
