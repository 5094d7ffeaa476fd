// ListNotifications: the caller's groups, newest first.
import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "../../../gen/chirp/notification/v1/notification_pb.js";
import { requireCaller } from "../../kit/auth.js";
import type { NotificationContext } from "../context.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { listGroups } from "../list.js";
import type { NotificationType } from "../store/port.js";

/** Mastodon's default page. */
export const DEFAULT_LIMIT = 40;

export function listRoutes(ctx: NotificationContext): Partial<ServiceImpl<typeof NotificationService>> {
  return {
    async listNotifications(req, hctx) {
      const { userId } = requireCaller(hctx);
      const before = decodeCursor(req.cursor);
      // protovalidate has checked the names.
      const types = req.types.length ? new Set(req.types as NotificationType[]) : undefined;
      const page = await listGroups(ctx, userId, { limit: req.limit ?? DEFAULT_LIMIT, before, types });
      return { groups: page.groups, accounts: page.accounts, nextCursor: page.next === undefined ? "" : encodeCursor(page.next), hasMore: page.next !== undefined };
    },
  };
}
