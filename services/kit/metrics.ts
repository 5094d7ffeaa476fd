// Prometheus metrics: one registry per process, request count and latency by
// service, method and gRPC code.
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface RpcMetrics {
  registry: Registry;
  requests: Counter<"service" | "method" | "code">;
  duration: Histogram<"service" | "method" | "code">;
  shed: Counter<"service" | "method">;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): RpcMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const labelNames = ["service", "method", "code"] as const;
  return {
    registry,
    requests: new Counter({
      name: "rpc_server_requests_total",
      help: "RPCs handled, by service, method and gRPC code.",
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "rpc_server_duration_seconds",
      help: "RPC handling time, by service, method and gRPC code.",
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    shed: new Counter({
      name: "rpc_server_shed_total",
      help: "Unary calls answered UNAVAILABLE at once because the service had its limit of entry calls in flight.",
      labelNames: ["service", "method"] as const,
      registers: [registry],
    }),
  };
}
