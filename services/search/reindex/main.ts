// make reindex: rebuilds the search index from the tweet and user stores in
// the mode the environment says (CHIRP_MODE, the same settings as the
// service), with a progress bar on stderr. Ctrl-C stops after the current
// page; running it again resumes. --restart starts over.
import { parseArgs } from "node:util";
import { pino } from "pino";
import { createCassandraClient } from "../../platform/cassandra/client.js";
import { migrate } from "../../platform/cassandra/migrate.js";
import { readConfig } from "../../runtime/config.js";
import { readSearchConfig } from "../config.js";
import { CassandraSearchStore } from "../store/cassandra.js";
import { LmdbSearchStore } from "../store/lmdb.js";
import type { SearchStore } from "../store/port.js";
import { join } from "node:path";
import { CassandraReindexSource } from "./cassandra-source.js";
import { reindex, type ReindexProgress } from "./job.js";
import { LmdbReindexSource } from "./lmdb-source.js";
import type { ReindexSource } from "./source.js";

const { values: args } = parseArgs({ options: { restart: { type: "boolean", default: false }, "page-size": { type: "string", default: "500" } } });
const config = readConfig();
const logger = pino({ level: config.logLevel });
const pageSize = Number(args["page-size"]);
if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) throw new Error(`--page-size must be 1..5000, got ${args["page-size"]}`);

let store: SearchStore;
let source: ReindexSource;
let closeClient = async () => {};
if (config.mode === "embedded") {
  store = LmdbSearchStore.open(join(config.dataDir, "search"));
  source = new LmdbReindexSource(config.dataDir);
} else {
  // As the services do at start-up when told to (CHIRP_MIGRATE_ON_START); else `make migrate` first.
  if (config.migrateOnStart) await migrate(config.cassandra, { logger });
  const client = createCassandraClient(config.cassandra);
  await client.connect();
  store = new CassandraSearchStore(client, { countFlushMs: readSearchConfig().countFlushMs, logger });
  source = new CassandraReindexSource(client);
  closeClient = () => client.shutdown();
}

let stop = false;
process.once("SIGINT", () => {
  stop = true;
  process.stderr.write("\nstopping after this page; run again to resume\n");
});

const started = Date.now();
function bar(p: ReindexProgress) {
  const width = 30;
  const filled = Math.round(p.done * width);
  const rate = Math.round(p.read / Math.max(0.001, (Date.now() - started) / 1000));
  const line = `${p.phase.padEnd(6)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(p.done * 100).toFixed(1).padStart(5)}%  read ${p.read}  indexed ${p.indexed}  ${rate}/s`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
  if (p.done >= 1 && process.stderr.isTTY) process.stderr.write("\n");
}

try {
  const result = await reindex(store, source, { pageSize, restart: args.restart, onProgress: bar, stopped: () => stop });
  process.stdout.write(`${stop ? "stopped" : "done"}: ${JSON.stringify(result)}\n`);
} finally {
  await source.close();
  await store.close();
  await closeClient();
}
