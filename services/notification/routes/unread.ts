// GetUnreadCount and MarkRead, on the caller's own marker.
import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "../../../gen/chirp/notification/v1/notification_pb.js";
import { requireCaller } from "../../kit/auth.js";
import { invalidArgument } from "../../kit/errors.js";
import { snowflakeFloor } from "../../kit/snowflake.js";
import type { NotificationContext } from "../context.js";

export function unreadRoutes(ctx: NotificationContext): Partial<ServiceImpl<typeof NotificationService>> {
  return {
    async getUnreadCount(_req, hctx) {
      const { userId } = requireCaller(hctx);
      const u = await ctx.store.unread(userId);
      return { count: BigInt(u.count), lastReadId: u.lastReadId };
    },
    async markRead(req, hctx) {
      const { userId } = requireCaller(hctx);
      // A marker in the future would hide notifications not made yet.
      if (req.upToId >= snowflakeFloor(Date.now() + 60_000)) throw invalidArgument("up_to_id", "is newer than any notification; pass a latest_notification_id from the list");
      const u = await ctx.store.markRead(userId, req.upToId);
      return { lastReadId: u.lastReadId, unreadCount: BigInt(u.count) };
    },
  };
}
