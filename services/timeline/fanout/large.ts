// Whether an author is too large to fan out on write. Membership of the
// large-account set is sticky: once an author's tweets are merged at read time,
// flipping back would leave their recent tweets in neither place.
import type { TimelineContext } from "../context.js";

export async function isLargeAccount(ctx: TimelineContext, authorId: bigint): Promise<boolean> {
  if (await ctx.store.isLargeAccount(authorId)) return true;
  const { counts } = await ctx.clients.graph.getCounts({ userId: authorId });
  if ((counts?.followerCount ?? 0n) < BigInt(ctx.config.fanoutThreshold)) return false;
  await ctx.store.addLargeAccount(authorId);
  ctx.logger.info({ authorId: authorId.toString(), followers: counts?.followerCount.toString() }, "author is now merged at read time");
  return true;
}
