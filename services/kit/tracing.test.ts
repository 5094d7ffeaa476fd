// Tracing's pieces on their own: off unless OTEL_* asks for an exporter, the
// settings' checks, the RPC interceptors' spans and traceparent, the
// hand-over for work picked up later, and a real OTLP/HTTP export.
import test from "ava";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { Code, ConnectError, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { z } from "zod";
import { ConfigError, readEnv } from "./config.js";
import { createTracing, currentTraceparent, NO_TRACING, samplerOf, traceClient, traceServer, tracingWith, withSpan, withTraceparent } from "./tracing.js";
import { DEFAULT_SAMPLE_RATIO, tracingConfig, tracingEnv } from "./tracing-config.js";

const read = (env: Record<string, string>) => tracingConfig(readEnv(z.object(tracingEnv), env));

test("off by default: no exporter, no spans, nothing installed", async (t) => {
  const cfg = read({});
  t.is(cfg.exporter, "none");
  t.is(await createTracing(cfg), NO_TRACING);
  t.is(read({ OTEL_TRACES_SAMPLER: "always_on" }).exporter, "none", "a sampler alone exports nothing");
});

test("an OTLP endpoint switches it on, at parentbased_traceidratio by default", (t) => {
  const cfg = read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/", OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=a%20b,tenant=chirp" });
  t.is(cfg.exporter, "otlp");
  t.is(cfg.url, "http://collector:4318/v1/traces");
  t.deepEqual(cfg.headers, { "x-api-key": "a b", tenant: "chirp" });
  t.is(cfg.sampler, "parentbased_traceidratio");
  t.is(cfg.ratio, DEFAULT_SAMPLE_RATIO);
  t.is(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:4318/traces" }).url, "http://b:4318/traces");
  t.is(read({ OTEL_TRACES_EXPORTER: "otlp" }).url, "http://localhost:4318/v1/traces");
  t.is(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_TRACES_EXPORTER: "none" }).exporter, "none");
  t.is(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_SDK_DISABLED: "true" }).exporter, "none");
  const sampled = read({ OTEL_TRACES_EXPORTER: "console", OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25", OTEL_SERVICE_NAME: "chirp-tweet" });
  t.like(sampled, { exporter: "console", sampler: "traceidratio", ratio: 0.25, serviceName: "chirp-tweet" });
});

test("bad settings stop start-up, naming the variable", (t) => {
  for (const [env, name] of [
    [{ OTEL_TRACES_SAMPLER_ARG: "2" }, "OTEL_TRACES_SAMPLER_ARG"],
    [{ OTEL_TRACES_SAMPLER: "sometimes" }, "OTEL_TRACES_SAMPLER"],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "OTEL_EXPORTER_OTLP_PROTOCOL"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, "OTEL_EXPORTER_OTLP_ENDPOINT"],
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, "OTEL_TRACES_EXPORTER"],
  ] as const) {
    const err = t.throws(() => read(env as Record<string, string>), { instanceOf: ConfigError });
    t.regex(err!.message, new RegExp(name));
  }
});

function inMemory() {
  const exporter = new InMemorySpanExporter();
  return { exporter, tracing: tracingWith({ processor: new SimpleSpanProcessor({ exporter }) }) };
}

const request = (header = new Headers()) =>
  ({ service: { typeName: "chirp.test.v1.TestService" }, method: { name: "Echo" }, header, stream: false }) as unknown as UnaryRequest;
const answer = { stream: false } as UnaryResponse;

test("a client call's span travels as traceparent and the server's span is its child", async (t) => {
  const { exporter, tracing } = inMemory();
  let sent: Headers | undefined;
  await traceClient(tracing)(async (req) => {
    sent = req.header;
    // The server side sees only the headers (as over the network).
    return context.with(context.active(), () => traceServer(tracing)(async () => answer as never)(request(new Headers(req.header))));
  })(request());
  const [server, client] = exporter.getFinishedSpans();
  t.like(client, { name: "chirp.test.v1.TestService/Echo", kind: SpanKind.CLIENT });
  t.like(server, { name: "chirp.test.v1.TestService/Echo", kind: SpanKind.SERVER });
  t.regex(sent!.get("traceparent") ?? "", new RegExp(`^00-${client!.spanContext().traceId}-${client!.spanContext().spanId}-01$`));
  t.is(server!.spanContext().traceId, client!.spanContext().traceId);
  t.is(server!.parentSpanContext?.spanId, client!.spanContext().spanId);
  t.is(server!.attributes["rpc.grpc.status_code"], 0);
});

test("parent-based sampling: a trace the edge did not keep makes no spans downstream, and its context still goes on", async (t) => {
  const exporter = new InMemorySpanExporter();
  // Never keeps a new trace, follows the caller's decision otherwise.
  const tracing = tracingWith({ processor: new SimpleSpanProcessor({ exporter }), sampler: samplerOf("parentbased_traceidratio", 0) });
  t.true(tracing.parentBased);
  const unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
  let forwarded = null as string | null;
  await traceServer(tracing)(async () =>
    traceClient(tracing)(async (req) => {
      forwarded = req.header.get("traceparent");
      return answer as never;
    })(request()),
  )(request(new Headers({ traceparent: unsampled })));
  t.is(forwarded, unsampled, "the caller's (unsampled) context, as it came");
  t.deepEqual(exporter.getFinishedSpans(), []);
  // A kept trace is recorded at every hop.
  const sampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  await traceServer(tracing)(async () => traceClient(tracing)(async () => answer as never)(request()))(request(new Headers({ traceparent: sampled })));
  t.deepEqual(exporter.getFinishedSpans().map((x) => x.kind), [SpanKind.CLIENT, SpanKind.SERVER]);
});

test("a server stream's span lasts until the stream ends", async (t) => {
  const { exporter, tracing } = inMemory();
  const res = (await traceServer(tracing)(async () =>
    ({ stream: true, message: (async function* () {
      yield 1;
      yield 2;
    })() }) as never,
  )(request())) as unknown as { message: AsyncIterable<number> };
  t.deepEqual(exporter.getFinishedSpans(), [], "open while the stream is");
  const got: number[] = [];
  for await (const m of res.message) got.push(m);
  t.deepEqual(got, [1, 2]);
  t.is(exporter.getFinishedSpans().length, 1);
});

test("errors: the server's span is an error only for its own faults; the client's for any", async (t) => {
  const { exporter, tracing } = inMemory();
  for (const code of [Code.NotFound, Code.Internal]) {
    await t.throwsAsync(traceServer(tracing)(async () => {
      throw new ConnectError("no", code);
    })(request()));
    await t.throwsAsync(traceClient(tracing)(async () => {
      throw new ConnectError("no", code);
    })(request()));
  }
  const [notFoundServer, notFoundClient, internalServer, internalClient] = exporter.getFinishedSpans();
  t.is(notFoundServer!.status.code, SpanStatusCode.UNSET);
  t.is(notFoundServer!.attributes["rpc.grpc.status_code"], Code.NotFound);
  t.is(notFoundClient!.status.code, SpanStatusCode.ERROR);
  t.is(internalServer!.status.code, SpanStatusCode.ERROR);
  t.is(internalClient!.status.code, SpanStatusCode.ERROR);
});

test("work picked up later continues the trace it was queued in (the outbox's traceparent)", async (t) => {
  const { exporter, tracing } = inMemory();
  t.is(currentTraceparent(), undefined, "no active span, nothing to carry");
  const carried = await withSpan(tracing, "request", {}, async () => currentTraceparent());
  t.truthy(carried);
  await withTraceparent(carried, () => withSpan(tracing, "relay", {}, async () => {}));
  const [request, relay] = exporter.getFinishedSpans();
  t.is(relay!.spanContext().traceId, request!.spanContext().traceId);
  t.is(relay!.parentSpanContext?.spanId, request!.spanContext().spanId);
  t.is(trace.getActiveSpan(), undefined);
});

test("spans are exported over OTLP/HTTP (protobuf) to the configured endpoint", async (t) => {
  const got: Array<{ url: string; type: string; body: Buffer; key: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ url: req.url ?? "", type: req.headers["content-type"] ?? "", body: Buffer.concat(chunks), key: String(req.headers["x-api-key"]) });
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const tracing = await createTracing(
    read({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=k1", OTEL_TRACES_SAMPLER: "always_on", OTEL_SERVICE_NAME: "chirp-test" }),
  );
  t.true(tracing.enabled);
  await withSpan(tracing, "exported span", {}, async () => {});
  await tracing.shutdown();
  t.is(got.length, 1);
  t.like(got[0], { url: "/v1/traces", type: "application/x-protobuf", key: "k1" });
  t.true(got[0]!.body.includes("exported span"), "the span's name is in the payload");
  t.true(got[0]!.body.includes("chirp-test"), "and the service name");
});
