// Removes what the benchmark left on the local backends and on disk: the
// chirp_bench_* keyspaces, the chirpbench_* Redis keys (datasets and the
// Redis ceiling's data) and NATS streams, and bench/results/.data. Results,
// logs and profiles stay.
//   node --import tsx bench/clean.ts            (make bench-clean)
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { createCassandraClient } from "../services/platform/cassandra/client.js";
import { readConfig } from "../services/runtime/config.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cfg = readConfig();
const report = (what: string, r: PromiseSettledResult<string>) =>
  process.stdout.write(`${what}: ${r.status === "fulfilled" ? r.value : `skipped (${(r.reason as Error).message})`}\n`);

async function cassandra(): Promise<string> {
  const client = createCassandraClient(cfg.cassandra, { keyspace: false });
  await client.connect();
  try {
    const rs = await client.execute("SELECT keyspace_name FROM system_schema.keyspaces");
    const names = rs.rows.map((r) => String(r.keyspace_name)).filter((n) => n.startsWith("chirp_bench_"));
    for (const n of names) await client.execute(`DROP KEYSPACE IF EXISTS ${n}`, [], { readTimeout: 60_000 });
    return names.length ? `dropped ${names.join(", ")}` : "no chirp_bench_* keyspace";
  } finally {
    await client.shutdown();
  }
}

async function redis(): Promise<string> {
  const r = new Redis(cfg.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  await r.connect();
  try {
    let cursor = "0";
    let deleted = 0;
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      const [next, keys] = await r.scan(cursor, "MATCH", "chirpbench_*", "COUNT", 1000);
      if (keys.length) deleted += await r.unlink(...keys);
      cursor = next;
      if (cursor === "0") break;
    }
    return `deleted ${deleted} chirpbench_* keys`;
  } finally {
    r.disconnect();
  }
}

async function nats(): Promise<string> {
  const nc = await connect({ servers: cfg.nats.url, timeout: 3000 });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const s of jsm.streams.list()) if (s.config.name.startsWith("CHIRPBENCH_")) names.push(s.config.name);
    for (const n of names) await jsm.streams.delete(n);
    return names.length ? `deleted streams ${names.join(", ")}` : "no CHIRPBENCH_* stream";
  } finally {
    await nc.close();
  }
}

const results = await Promise.allSettled([cassandra(), redis(), nats()]);
report("cassandra", results[0]!);
report("redis", results[1]!);
report("nats", results[2]!);
rmSync(join(ROOT, "bench", "results", ".data"), { recursive: true, force: true });
process.stdout.write("removed bench/results/.data\n");
process.exit(0);
