// A unary gRPC method under an h2load open loop (h2load.ts), one generator
// process per caller token, in a process that also serves the method: h2load
// sees HTTP statuses only (a gRPC error is an HTTP 200 with a status
// trailer), so whether each call succeeded is read off the server's own
// counters (kit/metrics.ts: calls by gRPC code, and calls the admission limit
// refused) over the loop.
import type { DescMethodUnary } from "@bufbuild/protobuf";
import type { Registry } from "prom-client";
import { envelope } from "../services/kit/grpc-wire.js";
import { h2loadOpenLoop, type H2loadResult } from "./h2load.js";

export interface H2loadGrpcOptions {
  /** The serving process's metrics (rpc_server_requests_total, rpc_server_shed_total). */
  registry: Registry;
  /** http://host:port of the server. */
  url: string;
  method: DescMethodUnary;
  /** The request message, binary. */
  request: Uint8Array;
  /** One generator process per token ("Bearer ..."). */
  authorizations: string[];
  rate: number;
  seconds: number;
  warmupS: number;
  /** h2loadOpenLoop's: the load is over, the logs not yet read. */
  loadEnded?: () => void;
}

export interface H2loadGrpcResult extends H2loadResult {
  /** Calls not answered OK (warm-up included) and requests of the window without a 2xx answer. */
  errors: number;
  /** What they were, e.g. "12 shed, 3 UNAVAILABLE". */
  errorText?: string | undefined;
  /** Calls the server took over the loop, warm-up and refused ones included. */
  served: number;
}

export async function h2loadGrpc(opts: H2loadGrpcOptions): Promise<H2loadGrpcResult> {
  const before = await callsByCode(opts.registry, opts.method);
  const r = await h2loadOpenLoop({
    url: opts.url,
    path: `/${opts.method.parent.typeName}/${opts.method.name}`,
    body: envelope(opts.request),
    headers: { "content-type": "application/grpc", te: "trailers" },
    clients: opts.authorizations.map((authorization) => ({ authorization })),
    rate: opts.rate,
    seconds: opts.seconds,
    warmupS: opts.warmupS,
    loadEnded: opts.loadEnded,
  });
  const after = await callsByCode(opts.registry, opts.method);
  const failed = [...after].filter(([code]) => code !== "OK").map(([code, n]) => [code, n - (before.get(code) ?? 0)] as const).filter(([, n]) => n > 0);
  const parts = [...failed.map(([code, n]) => `${n} ${code}`), ...(r.unsuccessful ? [`${r.unsuccessful} without a 2xx answer`] : [])];
  return {
    ...r,
    errors: failed.reduce((a, [, n]) => a + n, 0) + r.unsuccessful,
    errorText: parts.join(", ") || undefined,
    served: total(after) - total(before),
  };
}

/** Calls of `method` the server has counted so far: any code, shed included. */
export async function callsServed(registry: Registry, method: DescMethodUnary): Promise<number> {
  return total(await callsByCode(registry, method));
}

const total = (byCode: Map<string, number>) => [...byCode.values()].reduce((a, b) => a + b, 0);

/** Calls of `method` counted so far, by gRPC code ("OK", ...), and "shed". */
async function callsByCode(registry: Registry, method: DescMethodUnary): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of await registry.getMetricsAsJSON()) {
    if (m.name !== "rpc_server_requests_total" && m.name !== "rpc_server_shed_total") continue;
    for (const v of m.values) {
      if (v.labels.service !== method.parent.typeName || v.labels.method !== method.name) continue;
      const key = m.name === "rpc_server_shed_total" ? "shed" : String(v.labels.code);
      out.set(key, (out.get(key) ?? 0) + v.value);
    }
  }
  return out;
}
