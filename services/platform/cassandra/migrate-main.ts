// `make migrate`: apply pending CQL migrations to the configured keyspace.
import { z } from "zod";
import { readEnv } from "../../kit/config.js";
import { createLogger } from "../../kit/logger.js";
import { cassandraConfig, cassandraEnv } from "./config.js";
import { migrate } from "./migrate.js";

const env = readEnv(z.object({ ...cassandraEnv, CHIRP_LOG_LEVEL: z.string().default("info") }));
const logger = createLogger({ name: "migrate", level: env.CHIRP_LOG_LEVEL });
try {
  const { applied } = await migrate(cassandraConfig(env), { logger });
  logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : "nothing to apply");
} catch (err) {
  logger.error({ err }, "migration failed");
  process.exitCode = 1;
}
