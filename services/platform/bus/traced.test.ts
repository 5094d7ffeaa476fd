// The traced bus around the in-process adapter (bus.test.ts shows both
// adapters carry the headers): a publish is a PRODUCER span whose context
// rides in the message, a delivery a CONSUMER span under it with the
// handler running inside, a failed handler an error span.
import test from "ava";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { tracingWith, withSpan } from "../../kit/tracing.js";
import { eventually } from "../../testing/eventually.js";
import { MemoryBus } from "./memory.js";
import { tracedBus } from "./traced.js";

test("publish and consume join the publisher's trace; the handler runs in the consumer's span", async (t) => {
  const exporter = new InMemorySpanExporter();
  const tracing = tracingWith({ processor: new SimpleSpanProcessor({ exporter }) });
  const bus = tracedBus(new MemoryBus(), tracing, "in-process");
  t.teardown(() => bus.close());
  const active: Array<string | undefined> = [];
  await bus.consume({
    durable: "d1",
    subjects: ["tweet.created"],
    retryDelayMs: 10,
    handler: async (m) => {
      active.push(trace.getActiveSpan()?.spanContext().spanId);
      if (m.deliveryCount === 1) throw new Error("first time fails");
    },
  });
  await withSpan(tracing, "request", {}, () => bus.publish("tweet.created", new Uint8Array([1]), "m1"));
  t.true(await eventually(() => exporter.getFinishedSpans().filter((s) => s.name === "process tweet.created").length === 2));
  const spans = exporter.getFinishedSpans();
  const request = spans.find((s) => s.name === "request")!;
  const publish = spans.find((s) => s.name === "publish tweet.created")!;
  const [failed, done] = spans.filter((s) => s.name === "process tweet.created");
  t.is(publish.kind, SpanKind.PRODUCER);
  t.is(publish.parentSpanContext?.spanId, request.spanContext().spanId);
  t.like(publish.attributes, { "messaging.system": "in-process", "messaging.destination.name": "tweet.created", "messaging.message.id": "m1" });
  for (const consumer of [failed!, done!]) {
    t.is(consumer.kind, SpanKind.CONSUMER);
    t.is(consumer.spanContext().traceId, request.spanContext().traceId);
    t.is(consumer.parentSpanContext?.spanId, publish.spanContext().spanId);
  }
  t.is(failed!.status.code, SpanStatusCode.ERROR);
  t.is(done!.attributes["messaging.message.delivery_count"], 2);
  t.deepEqual(active, [failed!.spanContext().spanId, done!.spanContext().spanId]);
});
