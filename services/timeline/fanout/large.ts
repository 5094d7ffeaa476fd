// Whether an author is too large to fan out on write. Membership of the
// large-account set is sticky: once an author's tweets are merged at read time,
// flipping back would leave their recent tweets in neither place.
import type { TimelineContext } from "../context.js";

export async function isLargeAccount(ctx: TimelineContext, authorId: bigint): Promise<boolean> {
  if (await ctx.store.isLargeAccount(authorId)) return true;
  const followers = await followerCount(ctx, authorId);
  if (followers < BigInt(ctx.config.fanoutThreshold)) return false;
  await ctx.store.addLargeAccount(authorId);
  ctx.logger.info({ authorId: authorId.toString(), followers: followers.toString() }, "author is now merged at read time");
  return true;
}

/**
 * From the account as reads show it when the worker has the shared cache (the
 * live event has just read it, and follows keep its count current as their
 * events are handled), else from the graph service: no call per post.
 */
async function followerCount(ctx: TimelineContext, authorId: bigint): Promise<bigint> {
  if (ctx.hydration) return (await ctx.hydration.users([authorId])).get(authorId)?.followerCount ?? 0n;
  return (await ctx.clients.graph.getCounts({ userId: authorId })).counts?.followerCount ?? 0n;
}
