// graph.followed and graph.unfollowed: the follower's home timeline gains the
// new followee's recent tweets, or loses the old one's. Both events can be
// delivered late or out of order (follow then quick unfollow), so each handler
// ends by checking the relationship as it is now and undoing its own change
// if it no longer holds: whatever the order, the timeline converges. The
// followee's ids come from their author list when it exists and reaches far
// enough, from the tweet service otherwise.
import { fromBinary } from "@bufbuild/protobuf";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../../gen/chirp/graph/v1/events_pb.js";
import type { BusMessage } from "../../platform/bus/port.js";
import { countList, listFailed, tweetServiceIds, type ListUse } from "../author-list.js";
import type { TimelineContext } from "../context.js";
import { authorListReads } from "../metrics.js";
import type { TimelinePage } from "../store/port.js";

export async function handleFollowed(ctx: TimelineContext, msg: BusMessage): Promise<void> {
  const ev = fromBinary(FollowedEventSchema, msg.data);
  if (ev.followerId <= 0n || ev.followeeId <= 0n) return void ctx.logger.error({ msgId: msg.msgId }, "graph.followed without ids: ignored");
  // A large account is merged in at read time; nothing to copy.
  if (await ctx.store.isLargeAccount(ev.followeeId)) return;
  const ids = await recentTweetIds(ctx, ev.followeeId, ctx.config.followBackfill, "backfill");
  if (ids.length === 0) return;
  // Nothing written (the follower's timeline is not built: it will be, from the graph): nothing to check.
  if ((await ctx.store.add([ev.followerId], ids)) === 0) return;
  if (!(await follows(ctx, ev.followerId, ev.followeeId))) await ctx.store.remove([ev.followerId], ids);
}

export async function handleUnfollowed(ctx: TimelineContext, msg: BusMessage): Promise<void> {
  const ev = fromBinary(UnfollowedEventSchema, msg.data);
  if (ev.followerId <= 0n || ev.followeeId <= 0n) return void ctx.logger.error({ msgId: msg.msgId }, "graph.unfollowed without ids: ignored");
  // Every tweet of the followee that can still be inside the timeline's window.
  const ids = await recentTweetIds(ctx, ev.followeeId, ctx.store.cap, "unfollow");
  if (ids.length === 0) return;
  await ctx.store.remove([ev.followerId], ids);
  if (await follows(ctx, ev.followerId, ev.followeeId)) {
    await ctx.store.add([ev.followerId], ids.slice(0, ctx.config.followBackfill));
  }
}

/**
 * The author's newest tweet ids (retweets included), newest first, at most
 * `max`: from their list when it holds that many or is their whole history;
 * past its end, or with no list (it is not built here), from the tweet service.
 */
export async function recentTweetIds(ctx: TimelineContext, authorId: bigint, max: number, use: ListUse): Promise<bigint[]> {
  const m = { lists: authorListReads(ctx.metrics.registry) };
  let list: TimelinePage = { built: false, ids: [] };
  try {
    list = await ctx.userTweets.page(authorId, undefined, max);
  } catch (err) {
    listFailed(ctx.logger, use, err);
  }
  if (list.built && (list.ids.length >= max || list.complete)) {
    countList(m, use, "hit");
    return list.ids;
  }
  countList(m, use, "fallback");
  if (!list.built) return tweetServiceIds(ctx.clients, authorId, undefined, max);
  return [...list.ids, ...(await tweetServiceIds(ctx.clients, authorId, list.ids.at(-1), max - list.ids.length))];
}

async function follows(ctx: TimelineContext, followerId: bigint, followeeId: bigint): Promise<boolean> {
  const res = await ctx.clients.graph.batchGetRelationships({ userId: followerId, targetIds: [followeeId] });
  return res.relationships.find((r) => r.targetId === followeeId)?.following ?? false;
}
