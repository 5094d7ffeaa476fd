// A page of groups: heads newest first, each with its group's count and
// newest accounts, hydrated. A group met twice (for a moment, while two
// changes to it land) is shown once, at its newest.
import type { NotificationContext } from "./context.js";
import { present, type GroupRef, type Presented } from "./present.js";
import type { NotificationType } from "./store/port.js";

export interface GroupPage extends Presented {
  /** The last head read, when more lie below it. */
  next?: bigint | undefined;
}

export async function listGroups(
  ctx: NotificationContext,
  userId: bigint,
  o: { limit: number; before?: bigint | undefined; types?: ReadonlySet<NotificationType> | undefined },
): Promise<GroupPage> {
  // Read beside the page: a like after this read changes the version, so no stale states are served for it.
  const [page, statesVersion] = await Promise.all([ctx.store.heads(userId, o), ctx.statesVersion(userId)]);
  const refs: GroupRef[] = [];
  const seen = new Set<string>();
  for (const h of page.heads) {
    if (seen.has(h.groupKey)) continue;
    seen.add(h.groupKey);
    refs.push({ groupKey: h.groupKey, type: h.type, tweetId: h.tweetId, summary: { count: h.count, sampleActorIds: h.sampleActorIds, latestId: h.id, latestAt: h.at } });
  }
  const next = page.hasMore ? page.heads.at(-1)?.id : undefined;
  return { ...(await present(ctx, { id: userId, statesVersion }, refs, { accountsApart: true })), next };
}
