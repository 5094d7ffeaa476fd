import test from "ava";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { backends, reachable, uniqueName } from "../../testing/backends.js";
import { createCassandraClient } from "./client.js";
import type { CassandraConfig } from "./config.js";
import { loadMigrations, migrate, MIGRATIONS_DIR, qualify } from "./migrate.js";
import { parseReplication } from "./config.js";

const logger = pino({ level: "silent" });
const config = (keyspace: string): CassandraConfig => ({
  contactPoints: backends.cassandraContactPoints,
  localDc: backends.cassandraLocalDc,
  keyspace,
  coalesce: true,
  replication: "SimpleStrategy:1",
  consistency: "LOCAL_QUORUM",
});

async function dropKeyspace(ks: string) {
  const c = createCassandraClient(config(ks), { keyspace: false });
  await c.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await c.shutdown();
}

async function tables(ks: string): Promise<string[]> {
  const c = createCassandraClient(config(ks), { keyspace: false });
  const rs = await c.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [ks]);
  await c.shutdown();
  return rs.rows.map((r) => r.get("table_name") as string).sort();
}

test("migration files parse into statements that can be re-run", (t) => {
  const ms = loadMigrations();
  t.deepEqual(ms.map((m) => m.version), ms.map((_, i) => i + 1));
  for (const m of ms) {
    t.true(m.statements.length > 0);
    for (const s of m.statements) t.regex(s, /^(CREATE (TABLE|INDEX|TYPE) IF NOT EXISTS|ALTER TABLE \w+ ADD IF NOT EXISTS) /);
  }
});

test("statements get the keyspace in front of what they create or alter", (t) => {
  t.is(qualify("CREATE TABLE IF NOT EXISTS tweets (id bigint PRIMARY KEY)", "ks"), "CREATE TABLE IF NOT EXISTS ks.tweets (id bigint PRIMARY KEY)");
  t.is(qualify("ALTER TABLE tweets ADD IF NOT EXISTS x bigint", "ks"), "ALTER TABLE ks.tweets ADD IF NOT EXISTS x bigint");
});

test("replication settings become CQL maps", (t) => {
  t.is(parseReplication("SimpleStrategy:3"), "{'class': 'SimpleStrategy', 'replication_factor': 3}");
  t.is(
    parseReplication("NetworkTopologyStrategy:dc1=3,dc2=2"),
    "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}",
  );
  t.is(parseReplication("Simple:3"), undefined);
  t.is(parseReplication("SimpleStrategy:3'; DROP"), undefined);
});

test.serial("two processes migrating at once apply each migration once; re-running is a no-op", async (t) => {
  const ks = uniqueName("migrate");
  try {
    const [a, b] = await reachable("Cassandra", backends.cassandraContactPoints.join(","), () =>
      Promise.all([migrate(config(ks), { logger }), migrate(config(ks), { logger })]),
    );
    const all = loadMigrations().map((m) => m.name);
    t.deepEqual([...a.applied, ...b.applied].sort(), [...all].sort());
    const again = await migrate(config(ks), { logger });
    t.deepEqual(again.applied, []);
    const have = await tables(ks);
    for (const name of ["users", "usernames", "follow_edges", "tweets_by_user", "tweet_buckets_by_user", "schema_migrations"]) {
      t.true(have.includes(name), name);
    }
  } finally {
    await dropKeyspace(ks);
  }
});

test.serial("a migration that fails halfway can be re-run once fixed", async (t) => {
  const ks = uniqueName("halfway");
  const dir = mkdtempSync(join(tmpdir(), "chirp-mig-"));
  cpSync(join(MIGRATIONS_DIR, "0001_users.cql"), join(dir, "0001_users.cql"));
  const broken = "CREATE TABLE IF NOT EXISTS first_half (id int PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS broken (id nosuchtype PRIMARY KEY);\n";
  writeFileSync(join(dir, "0002_extra.cql"), broken);
  try {
    // cassandra-driver errors are not native Error instances, hence any: true.
    await t.throwsAsync(migrate(config(ks), { logger, dir }), { any: true, message: /nosuchtype/ });
    t.true((await tables(ks)).includes("first_half"));
    writeFileSync(join(dir, "0002_extra.cql"), broken.replace("nosuchtype", "int"));
    const { applied } = await migrate(config(ks), { logger, dir });
    t.deepEqual(applied, ["0002_extra"]);
    t.true((await tables(ks)).includes("broken"));
  } finally {
    await dropKeyspace(ks);
  }
});

test.serial("an applied migration that was edited is refused", async (t) => {
  const ks = uniqueName("edited");
  const dir = mkdtempSync(join(tmpdir(), "chirp-mig-"));
  writeFileSync(join(dir, "0001_one.cql"), "CREATE TABLE IF NOT EXISTS one (id int PRIMARY KEY);\n");
  try {
    await migrate(config(ks), { logger, dir });
    writeFileSync(join(dir, "0001_one.cql"), "CREATE TABLE IF NOT EXISTS one (id int PRIMARY KEY, x int);\n");
    await t.throwsAsync(migrate(config(ks), { logger, dir }), { message: /changed after it was applied/ });
  } finally {
    await dropKeyspace(ks);
  }
});
