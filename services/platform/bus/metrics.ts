// Consumer lag on the process's /metrics: for every durable consumer this
// process runs, the messages not delivered yet, delivered and not acked, and
// redelivered, asked of the bus (JetStream's consumer info) once per scrape.
// Processes that share a durable report the same figures: take the max.
import { Gauge, type Registry } from "prom-client";
import type { ConsumerLag, EventBus } from "./port.js";

export function busMetrics(registry: Registry, bus: EventBus): void {
  if (!bus.consumerLag || registry.getSingleMetric("chirp_bus_consumer_pending_messages")) return;
  // The three gauges are collected one after another in one scrape: one question to the bus serves them.
  let asked: { at: number; lags: Promise<ConsumerLag[]> } | undefined;
  const lags = () => {
    const now = Date.now();
    if (!asked || now - asked.at > 1000) asked = { at: now, lags: bus.consumerLag!().catch(() => []) };
    return asked.lags;
  };
  const gauge = (name: string, help: string, pick: (l: ConsumerLag) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["durable", "subject"],
      registers: [registry],
      async collect() {
        const all = await lags();
        this.reset();
        for (const l of all) this.set({ durable: l.durable, subject: l.subject }, pick(l));
      },
    });
  gauge("chirp_bus_consumer_pending_messages", "Messages of the stream a durable consumer has not been delivered yet (JetStream num_pending).", (l) => l.pending);
  gauge("chirp_bus_consumer_ack_pending_messages", "Messages delivered to a durable consumer and not acknowledged yet (num_ack_pending).", (l) => l.ackPending);
  gauge("chirp_bus_consumer_redelivered_messages", "Messages delivered more than once and not acknowledged yet (num_redelivered).", (l) => l.redelivered);
}
