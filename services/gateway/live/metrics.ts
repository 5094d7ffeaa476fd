// WebSocket figures on the process's /metrics.
import { Counter, Gauge, type Registry } from "prom-client";

export interface LiveMetrics {
  sockets: Gauge;
  subjects: Gauge;
  sent: Counter;
  closed: Counter<"reason">;
}

const made = new WeakMap<Registry, LiveMetrics>();

export function liveMetrics(registry: Registry): LiveMetrics {
  let m = made.get(registry);
  if (!m) {
    m = {
      sockets: new Gauge({ name: "gateway_websockets_open", help: "Open WebSocket connections on /api/v1/streaming.", registers: [registry] }),
      subjects: new Gauge({ name: "gateway_live_subjects", help: "Live subjects this process subscribes to for its sockets (ref-counted).", registers: [registry] }),
      sent: new Counter({ name: "gateway_websocket_events_total", help: "Live events sent to WebSocket clients.", registers: [registry] }),
      closed: new Counter({
        name: "gateway_websockets_closed_total",
        help: "WebSockets closed by the gateway, by reason (dead, slow, expired, shutdown, protocol).",
        labelNames: ["reason"],
        registers: [registry],
      }),
    };
    made.set(registry, m);
  }
  return m;
}
