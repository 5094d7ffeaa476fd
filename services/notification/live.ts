// Tells the live stream (the gateway's WebSocket and SSE) that a user's
// notifications changed: the group as it is now, as the list shows it, on
// live.notifications.<user>. A failure to publish is logged, not retried:
// the stored notification is what counts, and the list shows it. The tweet
// is hydrated without the reader's likes and retweets: only the reader may
// ask for those, and the consumer is not the reader.
import { create, toBinary } from "@bufbuild/protobuf";
import { NotificationGroupSchema, NotificationLiveEventSchema } from "../../gen/chirp/notification/v1/notification_pb.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { NotificationContext } from "./context.js";
import { SAMPLE_ACCOUNTS } from "./grouping.js";
import { present } from "./present.js";
import type { NotificationType } from "./store/port.js";

export type LiveChange = "notification" | "notification.removed";

export async function publishGroup(
  ctx: NotificationContext,
  userId: bigint,
  change: LiveChange,
  g: { groupKey: string; type: NotificationType; tweetId: bigint; notificationId: bigint },
): Promise<void> {
  try {
    const summary = (await ctx.store.groups(userId, [g.groupKey], SAMPLE_ACCOUNTS)).get(g.groupKey);
    const group = summary
      ? (await present(ctx, undefined, [{ groupKey: g.groupKey, type: g.type, tweetId: g.tweetId, summary }], { accountsApart: false })).groups[0]
      : create(NotificationGroupSchema, { groupKey: g.groupKey, type: g.type, count: 0n });
    if (!group) return; // its tweet is gone
    const data = toBinary(NotificationLiveEventSchema, create(NotificationLiveEventSchema, { event: change, group }));
    await ctx.bus.publish(SUBJECTS.liveNotifications(userId), data, `${change}:${userId}:${g.notificationId}`);
  } catch (err) {
    ctx.logger.warn({ err, userId: String(userId), change }, "live notification not published");
  }
}
