// Starts one Chirp service on its port with the kit: health (with the
// service's own dependency checks), reflection, metrics, interceptors.
import { HealthMonitor, type DependencyCheck } from "../kit/health.js";
import { serve, serverInterceptors, type RunningServer } from "../kit/server.js";
import type { Implementations } from "../kit/unary-call.js";
import type { Runtime } from "./runtime.js";

export interface ServiceSpec {
  name: string;
  port: number;
  /** Built once; served over the network and, to targets in this process, in memory. */
  implementations: Implementations;
  checks: DependencyCheck[];
}

export async function startService(rt: Runtime, spec: ServiceSpec): Promise<RunningServer> {
  const logger = rt.logger.child({ target: spec.name });
  const health = new HealthMonitor({ services: spec.implementations.map(([s]) => s.typeName), checks: spec.checks, logger });
  const server = await serve({
    name: spec.name,
    host: rt.config.host,
    port: spec.port,
    implementations: spec.implementations,
    health,
    logger,
    metrics: rt.metrics,
    verifier: rt.verifier,
    maxEntryCalls: rt.config.maxEntryCalls,
    tracing: rt.tracing,
  });
  rt.local?.register(spec.implementations, serverInterceptors(logger, rt.metrics, rt.verifier, rt.tracing, { inProcess: true }));
  return {
    port: server.port,
    async close(graceMs) {
      rt.local?.unregister(spec.implementations);
      await server.close(graceMs);
    },
  };
}

/** What a target's start() returns. */
export interface Started {
  name: string;
  /** Where it listens, for the start-up banner. */
  url?: string;
  stop(): Promise<void>;
}

/** A service fed by events: its consumers start first and stop after the server; `close` runs last. */
export interface ConsumingServiceSpec extends ServiceSpec {
  consume(): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startConsumingService(rt: Runtime, spec: ConsumingServiceSpec): Promise<Started & { url: string; port: number }> {
  let consumer: { stop(): Promise<void> } | undefined;
  let server: RunningServer;
  try {
    consumer = await spec.consume();
    server = await startService(rt, spec);
  } catch (err) {
    await consumer?.stop();
    await spec.close();
    throw err;
  }
  const running = { server, consumer };
  return {
    name: spec.name,
    url: `http://${rt.config.host}:${server.port}`,
    port: server.port,
    async stop() {
      await running.server.close(rt.config.shutdownGraceMs);
      await running.consumer.stop();
      await spec.close();
    },
  };
}
