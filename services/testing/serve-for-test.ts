// A kit server for tests: loopback, a free port, silent logs, no dependency
// checks, a verifier for a throwaway key unless the test brings its own.
import { pino } from "pino";
import { TokenVerifier } from "../kit/auth.js";
import { HealthMonitor } from "../kit/health.js";
import { generateKeyPairPem } from "../kit/keys.js";
import { createMetrics } from "../kit/metrics.js";
import { serve, type RunningServer, type ServeOptions } from "../kit/server.js";

export async function serveForTest(o: Pick<ServeOptions, "name" | "implementations"> & Partial<ServeOptions>): Promise<RunningServer> {
  const logger = pino({ level: "silent" });
  return serve({
    host: "127.0.0.1",
    port: 0,
    health: new HealthMonitor({ services: o.implementations.map(([s]) => s.typeName), checks: [], logger, intervalMs: 60_000 }),
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    verifier: o.verifier ?? (await TokenVerifier.fromPem((await generateKeyPairPem()).publicKeyPem, { issuer: "chirp", audience: "chirp" })),
    ...o,
  });
}
