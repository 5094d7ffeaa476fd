// A readiness probe from the chart, done from the host: gRPC health (h2c) or HTTP GET.
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import type { Probe } from "./pod-spec.js";

/** undefined when the probe passes, else what it saw. */
export async function ready(p: Probe): Promise<string | undefined> {
  const timeoutMs = (p.timeoutSeconds ?? 2) * 1000;
  try {
    if (p.httpGet) {
      const res = await fetch(`http://127.0.0.1:${p.httpGet.port}${p.httpGet.path}`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await res.text();
      return res.ok ? undefined : `GET ${p.httpGet.path}: ${res.status} ${body.slice(0, 200)}`;
    }
    if (p.grpc) {
      // As the kubelet's native probe: grpc.health.v1.Health/Check over HTTP/2 without TLS.
      const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${p.grpc.port}`, idleConnectionTimeoutMs: 1 });
      const res = await createClient(Health, transport).check({ service: p.grpc.service ?? "" }, { timeoutMs });
      return res.status === HealthCheckResponse_ServingStatus.SERVING ? undefined : `health ${HealthCheckResponse_ServingStatus[res.status]}`;
    }
    return "no readiness probe";
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return e.cause?.code ?? e.message;
  }
}
