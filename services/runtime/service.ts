// Starts one Chirp service on its port with the kit: health (with the
// service's own dependency checks), reflection, metrics, interceptors.
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { HealthMonitor, type DependencyCheck } from "../kit/health.js";
import { serve, serverInterceptors, type RunningServer } from "../kit/server.js";
import { recordServices, replay } from "../kit/unary-call.js";
import type { Runtime } from "./runtime.js";

export interface ServiceSpec {
  name: string;
  port: number;
  services: DescService[];
  routes: (router: ConnectRouter) => void;
  checks: DependencyCheck[];
}

export async function startService(rt: Runtime, spec: ServiceSpec): Promise<RunningServer> {
  const logger = rt.logger.child({ target: spec.name });
  const health = new HealthMonitor({ services: spec.services.map((s) => s.typeName), checks: spec.checks, logger });
  // One set of implementations for the network and the in-process transport.
  const routes = replay(recordServices(spec.routes));
  const server = await serve({
    name: spec.name,
    host: rt.config.host,
    port: spec.port,
    services: spec.services,
    routes,
    health,
    logger,
    metrics: rt.metrics,
    verifier: rt.verifier,
    maxEntryCalls: rt.config.maxEntryCalls,
  });
  rt.local?.register(spec.services, routes, serverInterceptors(logger, rt.metrics, rt.verifier));
  return server;
}

/** What a target's start() returns. */
export interface Started {
  name: string;
  /** Where it listens, for the start-up banner. */
  url?: string;
  stop(): Promise<void>;
}
