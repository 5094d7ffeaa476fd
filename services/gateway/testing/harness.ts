// A gateway in front of any services reachable over gRPC at one address,
// on a free port: for testing the REST edge against in-test implementations
// (target.ts does the same wiring for Chirp's four services).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { pino, type Logger } from "pino";
import { Health } from "../../../gen/grpc/health/v1/health_pb.js";
import type { TokenVerifier } from "../../kit/auth.js";
import { createMetrics } from "../../kit/metrics.js";
import { readGatewayConfig, type GatewayConfig } from "../config.js";
import { Gateway } from "../gateway.js";
import { Invoker } from "../invoker.js";
import { gatewayMetrics } from "../metrics.js";
import { MemoryRateLimiter } from "../ratelimit/memory.js";
import { LimitPolicy } from "../ratelimit/policy.js";
import type { RateLimiter } from "../ratelimit/port.js";
import { Readiness } from "../readiness.js";

export interface Harness {
  base: string;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startHarness(o: {
  services: DescService[];
  grpcUrl: string;
  verifier: TokenVerifier;
  config?: Partial<GatewayConfig>;
  limiter?: RateLimiter;
  /** Health-checked service names (default: the services'). */
  probe?: string[];
  /** The gateway's logger (default: silent, or CHIRP_TEST_LOG_LEVEL). */
  logger?: Logger;
}): Promise<Harness> {
  const cfg = { ...readGatewayConfig({}), ...o.config };
  const transport = createGrpcTransport({ baseUrl: o.grpcUrl });
  const metrics = createMetrics({ defaultMetrics: false });
  const limiter = o.limiter ?? new MemoryRateLimiter();
  const gateway = new Gateway({
    services: o.services,
    invoker: new Invoker(o.services.map((s) => [s, createClient(s, transport) as Client<DescService>])),
    config: cfg,
    limits: new LimitPolicy(limiter, cfg.rateLimit, pino({ level: "silent" })),
    readiness: new Readiness(
      (o.probe ?? o.services.map((s) => s.typeName)).map((name) => ({ name, service: name, client: createClient(Health, transport) })),
      cfg.readyCacheMs,
    ),
    verifier: o.verifier,
    metrics: gatewayMetrics(metrics.registry),
    metricsText: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    logger: o.logger ?? pino({ level: process.env.CHIRP_TEST_LOG_LEVEL ?? "silent" }),
  });
  const server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gateway,
    async close() {
      gateway.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await limiter.close();
    },
  };
}
