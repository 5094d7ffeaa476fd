// Serves a set of Connect services on one port (gRPC, gRPC-Web and Connect),
// with health, reflection, metrics, logs and graceful shutdown. Unary gRPC
// calls take a shorter path to the same implementations (grpc-unary.ts).
import { setMaxListeners } from "node:events";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { admit, Admission } from "./admission.js";
import type { TokenVerifier } from "./auth.js";
import { Health, type HealthMonitor } from "./health.js";
import { authenticate, observe, validate } from "./interceptors.js";
import { withSpecGrpcMessage } from "./grpc-message.js";
import { grpcUnaryFastPath } from "./grpc-unary.js";
import { listenDual, type RequestHandler } from "./listener.js";
import type { Logger } from "./logger.js";
import type { RpcMetrics } from "./metrics.js";
import { registerReflection } from "./reflection.js";
import { traceServer, type RpcTracingOptions, type Tracing } from "./tracing.js";
import { ShedLog } from "./shed-log.js";
import { implement, routesOf, type Implementations } from "./unary-call.js";

export interface ServeOptions {
  name: string;
  host: string;
  port: number;
  /** The services this server exposes and their implementations, built once by the caller. */
  implementations: Implementations;
  health: HealthMonitor;
  logger: Logger;
  metrics: RpcMetrics;
  verifier: TokenVerifier;
  /** Largest accepted request message. */
  readMaxBytes?: number;
  /** Admission limit for unary calls from outside the mesh (0 or unset: none); see admission.ts. */
  maxEntryCalls?: number;
  /** Unary gRPC calls take the kit's own path (grpc-unary.ts); false leaves every call to Connect's handler, the stock side of bench/services/kit/transport.ts. Default true. */
  unaryFastPath?: boolean;
  /** Spans for every call (kit/tracing.ts); unset or off: none. */
  tracing?: Tracing;
}

export interface RunningServer {
  readonly port: number;
  /** Graceful: NOT_SERVING, stop accepting, let calls finish, then close. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Outermost first: the call's span (with tracing on; `inProcess` for the
 * in-memory transport's copy); scope, logs, metrics and error mapping;
 * caller; request rules.
 */
export function serverInterceptors(logger: Logger, metrics: RpcMetrics, verifier: TokenVerifier, tracing?: Tracing, opts?: RpcTracingOptions): Interceptor[] {
  const own = [observe(logger, metrics), authenticate(verifier), validate()];
  return tracing?.enabled ? [traceServer(tracing, opts), ...own] : own;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const shutdown = new AbortController();
  // Every in-flight call listens on this signal; there is no leak to warn about.
  setMaxListeners(0, shutdown.signal);
  const interceptors = serverInterceptors(opts.logger, opts.metrics, opts.verifier, opts.tracing);
  const readMaxBytes = opts.readMaxBytes ?? 1024 * 1024;
  const maxEntryCalls = opts.maxEntryCalls ?? 0;
  // Refusals are counted one by one and logged once a second with their count.
  const shedLog = new ShedLog(opts.logger, "shed calls: overloaded", "methods", { limit: maxEntryCalls });
  const admission = new Admission(maxEntryCalls, (method) => {
    opts.metrics.shed.inc({ service: method.parent.typeName, method: method.name });
    shedLog.note(`${method.parent.typeName}/${method.name}`);
  });
  // Served both ways from the same objects: Connect's handler and the unary fast path.
  const services: Implementations = [implement(Health, opts.health.impl()), ...opts.implementations];
  const exposed = opts.implementations.map(([s]) => s);
  const routes = (router: ConnectRouter) => {
    routesOf(services)(router);
    registerReflection(router, [...exposed, Health]);
  };
  const handler = connectNodeAdapter({
    // The fast path checks the limit itself, before decoding; this is for the rest.
    interceptors: [admit(admission), ...interceptors],
    shutdownSignal: shutdown.signal,
    readMaxBytes,
    // Compressed requests are accepted, but answers go out uncompressed even
    // to clients that offer gzip: between services on one network, gzip cost
    // more CPU than anything else in a timeline read. Clients on slow links
    // use the REST edge.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    routes,
    fallback(req, res) {
      if (req.method === "GET" && req.url === "/metrics") {
        opts.metrics.registry.metrics().then(
          (body) => {
            res.writeHead(200, { "content-type": opts.metrics.registry.contentType });
            res.end(body);
          },
          () => {
            res.writeHead(500);
            res.end();
          },
        );
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "not_found", message: `no route for ${req.method} ${req.url}` }));
    },
  }) as RequestHandler;

  await opts.health.start();
  const fast = opts.unaryFastPath === false ? undefined : grpcUnaryFastPath({
    services,
    interceptors,
    shutdownSignal: shutdown.signal,
    readMaxBytes,
    admission,
  });
  const listener = await listenDual(withSpecGrpcMessage(handler), opts.host, opts.port, fast);
  opts.logger.info({ port: listener.port, services: exposed.map((s) => s.typeName) }, `${opts.name} listening`);
  return {
    port: listener.port,
    async close(graceMs = 10_000) {
      opts.health.stop();
      shutdown.abort();
      await listener.close(graceMs);
      shedLog.flush();
      opts.logger.info(`${opts.name} stopped`);
    },
  };
}
