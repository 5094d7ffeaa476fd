// The discovery service's durable consumers. Tweets feed the trends (each
// tweet's tags, once, taken back when it is deleted) and the activity that
// who-to-follow filters on; follows drop the cached suggestions of both
// accounts and keep the most-followed list current. Every handler is
// idempotent: the bus delivers at least once.
import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import { TweetCreatedEventSchema, TweetDeletedEventSchema, TweetRetweetedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { normalizeHashtags } from "../kit/hashtag.js";
import { snowflakeTime } from "../kit/snowflake.js";
import { consumeRouted } from "../platform/bus/consume-routed.js";
import type { EventBus, Subscription } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import type { DiscoveryContext } from "./context.js";
import { RETENTION_MS } from "./trends/windows.js";

export const DURABLES = { tweets: "discovery-tweets", graph: "discovery-graph" } as const;

const postedAt = (t: Tweet) => (t.createdAt ? timestampMs(t.createdAt) : snowflakeTime(t.tweetId));

type Handler = (ctx: DiscoveryContext, data: Uint8Array) => Promise<void>;

/** A new tweet: its author is active; its tags count once for its author, at the author's weight then. */
export async function tweetCreated(ctx: DiscoveryContext, data: Uint8Array): Promise<void> {
  const t = fromBinary(TweetCreatedEventSchema, data).tweet;
  if (!t) return;
  const at = postedAt(t);
  await ctx.store.suggestions.recordActivity([[t.authorId, at]]);
  const tags = normalizeHashtags(t.hashtags);
  if (tags.length === 0 || t.retweetOfTweetId !== 0n || at < ctx.now() - RETENTION_MS) return;
  const weight = await ctx.authorWeight(t.authorId, at);
  await ctx.store.trends.addTweet({ tweetId: t.tweetId, authorId: t.authorId, tags, at, weight }, RETENTION_MS);
}

const HANDLERS: Record<string, Handler> = {
  [SUBJECTS.tweetCreated]: tweetCreated,
  // A retweet is activity (it shows on the account's timeline); it carries no tags of its own.
  [SUBJECTS.tweetRetweeted]: async (ctx, data) => {
    const r = fromBinary(TweetRetweetedEventSchema, data).retweet;
    if (r) await ctx.store.suggestions.recordActivity([[r.authorId, postedAt(r)]]);
  },
  [SUBJECTS.tweetDeleted]: async (ctx, data) => {
    const e = fromBinary(TweetDeletedEventSchema, data);
    await ctx.store.trends.removeTweet(e.tweetId, Math.max(ctx.now(), snowflakeTime(e.tweetId)) + RETENTION_MS);
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

/**
 * The follower's suggestions lose the followee (and gain their follows); the
 * followee's gain or lose a "follows you"; the follower's kept follow list
 * (friends of friends of others) is stale. The followee's follower count is
 * read, not counted from events, so a redelivery cannot count twice.
 */
async function followsChanged(ctx: DiscoveryContext, followerId: bigint, followeeId: bigint): Promise<void> {
  await Promise.all([ctx.store.suggestions.invalidate([followerId, followeeId]), ctx.store.suggestions.dropFollows([followerId])]);
  const counts = (await ctx.clients.graph.getCounts({ userId: followeeId })).counts;
  await ctx.store.suggestions.setFollowers(followeeId, Number(counts?.followerCount ?? 0n));
}

export async function startDiscoveryConsumer(ctx: DiscoveryContext, bus: EventBus): Promise<Subscription> {
  return consumeRouted(bus, {
    ctx,
    logger: ctx.logger,
    events: ctx.metrics.events,
    handlers: HANDLERS,
    consumers: [
      { durable: DURABLES.tweets, subjects: [SUBJECTS.tweetCreated, SUBJECTS.tweetRetweeted, SUBJECTS.tweetDeleted] },
      { durable: DURABLES.graph, subjects: [SUBJECTS.graphFollowed, SUBJECTS.graphUnfollowed] },
    ],
  });
}
