// The gateway's Prometheus metrics, on the process registry (so /metrics
// shows them next to the services' RPC metrics in the all-in-one process).
// Routes are labelled by template, never by concrete path, to keep the
// label set bounded.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface GatewayMetrics {
  requests: Counter<"route" | "method" | "status">;
  duration: Histogram<"route" | "method" | "status">;
  rateLimited: Counter<"scope">;
  limiterErrors: Counter;
  shed: Counter;
  streams: Gauge;
}

/** Registers once per registry: a second gateway on the same runtime shares them. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const labelNames = ["route", "method", "status"] as const;
  return {
    requests: once(registry, "http_server_requests_total", () =>
      new Counter({ name: "http_server_requests_total", help: "REST requests, by route template, HTTP method and status.", labelNames, registers: [registry] }),
    ),
    duration: once(registry, "http_server_duration_seconds", () =>
      new Histogram({
        name: "http_server_duration_seconds",
        help: "REST request handling time (to the end of the response; event streams excluded), by route template, method and status.",
        labelNames,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
    ),
    rateLimited: once(registry, "http_server_rate_limited_total", () =>
      new Counter({ name: "http_server_rate_limited_total", help: "Requests refused with 429, by the bucket that refused (ip or user).", labelNames: ["scope"], registers: [registry] }),
    ),
    limiterErrors: once(registry, "http_server_rate_limiter_errors_total", () =>
      new Counter({ name: "http_server_rate_limiter_errors_total", help: "Rate-limit checks that failed (the request was let through).", registers: [registry] }),
    ),
    shed: once(registry, "http_server_shed_total", () =>
      new Counter({ name: "http_server_shed_total", help: "Requests refused with 503 because the gateway had its limit of requests in flight.", registers: [registry] }),
    ),
    streams: once(registry, "http_server_event_streams", () =>
      new Gauge({ name: "http_server_event_streams", help: "Server-sent event streams open now.", registers: [registry] }),
    ),
  };
}
