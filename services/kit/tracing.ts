// Traces: OpenTelemetry spans for every RPC (server and client interceptors,
// which the gRPC fast path and the in-process transport run too), every
// REST request at the gateway and every bus message (platform/bus/traced.ts),
// joined by W3C `traceparent`: in gRPC metadata, in NATS message headers, and
// in the tweet service's outbox rows (between targets in one process, the
// async context carries it). Sampling is decided once, at the edge: a trace
// not kept makes no spans after it. Built once per process from the OTEL_*
// settings (tracing-config.ts) and passed in; when tracing is off nothing is
// installed, so calls pay nothing for it.
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http";
import type { TracingConfig } from "./tracing-config.js";

export interface Tracing {
  /** False: no spans, and nothing installed that would make them. */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /**
   * The sampler follows the parent's decision (the parentbased_* samplers):
   * under a parent that is not sampled no span would be recorded, so none is
   * made and the parent's context is passed on as it is (see unsampled()).
   */
  readonly parentBased: boolean;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const NO_TRACING: Tracing = {
  enabled: false,
  parentBased: false,
  tracer: trace.getTracer("chirp"),
  flush: async () => {},
  shutdown: async () => {},
};

export function samplerOf(name: TracingConfig["sampler"], ratio: number): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** The process's tracing as configured: NO_TRACING unless an exporter is set. */
export async function createTracing(cfg: TracingConfig): Promise<Tracing> {
  if (cfg.exporter === "none") return NO_TRACING;
  let exporter: SpanExporter;
  if (cfg.exporter === "console") exporter = new ConsoleSpanExporter();
  else {
    // Loaded only when asked for: the OTLP encoder is not small.
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
    exporter = new OTLPTraceExporter({ url: cfg.url, headers: cfg.headers });
  }
  return tracingWith({
    processor: new BatchSpanProcessor({ exporter }),
    sampler: samplerOf(cfg.sampler, cfg.ratio),
    attributes: { ...cfg.resourceAttributes, "service.name": cfg.serviceName },
  });
}

/** Spans to `processor`; every trace kept unless `sampler` says otherwise (tests pass an in-memory exporter's processor). */
export function tracingWith(o: { processor: SpanProcessor; sampler?: Sampler; attributes?: Attributes }): Tracing {
  propagateContext();
  const sampler = o.sampler ?? new AlwaysOnSampler();
  const provider = new TracerProvider({
    sampler,
    spanProcessors: [o.processor],
    resource: resourceFromAttributes({ "service.name": "chirp", ...o.attributes }),
  });
  return {
    enabled: true,
    parentBased: sampler instanceof ParentBasedSampler,
    tracer: provider.getTracer("chirp"),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** The active span follows async calls (once per process; the API's context is global). */
function propagateContext(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

// ---------------------------------------------------------------------------
// W3C trace context in and out of carriers

const w3c = new W3CTraceContextPropagator();

const fetchHeaders: TextMapGetter<Headers> & TextMapSetter<Headers> = {
  get: (h, key) => h.get(key) ?? undefined,
  keys: (h) => [...h.keys()],
  set: (h, key, value) => h.set(key, value),
};

const incoming: TextMapGetter<IncomingHttpHeaders> = {
  get: (h, key) => h[key],
  keys: (h) => Object.keys(h),
};

/** Writes the context's traceparent (and tracestate) into `carrier`. */
export function injectContext(ctx: Context, carrier: Record<string, string>): void {
  w3c.inject(ctx, carrier, defaultTextMapSetter);
}

/** The context a carrier's traceparent names; the root context without one. */
export function extractContext(carrier: Record<string, string> | undefined): Context {
  return carrier ? w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter) : ROOT_CONTEXT;
}

/** The active span's traceparent, for work that is picked up later (the tweet outbox). */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  injectContext(context.active(), carrier);
  return carrier.traceparent;
}

/** Runs `fn` as a continuation of the trace `traceparent` names. */
export function withTraceparent<T>(traceparent: string | undefined, fn: () => T): T {
  return traceparent ? context.with(extractContext({ traceparent }), fn) : fn();
}

// ---------------------------------------------------------------------------
// Spans

/**
 * True when `ctx` carries a trace that is not sampled and the sampler follows
 * the parent: a span there would not be recorded (the SDK would make a
 * non-recording one, with fresh ids nobody sees). Skipping it keeps an
 * unsampled request's cost to passing the context on: the edge decides once,
 * every hop after it pays almost nothing for the traces it does not keep.
 */
function unsampled(tracing: Tracing, ctx: Context): boolean {
  if (!tracing.parentBased) return false;
  const parent = trace.getSpanContext(ctx);
  return parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) === 0;
}

/** Runs `fn` in a span of its own, a child of the active one (a no-op without tracing). */
export function withSpan<T>(tracing: Tracing, name: string, attributes: Attributes, fn: () => Promise<T>, kind = SpanKind.INTERNAL): Promise<T> {
  if (!tracing.enabled || unsampled(tracing, context.active())) return fn();
  return tracing.tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      fail(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Runs `fn` with `span` active (or as is without one). */
export function inSpan<T>(span: Span | undefined, fn: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

function fail(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** Codes that are the server's fault (OpenTelemetry's RPC conventions); the others are the caller's. */
const SERVER_FAULTS = new Set([Code.Unknown, Code.DeadlineExceeded, Code.Unimplemented, Code.Internal, Code.Unavailable, Code.DataLoss]);

function endRpc(span: Span, err: unknown, server: boolean): void {
  if (err === undefined) {
    span.setAttribute("rpc.grpc.status_code", 0);
  } else {
    const e = ConnectError.from(err);
    span.setAttribute("rpc.grpc.status_code", e.code);
    if (!server || SERVER_FAULTS.has(e.code)) span.setStatus({ code: SpanStatusCode.ERROR, message: `${Code[e.code]}: ${e.rawMessage}` });
  }
  span.end();
}

function rpcAttributes(service: string, method: string): Attributes {
  return { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method };
}

/**
 * Where the caller's context comes from. Over the network: its `traceparent`
 * (gRPC metadata). In process (runtime/local-transport.ts): the caller's
 * active context itself, which the in-memory call runs in; nothing is written
 * into or parsed out of headers (Headers' checks cost more than the span).
 */
export interface RpcTracingOptions {
  inProcess?: boolean;
}

/**
 * Server side, outermost: a SERVER span per call, a child of the caller's
 * span. A stream's span lasts until the stream ends.
 */
export function traceServer(tracing: Tracing, opts: RpcTracingOptions = {}): Interceptor {
  const { tracer } = tracing;
  // Not an async function: a call that is not traced adds no promise of its own.
  return (next) => (req) => {
    const parent = opts.inProcess ? context.active() : w3c.extract(ROOT_CONTEXT, req.header, fetchHeaders);
    if (unsampled(tracing, parent)) return opts.inProcess ? next(req) : context.with(parent, () => next(req));
    return traced(next, req, parent);
  };
  async function traced(next: Parameters<Interceptor>[0], req: Parameters<ReturnType<Interceptor>>[0], parent: Context) {
    const span = tracer.startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.SERVER, attributes: rpcAttributes(req.service.typeName, req.method.name) },
      parent,
    );
    let res;
    try {
      res = await context.with(trace.setSpan(parent, span), () => next(req));
    } catch (err) {
      endRpc(span, err, true);
      throw err;
    }
    if (!res.stream) {
      endRpc(span, undefined, true);
      return res;
    }
    const inner = res.message;
    return {
      ...res,
      message: (async function* () {
        let failure: unknown;
        try {
          yield* inner;
        } catch (err) {
          failure = err;
          throw err;
        } finally {
          endRpc(span, failure, true);
        }
      })(),
    };
  }
}

/** Client side: a CLIENT span per call, its context sent along (see RpcTracingOptions). A stream's span ends when it opens. */
export function traceClient(tracing: Tracing, opts: RpcTracingOptions = {}): Interceptor {
  const { tracer } = tracing;
  return (next) => (req) => {
    const active = context.active();
    if (unsampled(tracing, active)) {
      if (!opts.inProcess) w3c.inject(active, req.header, fetchHeaders);
      return next(req);
    }
    return traced(next, req, active);
  };
  async function traced(next: Parameters<Interceptor>[0], req: Parameters<ReturnType<Interceptor>>[0], active: Context) {
    const span = tracer.startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.CLIENT, attributes: rpcAttributes(req.service.typeName, req.method.name) },
      active,
    );
    const ctx = trace.setSpan(active, span);
    try {
      let res;
      if (opts.inProcess) res = await context.with(ctx, () => next(req));
      else {
        w3c.inject(ctx, req.header, fetchHeaders);
        res = await next(req);
      }
      endRpc(span, undefined, false);
      return res;
    } catch (err) {
      endRpc(span, err, false);
      throw err;
    }
  }
}

/** The gateway's span for one REST request, a child of the client's `traceparent` if it sent one. */
export function startHttpSpan(tracing: Tracing, method: string, headers: IncomingHttpHeaders): Span | undefined {
  if (!tracing.enabled) return undefined;
  const parent = w3c.extract(ROOT_CONTEXT, headers, incoming);
  return tracing.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { "http.request.method": method } }, parent);
}

/** Names the span after its route template (never the concrete path) and ends it. */
export function endHttpSpan(span: Span, method: string, route: string, status: number): void {
  span.updateName(`${method} ${route}`);
  span.setAttribute("http.route", route);
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

export { SpanKind, unsampled };
