// Likes and retweets: once per user, idempotent, exact counts (the store
// decides with a claim); events only when something changed. The timeline
// service hears of every one before the call answers, changed or not: a
// retry must repair a first attempt whose notice failed (context.ts).
import type { ServiceImpl } from "@connectrpc/connect";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { requireCaller, requireSelf } from "../../kit/auth.js";
import type { TweetContext } from "../context.js";
import { toTweetProto } from "../convert.js";
import { tweetDeleted, tweetLiked, tweetRetweeted, tweetUnliked } from "../events.js";

export function engagementRoutes(ctx: TweetContext): Partial<ServiceImpl<typeof TweetService>> {
  return {
    async likeTweet(req, hc) {
      const { userId } = requireCaller(hc);
      const r = await ctx.store.like(userId, req.tweetId);
      if (r.created) await ctx.events.emit(tweetLiked(r.tweetId, r.authorId, userId, ctx.ids.next()));
      await ctx.statesChanged(userId);
      return { created: r.created, likeCount: r.likeCount };
    },

    async unlikeTweet(req, hc) {
      const { userId } = requireCaller(hc);
      const r = await ctx.store.unlike(userId, req.tweetId);
      if (r.removed) await ctx.events.emit(tweetUnliked(r.tweetId, r.authorId, userId, ctx.ids.next()));
      await ctx.statesChanged(userId);
      return { removed: r.removed, likeCount: r.likeCount };
    },

    async retweet(req, hc) {
      const { userId } = requireCaller(hc);
      const r = await ctx.store.retweet(userId, req.tweetId, ctx.ids.next());
      if (r.created) {
        ctx.metrics.created.inc({ kind: "retweet" });
        await ctx.events.emit(tweetRetweeted(r.retweet, r.originalAuthorId));
      }
      await ctx.statesChanged(userId);
      return { retweet: toTweetProto(r.retweet), created: r.created };
    },

    async undoRetweet(req, hc) {
      const { userId } = requireCaller(hc);
      const r = await ctx.store.undoRetweet(userId, req.tweetId);
      // The retweet was a tweet on the retweeter's timeline: take it out the same way.
      if (r.deleted) await ctx.events.emit(tweetDeleted(r.deleted));
      await ctx.statesChanged(userId);
      return { removed: r.removed };
    },

    // Internal (timeline hydration), called with the viewer's forwarded
    // token: what someone liked is theirs to see.
    async batchGetViewerStates(req, hc) {
      requireSelf(hc, req.viewerId, "these viewer states");
      const states = await ctx.store.viewerStates(req.viewerId, req.tweetIds);
      return {
        states: req.tweetIds.map((tweetId) => ({ tweetId, ...(states.get(tweetId) ?? { liked: false, retweeted: false }) })),
      };
    },

    // Internal (profile hydration by the user service): counts are public.
    async batchGetUserTweetCounts(req) {
      const counts = await ctx.store.userTweetCounts(req.userIds);
      return { counts: req.userIds.map((userId) => ({ userId, tweetCount: counts.get(userId) ?? 0n })) };
    },
  };
}
