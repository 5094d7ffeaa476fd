// The search service's durable consumers: tweets are indexed on
// tweet.created and taken out on tweet.deleted; an account is reindexed on
// user.updated, and moves in the people ranking on follows. Handlers are
// idempotent (indexer.ts): the bus delivers at least once.
import { fromBinary } from "@bufbuild/protobuf";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import { TweetCreatedEventSchema, TweetDeletedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import { UserUpdatedEventSchema } from "../../gen/chirp/user/v1/events_pb.js";
import { consumeRouted } from "../platform/bus/consume-routed.js";
import type { EventBus, Subscription } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { SearchContext } from "./context.js";
import { indexTweet, indexUser, KnownUsers } from "./indexer.js";

export const DURABLES = { tweets: "search-tweets", people: "search-people" } as const;

const TWEET_CONCURRENCY = 64;

type Handler = (ctx: SearchContext, data: Uint8Array) => Promise<void>;

function handlers(known: KnownUsers): Record<string, Handler> {
  const followsChanged = async (ctx: SearchContext, followerId: bigint, followeeId: bigint) => {
    await known.ensure(ctx, [followerId, followeeId]);
    const counts = (await ctx.clients.graph.getCounts({ userId: followeeId })).counts;
    await ctx.store.setFollowers(followeeId, counts?.followerCount ?? 0n);
  };
  return {
    [SUBJECTS.tweetCreated]: async (ctx, data) => {
      const t = fromBinary(TweetCreatedEventSchema, data).tweet;
      if (!t) return;
      await indexTweet(ctx, t);
      await known.ensure(ctx, [t.authorId]);
    },
    [SUBJECTS.tweetDeleted]: async (ctx, data) => {
      const { tweetId } = fromBinary(TweetDeletedEventSchema, data);
      await Promise.all([ctx.store.removeTweet(tweetId), ctx.forgetTweets([tweetId])]);
    },
    [SUBJECTS.userUpdated]: async (ctx, data) => {
      const u = fromBinary(UserUpdatedEventSchema, data).user;
      if (!u) return;
      // The event's profile is current; its counts are not part of it.
      const counts = (await ctx.clients.graph.getCounts({ userId: u.userId })).counts;
      await indexUser(ctx, { ...u, followerCount: counts?.followerCount ?? 0n });
      known.forget(u.userId);
    },
    [SUBJECTS.graphFollowed]: async (ctx, data) => {
      const e = fromBinary(FollowedEventSchema, data);
      await followsChanged(ctx, e.followerId, e.followeeId);
    },
    [SUBJECTS.graphUnfollowed]: async (ctx, data) => {
      const e = fromBinary(UnfollowedEventSchema, data);
      await followsChanged(ctx, e.followerId, e.followeeId);
    },
  };
}

export async function startSearchConsumer(ctx: SearchContext, bus: EventBus): Promise<Subscription> {
  return consumeRouted(bus, {
    ctx,
    logger: ctx.logger,
    events: ctx.metrics.events,
    handlers: handlers(new KnownUsers()),
    consumers: [
      // Index writes are small and independent: many at once keep up with a burst of tweets.
      { durable: DURABLES.tweets, subjects: [SUBJECTS.tweetCreated, SUBJECTS.tweetDeleted], concurrency: TWEET_CONCURRENCY },
      { durable: DURABLES.people, subjects: [SUBJECTS.userUpdated, SUBJECTS.graphFollowed, SUBJECTS.graphUnfollowed] },
    ],
  });
}
