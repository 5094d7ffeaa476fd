// A Runtime for tests, in either mode, with its data isolated: a temporary
// data folder (embedded) or a fresh migrated keyspace, a stream/subject
// prefix and a Redis key prefix of its own (cluster). cleanup() drops what
// it made.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { generateKeyPairPem } from "../kit/keys.js";
import { createMetrics } from "../kit/metrics.js";
import { migrate } from "../platform/cassandra/migrate.js";
import { readConfig, type ChirpConfig } from "../runtime/config.js";
import { createRuntime, type Runtime } from "../runtime/runtime.js";
import { backendEnv, backends, reachable, uniqueName } from "./backends.js";
import { dropClusterData } from "./cleanup.js";

export type Mode = "embedded" | "cluster";
export const MODES: Mode[] = ["embedded", "cluster"];

/** The token keys every test system signs and verifies with. */
export const testKeys = await generateKeyPairPem();

export interface TestRuntime {
  rt: Runtime;
  config: ChirpConfig;
  cleanup(): Promise<void>;
}

/** The settings of a test system: its own data, the test keys, silent logs; `env` wins. */
export function testConfig(mode: Mode, label: string, env: Record<string, string> = {}): ChirpConfig {
  return readConfig({
    CHIRP_MODE: mode,
    CHIRP_DATA_DIR: mkdtempSync(join(tmpdir(), `chirp-${label}-`)),
    CHIRP_LOG_LEVEL: process.env.CHIRP_TEST_LOG_LEVEL ?? "silent",
    CHIRP_JWT_PUBLIC_KEY: testKeys.publicKeyPem,
    CHIRP_JWT_PRIVATE_KEY: testKeys.privateKeyPem,
    // No admission limit: tests run many calls at once on purpose (the limit
    // has tests of its own).
    CHIRP_MAX_ENTRY_CALLS: "0",
    ...backendEnv(uniqueName(label)),
    ...env,
  });
}

/** Applies the migrations to the test keyspace (cluster mode), saying how to start Cassandra if it is not there. */
export async function prepareKeyspace(config: ChirpConfig): Promise<void> {
  if (config.mode !== "cluster") return;
  const logger = pino({ level: process.env.CHIRP_TEST_LOG_LEVEL ?? "silent" });
  await reachable("Cassandra", backends.cassandraContactPoints.join(","), () => migrate(config.cassandra, { logger }));
}

export async function testRuntime(mode: Mode, label: string, overrides: Partial<Runtime> = {}, env: Record<string, string> = {}): Promise<TestRuntime> {
  const config = testConfig(mode, label, env);
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  await prepareKeyspace(config);
  const rt = await createRuntime(config, { logger, metrics: createMetrics({ defaultMetrics: false }), ...overrides });
  return {
    rt,
    config,
    async cleanup() {
      await rt.close();
      if (mode === "cluster") await dropClusterData(config);
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
