// Spans for the event bus, around either adapter: a PRODUCER span per publish
// whose context goes into the message's headers (`traceparent`, in NATS
// headers on JetStream), and a CONSUMER span per delivery, a child of that
// context, with the handler running inside it, so whatever the handler calls
// or publishes joins the publisher's trace. Only wrapped on with tracing on
// (runtime.ts): off, the bus is the adapter itself.
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { extractContext, injectContext, unsampled, type Tracing } from "../../kit/tracing.js";
import type { EventBus } from "./port.js";

export function tracedBus(bus: EventBus, tracing: Tracing, system: "nats" | "in-process"): EventBus {
  const { tracer } = tracing;
  const traced: EventBus = {
    async publish(subject, data, msgId, headers) {
      const active = context.active();
      const carried: Record<string, string> = { ...headers };
      if (unsampled(tracing, active)) {
        // Not kept: no span, the context goes on as it is (kit/tracing.ts).
        injectContext(active, carried);
        return bus.publish(subject, data, msgId, carried);
      }
      const span = tracer.startSpan(`publish ${spanSubject(subject)}`, {
        kind: SpanKind.PRODUCER,
        attributes: { "messaging.system": system, "messaging.operation.type": "send", "messaging.destination.name": subject, "messaging.message.id": msgId },
      }, active);
      injectContext(trace.setSpan(active, span), carried);
      try {
        await bus.publish(subject, data, msgId, carried);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    },
    consume(spec) {
      return bus.consume({
        ...spec,
        handler: async (msg) => {
          const parent = extractContext(msg.headers);
          if (unsampled(tracing, parent)) return context.with(parent, () => spec.handler(msg));
          const span = tracer.startSpan(`process ${msg.subject}`, {
            kind: SpanKind.CONSUMER,
            attributes: {
              "messaging.system": system,
              "messaging.operation.type": "process",
              "messaging.destination.name": msg.subject,
              "messaging.consumer.group.name": spec.durable,
              "messaging.message.id": msg.msgId,
              "messaging.message.delivery_count": msg.deliveryCount,
            },
          }, parent);
          try {
            await context.with(trace.setSpan(parent, span), () => spec.handler(msg));
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
            throw err;
          } finally {
            span.end();
          }
        },
      });
    },
    publishEphemeral: (subject, data) => bus.publishEphemeral(subject, data),
    subscribeEphemeral: (subject, onMessage) => bus.subscribeEphemeral(subject, onMessage),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
  if (bus.consumerLag) traced.consumerLag = () => bus.consumerLag!();
  if (bus.subscribeLive) traced.subscribeLive = (subject, onMessage) => bus.subscribeLive!(subject, onMessage);
  if (bus.replayLive) traced.replayLive = (subject, afterSeq, max) => bus.replayLive!(subject, afterSeq, max);
  if (bus.onReconnect) traced.onReconnect = (cb) => bus.onReconnect!(cb);
  return traced;
}

/** A span name stays low in cardinality: a live subject's user or tag becomes `*`. */
function spanSubject(subject: string): string {
  return subject.startsWith("live.") ? subject.split(".").slice(0, 2).concat("*").join(".") : subject;
}
