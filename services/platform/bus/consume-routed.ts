// Durable consumers whose messages go to a handler per subject, counted by
// outcome: the shape every event-fed service (discovery, search, notification)
// has. One Subscription stops them all; a failed start stops what started.
import type { Counter } from "prom-client";
import type { Logger } from "../../kit/logger.js";
import type { BusMessage, ConsumerSpec, EventBus, Subscription } from "./port.js";

export interface RoutedConsumers<C> {
  /** What each handler is given besides the message's data. */
  ctx: C;
  logger: Logger;
  /** Counts each handled message by subject and outcome ("ok", "retry"). */
  events: Counter<"subject" | "outcome">;
  handlers: Record<string, (ctx: C, data: Uint8Array) => Promise<void>>;
  consumers: Array<Omit<ConsumerSpec, "handler">>;
}

export async function consumeRouted<C>(bus: EventBus, spec: RoutedConsumers<C>): Promise<Subscription> {
  const route = async (msg: BusMessage) => {
    const handler = spec.handlers[msg.subject];
    if (!handler) return void spec.logger.warn({ subject: msg.subject }, "no handler for this subject: acked");
    try {
      await handler(spec.ctx, msg.data);
      spec.events.inc({ subject: msg.subject, outcome: "ok" });
    } catch (err) {
      spec.events.inc({ subject: msg.subject, outcome: "retry" });
      throw err; // the bus logs it and delivers the event again
    }
  };
  const subs: Subscription[] = [];
  const stop = async () => void (await Promise.all(subs.map((s) => s.stop())));
  try {
    for (const c of spec.consumers) subs.push(await bus.consume({ ...c, handler: route }));
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
