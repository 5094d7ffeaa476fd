// Create, read and delete tweets.
import type { ServiceImpl } from "@connectrpc/connect";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { requireCaller } from "../../kit/auth.js";
import { notFound } from "../../kit/errors.js";
import type { TweetContext } from "../context.js";
import { toTweetProto } from "../convert.js";
import { tweetCreated, tweetDeleted } from "../events.js";
import { checkContent, checkMediaUrls, extractHashtags, extractMentions } from "../text.js";

export function tweetRoutes(ctx: TweetContext): Partial<ServiceImpl<typeof TweetService>> {
  return {
    async createTweet(req, hc) {
      const { userId } = requireCaller(hc);
      const content = checkContent(req.content);
      const { tweet, created } = await ctx.store.createTweet(
        {
          tweetId: ctx.ids.next(),
          authorId: userId,
          content,
          mediaUrls: checkMediaUrls(req.mediaUrls),
          replyToTweetId: req.replyToTweetId,
          hashtags: extractHashtags(content),
          mentions: extractMentions(content),
        },
        { idempotencyKey: req.idempotencyKey || undefined },
      );
      if (created) ctx.metrics.created.inc({ kind: req.replyToTweetId ? "reply" : "tweet" });
      // Also on a retry: if the first attempt stored the tweet but never got
      // its event out, this one does; otherwise the bus drops the duplicate.
      await ctx.events.emit(tweetCreated(tweet));
      return { tweet: toTweetProto(tweet) };
    },

    async getTweet(req) {
      const tweet = (await ctx.store.getTweets([req.tweetId])).get(req.tweetId);
      if (!tweet) throw notFound(`tweet ${req.tweetId} not found`);
      return { tweet: toTweetProto(tweet) };
    },

    async batchGetTweets(req) {
      const found = await ctx.store.getTweets(req.tweetIds);
      const tweets = [];
      const missingTweetIds = [];
      for (const id of req.tweetIds) {
        const t = found.get(id);
        if (t) tweets.push(toTweetProto(t));
        else missingTweetIds.push(id);
      }
      return { tweets, missingTweetIds };
    },

    // Deleting a tweet that is already deleted is NOT_FOUND (the store keeps a
    // tombstone, so it knows; the first delete already emitted the event).
    async deleteTweet(req, hc) {
      const { userId } = requireCaller(hc);
      const deleted = await ctx.store.deleteTweet(req.tweetId, userId);
      await ctx.events.emit(tweetDeleted(deleted));
      // Deleting one's retweet takes it back, like UndoRetweet. (A retry finds
      // the tweet deleted, so a failed notice here waits out the timeline's
      // cache lifetime instead.)
      if (deleted.retweetOfTweetId !== 0n) await ctx.statesChanged(userId);
      return {};
    },
  };
}
