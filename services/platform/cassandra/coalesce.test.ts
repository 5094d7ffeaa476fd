// Request coalescing against the real Cassandra node: requests started in
// separate callbacks of one event-loop turn share socket writes, and each
// still gets its own answer or error.
import test from "ava";
import net from "node:net";
import { backends, reachable } from "../../testing/backends.js";
import { createCassandraClient, type CassandraClient } from "./client.js";
import type { CassandraConfig } from "./config.js";

const config = (coalesce: boolean): CassandraConfig => ({
  contactPoints: backends.cassandraContactPoints,
  localDc: backends.cassandraLocalDc,
  keyspace: "system",
  replication: "SimpleStrategy:1",
  consistency: "LOCAL_ONE",
  coalesce,
});
const port = Number(backends.cassandraContactPoints[0]!.split(":")[1] ?? 9042);

/** Runs `n` queries, each started from its own setImmediate callback (as separate incoming calls would), counting socket writes to Cassandra. */
async function separately(client: CassandraClient, n: number): Promise<{ writes: number; versions: string[] }> {
  const write = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    if (this.remotePort === port) writes++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  try {
    const answers = await Promise.all(
      Array.from({ length: n }, () => new Promise<string>((resolve, reject) =>
        setImmediate(() => client.execute("SELECT release_version FROM local", [], { prepare: true }).then((rs) => resolve(String(rs.first()!.get("release_version"))), reject)),
      )),
    );
    return { writes, versions: answers };
  } finally {
    net.Socket.prototype.write = write;
  }
}

test("requests of one loop turn share socket writes; each gets its own answer", async (t) => {
  const plain = createCassandraClient(config(false));
  const coalesced = createCassandraClient(config(true));
  t.teardown(() => Promise.all([plain.shutdown(), coalesced.shutdown()]));
  await reachable("Cassandra", backends.cassandraContactPoints.join(","), async () => {
    await plain.connect();
    await coalesced.connect();
  });
  // Prepared once on each before counting.
  await separately(plain, 2);
  await separately(coalesced, 2);

  const before = await separately(plain, 20);
  const after = await separately(coalesced, 20);
  t.is(before.versions.length, 20);
  t.true(after.versions.every((v) => v === before.versions[0] && /^\d+\.\d+/.test(v)), "every request answered, with the same answer");
  t.true(before.writes >= 10, `without coalescing: ${before.writes} writes for 20 requests`);
  // One write per connection the driver spread them over (two to the one node).
  t.true(after.writes <= 2, `coalesced: ${after.writes} writes for 20 requests`);
});

test("an error reaches its own request only; batch and callback style still work", async (t) => {
  const client = createCassandraClient(config(true));
  t.teardown(() => client.shutdown());
  await reachable("Cassandra", backends.cassandraContactPoints.join(","), () => client.connect());
  const [bad, good, batch] = await Promise.allSettled([
    client.execute("SELECT nothing_here FROM local", [], { prepare: true }),
    client.execute("SELECT key FROM local", [], { prepare: true }),
    client.batch([{ query: "SELECT key FROM local", params: [] }], { prepare: true }),
  ]);
  t.is(bad.status, "rejected");
  t.regex(String((bad as PromiseRejectedResult).reason), /nothing_here/);
  t.is(good.status, "fulfilled");
  t.is(String((good as PromiseFulfilledResult<{ first(): { get(k: string): unknown } }>).value.first().get("key")), "local");
  // A batch of a SELECT is refused by Cassandra: the refusal comes back through the deferred call.
  t.is(batch.status, "rejected");
  t.regex(String((batch as PromiseRejectedResult).reason), /batch|SELECT/i);
  const viaCallback = await new Promise<string>((resolve, reject) =>
    client.execute("SELECT key FROM local", [], { prepare: true }, (err, rs) => (err ? reject(err) : resolve(String(rs.first().get("key"))))),
  );
  t.is(viaCallback, "local");
});
