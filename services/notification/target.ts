// The notification service as a runnable target (--target=notification): its
// API and its consumers of follow and tweet events. Health follows the store
// and the bus.
import { NotificationService } from "../../gen/chirp/notification/v1/notification_pb.js";
import { implement } from "../kit/unary-call.js";
import type { Runtime } from "../runtime/runtime.js";
import type { ReaderShared } from "../timeline/read-context.js";
import { startConsumingService, type Started } from "../runtime/service.js";
import { startNotificationConsumer } from "./consumer.js";
import { createNotificationContext, type NotificationContext, type NotificationOverrides } from "./context.js";
import { notificationRoutes } from "./routes/index.js";

export interface StartedNotification extends Started {
  url: string;
  /** The port actually bound (CHIRP_NOTIFICATION_PORT=0 picks a free one). */
  port: number;
  ctx: NotificationContext;
}

export async function start(rt: Runtime, shared: ReaderShared, overrides: NotificationOverrides = {}): Promise<StartedNotification> {
  const ctx = createNotificationContext(rt, shared, overrides);
  return {
    ...(await startConsumingService(rt, {
      name: "notification",
      port: rt.config.ports.notification,
      implementations: [implement(NotificationService, notificationRoutes(ctx))],
      checks: [
        { name: rt.config.mode === "cluster" ? "cassandra" : "store", check: () => ctx.store.ping() },
        { name: rt.config.mode === "cluster" ? "nats" : "bus", check: () => ctx.pingBus() },
      ],
      consume: () => startNotificationConsumer(ctx, rt.bus),
      close: () => ctx.store.close(),
    })),
    ctx,
  };
}
