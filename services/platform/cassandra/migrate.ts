// Versioned CQL migrations. Each file migrations/NNNN_name.cql is applied
// once, in order, and recorded in schema_migrations. Statements are written
// to be idempotent (IF NOT EXISTS), so a migration that failed halfway can
// be re-run. A lease row taken with an LWT keeps two processes from
// changing the schema at the same time.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "../../kit/logger.js";
import { createCassandraClient, type CassandraClient } from "./client.js";
import { parseReplication, type CassandraConfig } from "./config.js";

export const MIGRATIONS_DIR = join(dirname(new URL(import.meta.url).pathname), "migrations");

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.cql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const statements = text
        .split("\n")
        .filter((l) => !l.trim().startsWith("--"))
        .join("\n")
        .split(/;\s*(?:\n|$)/)
        .map((s) => s.trim())
        .filter(Boolean);
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.cql$/, ""),
        statements,
        checksum: createHash("sha256").update(text).digest("hex").slice(0, 16),
      };
    });
}

export interface MigrateOptions {
  logger: Logger;
  dir?: string;
  /** How long to wait for another process's lease. */
  lockTimeoutMs?: number;
}

export async function migrate(cfg: CassandraConfig, opts: MigrateOptions): Promise<{ applied: string[] }> {
  const replication = parseReplication(cfg.replication);
  if (!replication) throw new Error(`invalid replication '${cfg.replication}'`);
  // Schema changes wait for agreement and can be slow on a busy node.
  const client = createCassandraClient(cfg, { keyspace: false, readTimeoutMs: 120_000 });
  const ks = cfg.keyspace;
  const log = opts.logger.child({ keyspace: ks });
  try {
    await client.connect();
    await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = ${replication}`);
    await client.execute(
      `CREATE TABLE IF NOT EXISTS ${ks}.schema_migrations (version int PRIMARY KEY, name text, checksum text, applied_at timestamp)`,
    );
    await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.schema_lock (id int PRIMARY KEY, owner text, acquired_at timestamp)`);
    const owner = randomUUID();
    await acquire(client, ks, owner, opts.lockTimeoutMs ?? 120_000, log);
    try {
      return { applied: await applyPending(client, ks, loadMigrations(opts.dir), log) };
    } finally {
      await client.execute(`DELETE FROM ${ks}.schema_lock WHERE id = 0 IF owner = ?`, [owner]);
    }
  } finally {
    await client.shutdown();
  }
}

async function acquire(client: CassandraClient, ks: string, owner: string, timeoutMs: number, log: Logger): Promise<void> {
  const until = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    // The TTL frees the lease if its holder dies mid-migration.
    const rs = await client.execute(
      `INSERT INTO ${ks}.schema_lock (id, owner, acquired_at) VALUES (0, ?, toTimestamp(now())) IF NOT EXISTS USING TTL 300`,
      [owner],
    );
    if (rs.wasApplied()) return;
    if (!waited) log.info("another process is migrating; waiting for it");
    waited = true;
    if (Date.now() > until) throw new Error(`schema lock on ${ks} still held after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function applyPending(client: CassandraClient, ks: string, migrations: Migration[], log: Logger): Promise<string[]> {
  const rows = (await client.execute(`SELECT version, name, checksum FROM ${ks}.schema_migrations`)).rows;
  const done = new Map(rows.map((r) => [r.get("version") as number, r.get("checksum") as string]));
  for (const m of migrations) {
    const was = done.get(m.version);
    if (was !== undefined && was !== m.checksum) {
      throw new Error(`migration ${m.name} changed after it was applied (checksum ${was} -> ${m.checksum}); add a new migration instead`);
    }
  }
  const pending = migrations.filter((m) => !done.has(m.version));
  const applied: string[] = [];
  for (const [i, m] of pending.entries()) {
    const started = Date.now();
    log.info({ migration: m.name, step: `${i + 1}/${pending.length}`, statements: m.statements.length }, "applying migration");
    for (const statement of m.statements) {
      await client.execute(qualify(statement, ks));
    }
    await client.execute(
      `INSERT INTO ${ks}.schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, toTimestamp(now()))`,
      [m.version, m.name, m.checksum],
    );
    log.info({ migration: m.name, ms: Date.now() - started }, "migration applied");
    applied.push(m.name);
  }
  if (pending.length === 0) log.info({ version: migrations.at(-1)?.version ?? 0 }, "schema is up to date");
  return applied;
}

/** Puts the keyspace in front of the table, index or type a statement names (migrations are keyspace-free). */
export function qualify(statement: string, ks: string): string {
  return statement
    .replace(/\bCREATE (TABLE|INDEX|TYPE) IF NOT EXISTS (\w+)/g, `CREATE $1 IF NOT EXISTS ${ks}.$2`)
    .replace(/\bALTER TABLE (\w+)/g, `ALTER TABLE ${ks}.$1`);
}
