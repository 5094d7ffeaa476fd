// Groups as clients see them: the store's heads and summaries, with their
// accounts and tweets hydrated for the recipient (services/timeline/hydrate.ts,
// the home timeline's path). A group whose tweet is gone is left out.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { NotificationGroupSchema, type NotificationGroup } from "../../gen/chirp/notification/v1/notification_pb.js";
import { hydrate, type Viewer } from "../timeline/hydrate.js";
import type { NotificationContext } from "./context.js";
import type { GroupSummary, NotificationType } from "./store/port.js";

export interface GroupRef {
  groupKey: string;
  type: NotificationType;
  tweetId: bigint;
  summary: GroupSummary;
}

/** `viewer`: the recipient when they are the caller (their likes and retweets are theirs to read); undefined in the consumer. */
export async function present(ctx: NotificationContext, viewer: Viewer | undefined, refs: readonly GroupRef[]): Promise<NotificationGroup[]> {
  const actorIds = [...new Set(refs.flatMap((r) => r.summary.sampleActorIds))];
  const tweetIds = [...new Set(refs.map((r) => r.tweetId).filter((id) => id !== 0n))];
  const [users, hydrated] = await Promise.all([ctx.users(actorIds), hydrate(ctx.hydration, viewer, tweetIds)]);
  const tweets = new Map(hydrated.tweets.map((h) => [h.tweet!.tweetId, h]));
  const out: NotificationGroup[] = [];
  for (const r of refs) {
    const tweet = r.tweetId === 0n ? undefined : tweets.get(r.tweetId);
    if (r.tweetId !== 0n && !tweet) continue;
    const sampleAccounts = r.summary.sampleActorIds.flatMap((id) => users.get(id) ?? []);
    out.push(
      create(NotificationGroupSchema, {
        groupKey: r.groupKey,
        type: r.type,
        count: BigInt(r.summary.count),
        sampleAccountIds: sampleAccounts.map((u) => u.userId),
        sampleAccounts,
        tweet,
        latestAt: timestampFromMs(r.summary.latestAt),
        latestNotificationId: r.summary.latestId,
      }),
    );
  }
  return out;
}
