// The whole NotificationService implementation, from one factory per concern.
import type { ServiceImpl } from "@connectrpc/connect";
import { NotificationService } from "../../../gen/chirp/notification/v1/notification_pb.js";
import type { NotificationContext } from "../context.js";
import { listRoutes } from "./list.js";
import { unreadRoutes } from "./unread.js";

export function notificationRoutes(ctx: NotificationContext): ServiceImpl<typeof NotificationService> {
  const impl = { ...listRoutes(ctx), ...unreadRoutes(ctx) };
  // Fail at start-up, not at the first call, if an RPC has no handler.
  const missing = NotificationService.methods.filter((m) => !(m.localName in impl)).map((m) => m.name);
  if (missing.length) throw new Error(`NotificationService handlers missing: ${missing.join(", ")}`);
  return impl as ServiceImpl<typeof NotificationService>;
}
