// A Runtime for tests, in either mode, with its data isolated: a temporary
// data folder (embedded) or a fresh migrated keyspace and a stream/subject
// prefix of its own (cluster). cleanup() drops what it made.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { readConfig, type ChirpConfig } from "../../runtime/config.js";
import { createRuntime, type Runtime } from "../../runtime/runtime.js";
import { generateKeyPairPem } from "../../kit/keys.js";
import { createMetrics } from "../../kit/metrics.js";
import { createCassandraClient } from "../cassandra/client.js";
import { migrate } from "../cassandra/migrate.js";
import { backendEnv, backends, reachable, uniqueName } from "./backends.js";

export type Mode = "embedded" | "cluster";
export const MODES: Mode[] = ["embedded", "cluster"];

const keys = await generateKeyPairPem();

export interface TestRuntime {
  rt: Runtime;
  config: ChirpConfig;
  cleanup(): Promise<void>;
}

export async function testRuntime(mode: Mode, label: string, overrides: Partial<Runtime> = {}, env: Record<string, string> = {}): Promise<TestRuntime> {
  const name = uniqueName(label);
  const dataDir = mkdtempSync(join(tmpdir(), `chirp-${label}-`));
  const config = readConfig({
    CHIRP_MODE: mode,
    CHIRP_DATA_DIR: dataDir,
    CHIRP_LOG_LEVEL: process.env.CHIRP_TEST_LOG_LEVEL ?? "silent",
    CHIRP_JWT_PUBLIC_KEY: keys.publicKeyPem,
    CHIRP_JWT_PRIVATE_KEY: keys.privateKeyPem,
    // No admission limit: tests run many calls at once on purpose (the limit
    // has tests of its own), and so did the benchmarks' recorded runs.
    CHIRP_MAX_ENTRY_CALLS: "0",
    ...backendEnv(name),
    ...env,
  });
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  if (mode === "cluster") {
    await reachable("Cassandra", backends.cassandraContactPoints.join(","), () => migrate(config.cassandra, { logger }));
  }
  const rt = await createRuntime(config, { logger, metrics: createMetrics({ defaultMetrics: false }), ...overrides });
  return {
    rt,
    config,
    async cleanup() {
      await rt.close();
      if (mode === "cluster") {
        const admin = createCassandraClient(config.cassandra, { keyspace: false });
        await admin.execute(`DROP KEYSPACE IF EXISTS ${config.cassandra.keyspace}`).catch(() => {});
        await admin.shutdown();
        const { JetStreamBus } = await import("../bus/jetstream.js");
        const bus = await JetStreamBus.connect({ url: config.nats.url, prefix: config.nats.prefix, logger });
        await bus.deleteStreams();
        await bus.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
