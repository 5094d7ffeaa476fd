// Notification figures on the process's /metrics. Made once per registry: the
// embedded mode and tests start several targets on one Runtime.
import { Counter, type Registry } from "prom-client";

export interface NotificationMetrics {
  events: Counter<"subject" | "outcome">;
  changes: Counter<"type" | "change">;
}

const made = new WeakMap<Registry, NotificationMetrics>();

export function notificationMetrics(registry: Registry): NotificationMetrics {
  let m = made.get(registry);
  if (!m) {
    m = {
      events: new Counter({
        name: "notification_events_total",
        help: "Events the notification consumer handled, by subject and outcome (ok, retry).",
        labelNames: ["subject", "outcome"],
        registers: [registry],
      }),
      changes: new Counter({
        name: "notification_changes_total",
        help: "Notifications added or removed, by type and change (added, duplicate, removed).",
        labelNames: ["type", "change"],
        registers: [registry],
      }),
    };
    made.set(registry, m);
  }
  return m;
}
