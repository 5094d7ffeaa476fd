// The REST edge as one request handler: request id, CORS, the built-in
// endpoints, rate limits, routing, transcoding, the call, the response (or
// an event stream), metrics and the access log. Transport-agnostic in what
// it calls: services and clients are handed in.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DescService, Registry } from "@bufbuild/protobuf";
import type { Span } from "@opentelemetry/api";
import type { TokenVerifier } from "../kit/auth.js";
import { isShed } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";
import { REQUEST_ID_HEADER, requestScope, sanitizeRequestId } from "../kit/request-context.js";
import { ShedLog } from "../kit/shed-log.js";
import { stopOnAbort } from "../kit/stop-on-abort.js";
import { endHttpSpan, inSpan, startHttpSpan, type Tracing } from "../kit/tracing.js";
import type { GatewayConfig } from "./config.js";
import { renderDocs } from "./openapi/docs.js";
import { buildOpenApi } from "./openapi/openapi.js";
import { checkJsonContentType, readBody } from "./http/body.js";
import { clientIp } from "./http/client-ip.js";
import { Cors } from "./http/cors.js";
import { errorResponse, HttpError } from "./http/errors.js";
import { STREAMING_PATH } from "./live/server.js";
import type { Invoker } from "./invoker.js";
import type { GatewayMetrics } from "./metrics.js";
import type { LimitPolicy } from "./ratelimit/policy.js";
import { TokenSubjects } from "./ratelimit/subject.js";
import type { Readiness } from "./readiness.js";
import { serveEventStream } from "./sse.js";
import { bindingsOf, type Binding } from "./transcode/bindings.js";
import type { JsonWriter } from "./transcode/json-writer.js";
import { jsonRegistry, jsonWriter } from "./transcode/json.js";
import { pathValues, PathValueError } from "./transcode/path-values.js";
import { buildRequest, InvalidRequest } from "./transcode/request.js";
import { responseJson } from "./transcode/response.js";
import { Router } from "./transcode/router.js";

export interface GatewayOptions {
  services: DescService[];
  invoker: Invoker;
  config: GatewayConfig;
  limits: LimitPolicy;
  readiness: Readiness;
  verifier: TokenVerifier;
  metrics: GatewayMetrics;
  /** The process registry's text exposition, for /metrics. */
  metricsText: () => Promise<{ contentType: string; body: string }>;
  logger: Logger;
  /** For the OpenAPI document's servers list. */
  publicUrl?: string;
  /** A span per API request, continuing the client's traceparent (kit/tracing.ts). */
  tracing?: Tracing;
}

const KNOWN_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]);
const JSON_TYPE = "application/json; charset=utf-8";

/** Built-in endpoints get the common headers (request id, CORS). */
type Builtin = (res: ServerResponse, headers: Record<string, string>) => Promise<void>;

export class Gateway {
  readonly router = new Router<Binding>();
  readonly registry: Registry;
  private readonly json: JsonWriter;
  readonly bindings: Binding[];
  private readonly cors: Cors;
  private readonly builtins: Map<string, Builtin>;
  private readonly shutdown = new AbortController();
  /** API requests being worked on (the admission limit's count). */
  private inFlight = 0;
  private readonly streams = stopOnAbort<() => void>(this.shutdown.signal, (stop) => stop());
  private readonly openApiJson: string;
  private readonly docsHtml: string;
  private readonly subjects: TokenSubjects;
  /** Requests refused for overload, here or by a service: one line a second with the count. */
  private readonly shedLog: ShedLog;
  private readonly overloadedJson: string;

  constructor(private readonly o: GatewayOptions) {
    this.bindings = bindingsOf(o.services);
    for (const b of this.bindings) {
      if (!o.invoker.has(b.service)) throw new Error(`no client for ${b.service.typeName}`);
      this.router.add(b.httpMethod, b.template, b);
    }
    this.registry = jsonRegistry(o.services);
    this.json = jsonWriter(this.registry);
    this.cors = new Cors(o.config.cors);
    this.subjects = new TokenSubjects(o.verifier);
    this.shedLog = new ShedLog(o.logger, "shed requests: overloaded", "refusedBy", { maxInFlight: o.config.maxInFlight });
    this.overloadedJson = JSON.stringify({ code: "unavailable", message: `overloaded: ${o.config.maxInFlight} requests in flight; retry with backoff`, details: [] });
    const doc = buildOpenApi(this.bindings, { serverUrl: o.publicUrl });
    this.openApiJson = JSON.stringify(doc, null, 2);
    this.docsHtml = renderDocs(doc);
    this.builtins = new Map<string, Builtin>([
      ["/healthz", async (res, h) => this.send(res, 200, JSON.stringify({ status: "ok" }), h)],
      ["/readyz", (res, h) => this.ready(res, h)],
      ["/metrics", (res, h) => this.metricsEndpoint(res, h)],
      ["/openapi.json", async (res, h) => this.send(res, 200, this.openApiJson, h)],
      ["/docs", async (res, h) => this.sendHtml(res, this.docsHtml, h)],
    ]);
  }

  /** Ends open event streams (graceful shutdown). */
  close(): void {
    this.shutdown.abort();
    this.shedLog.flush();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.serve(req, res);
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const id = sanitizeRequestId(header(req, REQUEST_ID_HEADER) ?? null) ?? randomUUID();
    const method = (req.method ?? "GET").toUpperCase();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    // Built when a line is written: a refused request writes none.
    let child: Logger | undefined;
    const log = () => (child ??= this.o.logger.child({ requestId: id }));
    let route = "unmatched";
    /** The RPC, once routed. */
    let rpc: string | undefined;
    let streaming = false;
    let admitted = false;
    /** Refused for overload (here or by the service): counted in the shed log, no line of its own. */
    let shed = false;
    /** The request's span (tracing on), from admission to the end of the response. */
    let span: Span | undefined;
    const common: Record<string, string> = { [REQUEST_ID_HEADER]: id, ...this.cors.headers(header(req, "origin")) };

    try {
      const builtin = this.builtins.get(path);
      if (builtin) {
        route = path;
        if (method !== "GET" && method !== "HEAD") throw new HttpError(405, "unimplemented", `${method} is not allowed on ${path}`, { allow: "GET, HEAD" });
        await builtin(res, common);
        return;
      }
      if (path === "/" && method === "GET") {
        route = "/";
        res.writeHead(302, { location: "/docs", [REQUEST_ID_HEADER]: id }).end();
        return;
      }

      const origin = header(req, "origin");
      const preflightMethod = header(req, "access-control-request-method");
      if (method === "OPTIONS") {
        route = "preflight";
        const m = this.router.match("OPTIONS", path);
        if (m.kind === "not_found") throw new HttpError(404, "not_found", `no route for ${path}`);
        const allow = m.kind === "method_not_allowed" ? m.allow : [];
        const headers = origin !== undefined && preflightMethod !== undefined ? this.cors.preflight(origin, preflightMethod, allow) : { allow: allow.join(", ") };
        res.writeHead(204, { ...headers, [REQUEST_ID_HEADER]: id }).end();
        return;
      }

      // Past the limit, refused before any work: requests that queue past
      // capacity only make every request late (services/kit/admission.ts).
      // Answered at once, with no error built and no line of its own.
      const max = this.o.config.maxInFlight;
      if (max > 0 && this.inFlight >= max) {
        route = "overloaded";
        shed = true;
        this.o.metrics.shed.inc();
        this.shedLog.note("gateway");
        this.send(res, 503, this.overloadedJson, { ...common, "retry-after": "1" });
        return;
      }
      this.inFlight++;
      admitted = true;
      if (this.o.tracing) span = startHttpSpan(this.o.tracing, method, req.headers);

      // Limits first, before any work (and before a 404: scanners pay too).
      const authorization = header(req, "authorization");
      const outcome = await this.o.limits.check(clientIp(req, this.o.config.trustProxyHops), () => this.subjects.of(authorization));
      Object.assign(common, outcome.headers);
      if (!outcome.allowed) {
        this.o.metrics.rateLimited.inc({ scope: outcome.refusedBy ?? "ip" });
        throw new HttpError(429, "resource_exhausted", `rate limit reached (${outcome.refusedBy === "user" ? "per user" : "per client address"}); retry later`);
      }

      const m = this.router.match(method, path);
      // The WebSocket endpoint is served by the upgrade handler; a plain request there is a client that forgot to upgrade.
      if (m.kind === "not_found" && path === STREAMING_PATH) {
        throw new HttpError(426, "failed_precondition", `${path} speaks WebSocket: connect with 'Upgrade: websocket', e.g. wscat -c ws://<host>${path}?stream=home`, { upgrade: "websocket" });
      }
      if (m.kind === "not_found") throw new HttpError(404, "not_found", `no route for ${method} ${path}`);
      if (m.kind === "method_not_allowed") {
        throw new HttpError(405, "unimplemented", `${method} is not allowed on ${path}`, { allow: m.allow.join(", ") });
      }
      const binding = m.route;
      route = binding.template.source;
      rpc = `${binding.method.parent.typeName}/${binding.method.name}`;

      const body = await readBody(req, this.o.config.maxBodyBytes);
      if (body.length > 0) checkJsonContentType(header(req, "content-type"));
      let input;
      try {
        const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
        // EventSource reconnects with the last event's id: a resumable stream takes it as `since`.
        const lastEventId = header(req, "last-event-id");
        if (binding.streaming && lastEventId !== undefined && !query.has("since") && binding.method.input.fields.some((f) => f.name === "since")) query.set("since", lastEventId);
        input = buildRequest(binding, { path: pathValues(binding.template, m.segments), query, body }, this.registry);
      } catch (err) {
        if (err instanceof InvalidRequest || err instanceof PathValueError) throw new HttpError(400, "invalid_argument", err.message);
        throw err;
      }

      const callCtx = { requestId: id, authorization };
      if (binding.streaming) {
        streaming = true;
        // A stream lasts as long as its client stays: it is not load in flight.
        this.inFlight--;
        admitted = false;
        this.o.metrics.streams.inc();
        try {
          await inSpan(span, () => requestScope.run(callCtx, () =>
            serveEventStream({
              res,
              output: binding.method.output,
              open: (signal) => this.o.invoker.stream(binding.method, input, { ...callCtx, signal }),
              registry: this.registry,
              keepAliveMs: this.o.config.sseKeepAliveMs,
              streams: this.streams,
              headers: common,
              fail: (err) => this.fail(res, err, common, log),
              errorJson: (err) => JSON.stringify(errorResponse(err, this.registry).body),
            }),
          ));
        } finally {
          this.o.metrics.streams.dec();
        }
        return;
      }

      const signal = abortOnClose(res);
      const output = await inSpan(span, () => requestScope.run(callCtx, () => this.o.invoker.unary(binding.method, input, { ...callCtx, signal })));
      this.send(res, 200, responseJson(binding, output, this.json), common);
    } catch (err) {
      if (isShed(err)) {
        // The service refused it for overload (its admission limit).
        shed = true;
        this.shedLog.note(rpc ?? route);
      }
      this.fail(res, err, common, log);
    } finally {
      if (admitted) this.inFlight--;
      const status = String(res.statusCode);
      const labels = { route, method: KNOWN_METHODS.has(method) ? method : "OTHER", status };
      this.o.metrics.requests.inc(labels);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (!streaming) this.o.metrics.duration.observe(labels, seconds);
      if (span) endHttpSpan(span, method, route, res.statusCode);
      const quiet = route === "/healthz" || route === "/readyz" || route === "/metrics";
      const level = quiet ? "debug" : "info";
      if (!shed && this.o.logger.isLevelEnabled(level)) log()[level]({ method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 }, "http request");
    }
  }

  private fail(res: ServerResponse, err: unknown, headers: Record<string, string>, log: () => Logger): void {
    const r = errorResponse(err, this.registry);
    // A refusal for overload is not an outage: the shed log counts it.
    if (r.internal && !isShed(err)) log().error({ err, status: r.status }, "request failed");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.send(res, r.status, JSON.stringify(r.body), { ...headers, ...r.headers });
  }

  private send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    res.writeHead(status, {
      ...headers,
      "content-type": JSON_TYPE,
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    res.end(res.req.method === "HEAD" ? undefined : body);
  }

  private sendHtml(res: ServerResponse, html: string, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(html),
      // Self-contained: inline styles only, nothing fetched, no scripts.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      "x-content-type-options": "nosniff",
    });
    res.end(res.req.method === "HEAD" ? undefined : html);
  }

  private async ready(res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const report = await this.o.readiness.report();
    this.send(res, report.ready ? 200 : 503, JSON.stringify({ status: report.ready ? "ready" : "not_ready", services: report.services }), headers);
  }

  private async metricsEndpoint(res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const { contentType, body } = await this.o.metricsText();
    res.writeHead(200, { ...headers, "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(body);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Aborted when the client goes away before the answer: the upstream call is cancelled. */
function abortOnClose(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}
