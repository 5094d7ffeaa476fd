// tweet.created, tweet.retweeted and tweet.deleted. A retweet is a tweet of
// the retweeter's with retweet_of_tweet_id set and travels exactly like one
// (its own id goes into timelines; hydration attaches the original). The tweet
// service announces retweets on tweet.retweeted; should it also send them as
// tweet.created, the shared progress key and job msgIds make that a no-op.
import { fromBinary } from "@bufbuild/protobuf";
import { TweetCreatedEventSchema, TweetDeletedEventSchema, TweetRetweetedEventSchema } from "../../../gen/chirp/tweet/v1/events_pb.js";
import type { Tweet } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import type { BusMessage } from "../../platform/bus/port.js";
import type { TimelineContext } from "../context.js";
import { writeTimelines } from "./batch.js";
import { isLargeAccount } from "./large.js";
import type { FanoutPlanner } from "./plan.js";

export async function handleTweetCreated(ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner): Promise<void> {
  await fanOutTweet(ctx, planner, msg, fromBinary(TweetCreatedEventSchema, msg.data).tweet);
}

export async function handleTweetRetweeted(ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner): Promise<void> {
  await fanOutTweet(ctx, planner, msg, fromBinary(TweetRetweetedEventSchema, msg.data).retweet);
}

async function fanOutTweet(ctx: TimelineContext, planner: FanoutPlanner, msg: BusMessage, tweet: Tweet | undefined): Promise<void> {
  if (!tweet || tweet.tweetId <= 0n || tweet.authorId <= 0n) {
    ctx.logger.error({ msgId: msg.msgId, subject: msg.subject }, "event without a tweet: ignored");
    return;
  }
  // Into the shared cache before any timeline holds its id: no first read reads it through.
  await ctx.hydration?.primeTweets?.([tweet]);
  // The author's own home timeline shows their tweet too, whatever their size;
  // the author's and the hashtags' live streams get it here, once per tweet.
  const online = await toAuthor(ctx, "add", tweet.authorId, tweet.tweetId);
  await ctx.live?.created(tweet, online);
  if (await isLargeAccount(ctx, tweet.authorId)) return;
  await planner.plan("add", tweet.tweetId, tweet.authorId);
}

export async function handleTweetDeleted(ctx: TimelineContext, msg: BusMessage, planner: FanoutPlanner): Promise<void> {
  const ev = fromBinary(TweetDeletedEventSchema, msg.data);
  if (ev.tweetId <= 0n || ev.authorId <= 0n) {
    ctx.logger.error({ msgId: msg.msgId }, "tweet.deleted without ids: ignored");
    return;
  }
  const online = await toAuthor(ctx, "remove", ev.authorId, ev.tweetId);
  await ctx.live?.deleted(ev.tweetId, ev.authorId, online);
  // A large account's tweets were never copied into followers' timelines
  // (those from before it grew are dropped by readers when hydration misses them).
  if (await ctx.store.isLargeAccount(ev.authorId)) return;
  await planner.plan("remove", ev.tweetId, ev.authorId);
}

/** Writes the author's own home timeline and user-timeline list; resolves with whether the author had a stream open lately. */
async function toAuthor(ctx: TimelineContext, op: "add" | "remove", authorId: bigint, tweetId: bigint): Promise<boolean> {
  const [, online] = await Promise.all([
    writeTimelines(ctx, op, [authorId], tweetId, "author"),
    ctx.store.online([authorId]),
    // The author's user-timeline list (only when it exists) follows the same events.
    op === "add" ? ctx.userTweets.add([authorId], [tweetId]) : ctx.userTweets.remove([authorId], [tweetId]),
  ]);
  return online.length > 0;
}
